package emulator_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
)

// Unknown paths and methods under a vendor's prefix get that vendor's own
// error body, never the admin API's or a Go error string. No OpenAPI file can
// describe a path that does not exist, so these use a plain client and check
// the body's shape by hand.
func TestUnknownPathsAndMethodsGetTheVendorsErrorFormat(t *testing.T) {
	sb := sandboxtest.Start(t)
	tok := sb.Do(t, "POST", "/oauth/token", map[string]string{"grant_type": "client_credentials", "client_id": "paysandbox-sales-channel", "scope": "market:code:EU"})
	if tok.Status != 200 {
		t.Fatalf("token: %d %s", tok.Status, tok.Body)
	}
	bearer := "Bearer " + tok.JSON(t)["access_token"].(string)
	cases := []struct {
		name, method, path string
		header             []string
		status             int
		check              func(m map[string]any) bool
	}{
		{"klarna path", "GET", "/payments/v1/nothing", []string{"Authorization", "Basic UEtfeDpz"}, 404, klarnaShape},
		{"klarna method", "DELETE", "/payments/v1/sessions", []string{"Authorization", "Basic UEtfeDpz"}, 405, klarnaShape},
		{"multisafepay path", "GET", "/v1/json/nothing", []string{"api_key", "k1"}, 404, mspShape},
		{"multisafepay method", "DELETE", "/v1/json/orders", []string{"api_key", "k1"}, 405, mspShape},
		{"commerce layer path", "GET", "/api/nothings", []string{"Authorization", bearer, "Accept", "application/vnd.api+json"}, 404, jsonAPIShape},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest(c.method, sb.URL+c.path, nil)
			for i := 0; i+1 < len(c.header); i += 2 {
				req.Header.Set(c.header[i], c.header[i+1])
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			var m map[string]any
			if resp.StatusCode != c.status || json.Unmarshal(raw, &m) != nil || !c.check(m) {
				t.Fatalf("%d %s", resp.StatusCode, raw)
			}
		})
	}
}

func klarnaShape(m map[string]any) bool {
	msgs, _ := m["error_messages"].([]any)
	return m["correlation_id"] != nil && m["error_code"] != nil && len(msgs) > 0
}

func mspShape(m map[string]any) bool {
	return m["success"] == false && m["error_code"] != nil && m["error_info"] != nil
}

func jsonAPIShape(m map[string]any) bool {
	errs, _ := m["errors"].([]any)
	if len(errs) == 0 {
		return false
	}
	e, _ := errs[0].(map[string]any)
	code, _ := e["code"].(string)
	status, _ := e["status"].(string) // JSON:API statuses are strings
	return code != "" && strings.TrimSpace(status) != ""
}
