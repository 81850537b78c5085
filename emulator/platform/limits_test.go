package platform_test

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
)

// nested is a 20 KB JSON body nested 9,999 deep: before the depth limit,
// formatting its validation error cost seconds and a gigabyte.
func nested() string {
	const depth = 9999
	return `{"a":` + strings.Repeat("[", depth) + strings.Repeat("]", depth) + `}`
}

func basicAuth(user string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":secret"))
}

// Every provider answers a body nested past the limit with its own 400,
// before authentication or validation looks at it.
func TestDeeplyNestedBodyGetsTheProvidersOwn400(t *testing.T) {
	sb := sandboxtest.Start(t)
	tok := sb.Do(t, "POST", "/oauth/token", map[string]string{"grant_type": "client_credentials", "client_id": "paysandbox-sales-channel", "scope": "market:code:EU"})
	if tok.Status != 200 {
		t.Fatalf("token: %d %s", tok.Status, tok.Body)
	}
	bearer := "Bearer " + tok.JSON(t)["access_token"].(string)
	cases := []struct {
		name, path string
		header     []string
		check      func(m map[string]any) bool
	}{
		{"klarna payments", "/payments/v1/sessions", []string{"Authorization", basicAuth("PK_nest")}, func(m map[string]any) bool {
			return m["error_code"] == "BAD_REQUEST" && m["correlation_id"] != nil
		}},
		{"klarna sdk authorizations", "/_sandbox/klarna/authorizations", nil, func(m map[string]any) bool {
			e, _ := m["error"].(map[string]any)
			return m["approved"] == false && e["code"] == "BAD_REQUEST"
		}},
		{"multisafepay", "/v1/json/orders", []string{"api_key", "k1"}, func(m map[string]any) bool {
			return m["success"] == false && m["error_code"] != nil
		}},
		{"commerce layer oauth", "/oauth/token", nil, func(m map[string]any) bool {
			return m["error"] != nil || m["errors"] != nil
		}},
		{"commerce layer api", "/api/orders", []string{"Authorization", bearer, "Content-Type", "application/vnd.api+json", "Accept", "application/vnd.api+json"}, func(m map[string]any) bool {
			errs, _ := m["errors"].([]any)
			return len(errs) > 0
		}},
	}
	body := nested()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := sb.Do(t, "POST", c.path, body, c.header...)
			if res.Status != http.StatusBadRequest || !c.check(res.JSON(t)) {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
			if len(res.Body) > 2000 || strings.Contains(string(res.Body), "[[[") {
				t.Fatalf("the error embeds the value: %d bytes", len(res.Body))
			}
		})
	}
}

// One such request allocates a small multiple of its size, not the gigabyte
// it cost when the validator formatted the value into its error.
func TestDeeplyNestedBodyCostsLittleMemory(t *testing.T) {
	sb := sandboxtest.Start(t)
	h := sb.Emulator.Handler()
	body := nested()
	for _, path := range []string{"/oauth/token", "/_sandbox/klarna/authorizations", "/v1/json/orders"} {
		serve := func() int {
			req := httptest.NewRequest("POST", path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("api_key", "k1")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			return w.Code
		}
		serve() // warm: the OpenAPI file is parsed on first use
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		code := serve()
		runtime.ReadMemStats(&after)
		if code != http.StatusBadRequest {
			t.Fatalf("%s: %d", path, code)
		}
		if got := after.TotalAlloc - before.TotalAlloc; got > 10<<20 {
			t.Errorf("%s: one nested request allocated %d bytes", path, got)
		}
	}
}

// A body just inside the limit still reaches validation (a schema error, not
// the nesting one).
func TestNestingInsideTheLimitIsValidated(t *testing.T) {
	sb := sandboxtest.Start(t)
	body := `{"purchase_country":` + strings.Repeat("[", 60) + strings.Repeat("]", 60) + `}`
	res := sb.Do(t, "POST", "/payments/v1/sessions", body, "Authorization", basicAuth("PK_nest"))
	if res.Status != http.StatusBadRequest || strings.Contains(string(res.Body), "Malformed request body: not valid JSON") {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
}

// One nested request's cost (docs/reliability.md quotes the figures).
func BenchmarkDeeplyNestedBody(b *testing.B) {
	sb := sandboxtest.Start(b)
	h := sb.Emulator.Handler()
	body := nested()
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		req := httptest.NewRequest("POST", "/oauth/token", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusBadRequest {
			b.Fatalf("%d %s", w.Code, w.Body)
		}
	}
}
