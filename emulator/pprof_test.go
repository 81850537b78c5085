package emulator_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/paysandbox/paysandbox/emulator"
	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
)

func get(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestPprofOffIsTheAdminNotFound(t *testing.T) {
	sb := sandboxtest.Start(t)
	for _, p := range []string{"/_sandbox/debug/pprof/", "/_sandbox/debug/pprof/heap", "/_sandbox/debug/pprof/cmdline"} {
		code, body := get(t, sb.URL+p, "")
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		if code != 404 || json.Unmarshal([]byte(body), &e) != nil || e.Error.Code != "not_found" {
			t.Errorf("GET %s without --pprof: %d %s, want the admin API's 404", p, code, body)
		}
	}
}

func TestPprofOnNeedsTheAdminToken(t *testing.T) {
	sb := sandboxtest.Start(t, sandboxtest.WithConfig(func(c *emulator.Config) {
		c.Pprof = true
		c.AdminToken = "s3cret"
	}))
	for _, p := range []string{"/_sandbox/debug/pprof/", "/_sandbox/debug/pprof/heap?debug=1", "/_sandbox/debug/pprof/cmdline", "/_sandbox/debug/pprof/goroutine?debug=1"} {
		if code, body := get(t, sb.URL+p, ""); code != 401 || !strings.Contains(body, `"unauthorized"`) {
			t.Errorf("GET %s without the token: %d %s, want 401 in the admin format", p, code, body)
		}
		if code, _ := get(t, sb.URL+p, "wrong"); code != 401 {
			t.Errorf("GET %s with a wrong token: %d, want 401", p, code)
		}
		if code, body := get(t, sb.URL+p, "s3cret"); code != 200 || body == "" {
			t.Errorf("GET %s with the token: %d %.200s", p, code, body)
		}
	}
	if _, body := get(t, sb.URL+"/_sandbox/debug/pprof/heap?debug=1", "s3cret"); !strings.Contains(body, "heap profile") {
		t.Errorf("heap profile: %.200s", body)
	}
	// A team's token (tenant pattern) is not the operator's.
	sb2 := sandboxtest.Start(t, sandboxtest.WithConfig(func(c *emulator.Config) {
		c.Pprof = true
		c.AdminToken = "s3cret,team-a-*=tokA"
	}))
	if code, body := get(t, sb2.URL+"/_sandbox/debug/pprof/heap?debug=1", "tokA"); code != 403 || !strings.Contains(body, `"forbidden_tenant"`) {
		t.Errorf("a team's token on the heap profile: %d %.100s, want 403 forbidden_tenant", code, body)
	}
	if code, _ := get(t, sb2.URL+"/_sandbox/debug/pprof/heap?debug=1", "s3cret"); code != 200 {
		t.Errorf("the global token on the heap profile: %d", code)
	}
}
