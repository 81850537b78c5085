package multisafepay_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
)

// The payment page names who may frame it (only the emulator), on the page
// and on its error pages.
func TestPaymentPageRefusesForeignFrames(t *testing.T) {
	sb := sandboxtest.Start(t)
	d := data(t, api(t, sb, testKey, http.MethodPost, "/orders", order("frame-1")))
	for _, r := range []*sandboxtest.Response{page(t, sb, str(d["payment_url"])), sb.Do(t, http.MethodGet, "/multisafepay/connect/nope/", nil)} {
		csp := r.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "frame-ancestors 'self'") || r.Header.Get("X-Frame-Options") != "SAMEORIGIN" || strings.Contains(csp, "script-src") {
			t.Fatalf("%d CSP %q XFO %q", r.Status, csp, r.Header.Get("X-Frame-Options"))
		}
	}
}
