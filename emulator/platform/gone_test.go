package platform_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/paysandbox/paysandbox/emulator/platform"
)

func TestClientGoneOnlyForTheRequestsOwnContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	live := httptest.NewRequest("GET", "/", nil)
	gone := live.WithContext(ctx)
	cancel()
	wrapped := fmt.Errorf("store: %w", context.Canceled)
	for _, c := range []struct {
		name string
		req  bool // the request's context has ended
		err  error
		want bool
	}{
		{"cancelled request, its error", true, wrapped, true},
		{"cancelled request, another error", true, errors.New("disk full"), false},
		{"live request, a cancellation from elsewhere", false, wrapped, false},
	} {
		r := live
		if c.req {
			r = gone
		}
		w := httptest.NewRecorder()
		if got := platform.ClientGone(w, r, c.err); got != c.want {
			t.Errorf("%s: ClientGone = %v, want %v", c.name, got, c.want)
		}
		if c.want && w.Code != platform.StatusClientClosedRequest {
			t.Errorf("%s: status %d, want 499", c.name, w.Code)
		}
		if !c.want && w.Body.Len() != 0 {
			t.Errorf("%s: wrote %q", c.name, w.Body)
		}
	}
}
