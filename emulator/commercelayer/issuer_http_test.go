package commercelayer_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/paysandbox/paysandbox/emulator"
	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
)

// issSalesChannel is the fixtures' sales channel client id.
const issSalesChannel = "paysandbox-sales-channel"

// issClaims decodes a JWT's claims without checking it.
func issClaims(t *testing.T, token string) map[string]any {
	t.Helper()
	claims, _ := sandboxtest.JWTClaims(t, token)
	return claims
}

// Over HTTP (the listener is plain http, as the 8910 one): a token asked at
// any local name carries the https listener's iss, and the organization of
// the host it was asked at.
func TestTokenIssuerNamesTheHTTPSListener(t *testing.T) {
	sb := sandboxtest.Start(t, sandboxtest.WithConfig(func(c *emulator.Config) { c.HTTPSPort = 8911 }))
	for _, tc := range []struct{ host, slug string }{
		{"localhost:8910", "paysandbox"}, {"auth.localhost:8910", "paysandbox"},
		{"127.0.0.1:8910", "paysandbox"}, {"acme.localhost:8910", "acme"},
	} {
		req, _ := http.NewRequest(http.MethodPost, sb.URL+"/oauth/token",
			strings.NewReader(`{"grant_type":"client_credentials","client_id":"`+issSalesChannel+`","scope":"market:code:EU"}`))
		req.Host = tc.host
		req.Header.Set("Content-Type", "application/json")
		resp, err := sb.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", tc.host, resp.StatusCode, body)
		}
		var out map[string]any
		if err := json.Unmarshal(body, &out); err != nil {
			t.Fatal(err)
		}
		c := issClaims(t, out["access_token"].(string))
		if c["iss"] != "https://auth.localhost:8911" || c["organization"].(map[string]any)["slug"] != tc.slug {
			t.Errorf("%s: iss %v, organization %v", tc.host, c["iss"], c["organization"])
		}
		// The token works on the API (the same emulator answers every name).
		check, _ := http.NewRequest(http.MethodGet, sb.URL+"/api/skus", nil)
		check.Host = tc.slug + ".localhost:8911"
		check.Header.Set("Authorization", "Bearer "+out["access_token"].(string))
		check.Header.Set("Accept", "application/vnd.api+json")
		r2, err := sb.Client().Do(check)
		if err != nil {
			t.Fatal(err)
		}
		b2, _ := io.ReadAll(r2.Body)
		r2.Body.Close()
		if r2.StatusCode != http.StatusOK {
			t.Errorf("%s: GET /api/skus with its token: %d %s", tc.host, r2.StatusCode, b2)
		}
	}
}
