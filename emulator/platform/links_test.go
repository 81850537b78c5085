package platform_test

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/paysandbox/paysandbox/emulator"
	"github.com/paysandbox/paysandbox/emulator/platform"
	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
)

// paymentURL creates a MultiSafepay order with the given headers and returns
// its payment_url.
func paymentURL(t *testing.T, sb *sandboxtest.Sandbox, id string, hdr ...string) string {
	t.Helper()
	r := sb.Do(t, http.MethodPost, "/v1/json/orders", map[string]any{"type": "redirect", "order_id": id, "currency": "EUR",
		"amount": 1000, "description": "Links"}, append([]string{"api_key", "links-key"}, hdr...)...)
	if r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	return r.JSON(t)["data"].(map[string]any)["payment_url"].(string)
}

func TestLinksFollowThePublicURLThenTrustedProxiesThenHost(t *testing.T) {
	fwd := []string{"X-Forwarded-Host", "shop.example.test:8443", "X-Forwarded-Proto", "https"}

	// Default: the peer (loopback here) is a trusted proxy.
	sb := sandboxtest.Start(t)
	if u := paymentURL(t, sb, "a", fwd...); !strings.HasPrefix(u, "https://shop.example.test:8443/") {
		t.Errorf("loopback proxy ignored: %s", u)
	}
	if u := paymentURL(t, sb, "b"); !strings.HasPrefix(u, sb.URL+"/") {
		t.Errorf("Host not used: %s", u)
	}
	// A bent header is ignored.
	if u := paymentURL(t, sb, "c", "X-Forwarded-Host", "evil.test/path?x", "X-Forwarded-Proto", "javascript"); !strings.HasPrefix(u, sb.URL+"/") {
		t.Errorf("bad X-Forwarded-* used: %s", u)
	}
	// The first of a list is the outermost proxy's.
	if u := paymentURL(t, sb, "d", "X-Forwarded-Host", "outer.test, inner.test"); !strings.HasPrefix(u, "http://outer.test/") {
		t.Errorf("list: %s", u)
	}

	// No trusted proxies: the headers are anyone's and are ignored.
	none := sandboxtest.Start(t, sandboxtest.WithConfig(func(c *emulator.Config) { c.TrustedProxies = []netip.Prefix{} }))
	if u := paymentURL(t, none, "a", fwd...); !strings.HasPrefix(u, none.URL+"/") {
		t.Errorf("untrusted peer's X-Forwarded-Host used: %s", u)
	}

	// The public URL wins over both.
	pub := sandboxtest.Start(t, sandboxtest.WithConfig(func(c *emulator.Config) { c.PublicURL = "https://pay.demo.test/sandbox/" }))
	if u := paymentURL(t, pub, "a", fwd...); !strings.HasPrefix(u, "https://pay.demo.test/sandbox/") {
		t.Errorf("public URL not used: %s", u)
	}
}

func TestTrustedProxiesFromOtherPeers(t *testing.T) {
	trusted, err := platform.ParseTrustedProxies("10.0.0.0/8, 192.0.2.7")
	if err != nil {
		t.Fatal(err)
	}
	l := &platform.Links{Trusted: trusted}
	var got string
	h := l.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = platform.BaseURL(r) }))
	for _, c := range []struct{ peer, want string }{
		{"10.1.2.3:5000", "http://shop.test"},
		{"192.0.2.7:5000", "http://shop.test"},
		{"[::ffff:10.9.9.9]:5000", "http://shop.test"},
		{"192.0.2.8:5000", "http://emulator:8910"},
		{"127.0.0.1:5000", "http://emulator:8910"}, // loopback is no longer in the list
	} {
		r := httptest.NewRequest(http.MethodGet, "http://emulator:8910/x", nil)
		r.RemoteAddr = c.peer
		r.Header.Set("X-Forwarded-Host", "shop.test")
		h.ServeHTTP(httptest.NewRecorder(), r)
		if got != c.want {
			t.Errorf("peer %s: %s, want %s", c.peer, got, c.want)
		}
	}
	if _, err := emulator.New(emulator.Config{DataPath: t.TempDir() + "/p.db", PublicURL: "pay.test"}); err == nil {
		t.Error("a public URL without a scheme was accepted")
	}
}
