package contract_test

import (
	"net/http"
	"testing"

	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
)

// HEAD is answered as GET without a body, in every provider; before, the
// router sent it to the GET handler and the contract refused it with 405.
func TestHEADIsAnsweredAsGETWithoutABody(t *testing.T) {
	sb := sandboxtest.Start(t)
	for _, c := range []struct {
		path   string
		header []string
	}{
		{"/v1/json/gateways", []string{"api_key", "k1"}},
		{"/payments/v1/sessions/nope", []string{"Authorization", "Basic UEtfeDpz"}},
	} {
		get := sb.Do(t, http.MethodGet, c.path, nil, c.header...)
		head := sb.Do(t, http.MethodHead, c.path, nil, c.header...)
		if head.Status != get.Status || len(head.Body) != 0 || head.Header.Get("Content-Type") != get.Header.Get("Content-Type") {
			t.Errorf("%s: HEAD %d (%d bytes), GET %d", c.path, head.Status, len(head.Body), get.Status)
		}
	}
	// A path without GET still refuses HEAD (no OpenAPI file describes a
	// refused method, so a plain client).
	req, _ := http.NewRequest(http.MethodHead, sb.URL+"/payments/v1/sessions", nil)
	req.Header.Set("Authorization", "Basic UEtfeDpz")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("HEAD on a POST-only path: %d", resp.StatusCode)
	}
}
