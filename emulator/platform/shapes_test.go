package platform_test

import (
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
)

// Hostile shapes of up to 1 MiB: one request allocates a small multiple of
// its body, whatever the shape (a wide array cost 60 times its size before
// the value limit).
func TestBodyShapesCostASmallMultipleOfTheirSize(t *testing.T) {
	sb := sandboxtest.Start(t)
	h := sb.Emulator.Handler()
	const n = 1<<20 - 64
	shapes := map[string]string{
		"wide array":  `{"order_lines":[` + strings.Repeat("0,", n/2-20) + `0]}`,
		"long string": `{"purchase_country":"` + strings.Repeat("a", n-40) + `"}`,
		"many keys":   `{` + strings.Repeat(`"k":0,`, n/6-4) + `"k":0}`,
		"nested 64":   `{"a":` + strings.Repeat("[", 63) + strings.Repeat("]", 63) + `}`,
	}
	for _, path := range []string{"/payments/v1/sessions", "/v1/json/orders", "/oauth/token"} {
		for name, body := range shapes {
			serve := func() int {
				req := httptest.NewRequest("POST", path, strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("api_key", "k1")
				req.Header.Set("Authorization", "Basic UEtfeDpz")
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				return w.Code
			}
			serve()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			code := serve()
			runtime.ReadMemStats(&after)
			got := after.TotalAlloc - before.TotalAlloc
			if got > 16*uint64(len(body))+1<<20 {
				t.Errorf("%s %s: %d bytes allocated for %d bytes of body", path, name, got, len(body))
			}
			t.Logf("%s %s: %d, %d bytes body, %.1f MB allocated (%.1fx)", path, name, code, len(body), float64(got)/1e6, float64(got)/float64(len(body)))
		}
	}
}
