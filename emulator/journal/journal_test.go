package journal_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/paysandbox/paysandbox/emulator/journal"
)

func TestRingKeepsTheNewestAndFilters(t *testing.T) {
	j := journal.New(3)
	for i := 0; i < 5; i++ {
		j.Add(journal.Entry{Path: fmt.Sprintf("/p%d", i), Tenant: []string{"a", "b"}[i%2], Provider: "klarna", Status: 200})
	}
	got := j.List(journal.Filter{})
	if len(got) != 3 || got[0].Path != "/p4" || got[2].Path != "/p2" || got[0].ID != 5 {
		t.Fatalf("%+v", got)
	}
	if got := j.List(journal.Filter{Tenant: "a"}); len(got) != 2 || got[0].Path != "/p4" {
		t.Fatalf("tenant filter: %+v", got)
	}
	if got := j.List(journal.Filter{Limit: 1}); len(got) != 1 {
		t.Fatalf("limit: %d", len(got))
	}
	j.Clear("a")
	if got := j.List(journal.Filter{}); len(got) != 1 || got[0].Path != "/p3" {
		t.Fatalf("after clearing a: %+v", got)
	}
	j.Add(journal.Entry{Path: "/p5"})
	if got := j.List(journal.Filter{}); len(got) != 2 || got[0].Path != "/p5" {
		t.Fatalf("after adding: %+v", got)
	}
	j.Clear("")
	if got := j.List(journal.Filter{}); len(got) != 0 {
		t.Fatalf("after clearing all: %+v", got)
	}
}

func TestCredentialsAreMaskedOnRead(t *testing.T) {
	j := journal.New(10)
	j.Add(journal.Entry{
		RequestHeader: map[string]string{"Authorization": "Basic UEtfVEVTVDpzZWNyZXQ=", "Api_key": "abcdef123456", "Accept": "application/json"},
		Query:         "api_key=abcdef123456&limit=5",
		RequestBody:   `{"client_id":"cid","client_secret":"topsecret","nested":{"password":"hunter2"}}`,
		ResponseBody:  `{"access_token":"eyJhbGciOi.payload.sig","token_type":"bearer"}`,
	})
	e := j.List(journal.Filter{})[0]
	all := fmt.Sprint(e.RequestHeader, e.Query, e.RequestBody, e.ResponseBody)
	for _, secret := range []string{"UEtfVEVTVDpzZWNyZXQ", "abcdef123456", "topsecret", "hunter2", "payload.sig"} {
		if strings.Contains(all, secret) {
			t.Fatalf("%q leaks: %s", secret, all)
		}
	}
	if e.RequestHeader["Authorization"] != "Basic UEtf****" || e.RequestHeader["Accept"] != "application/json" || !strings.Contains(e.Query, "limit=5") || !strings.Contains(e.RequestBody, `"client_id":"cid"`) {
		t.Fatalf("over-masked: %+v", e)
	}
}

func TestBodiesAreBounded(t *testing.T) {
	j := journal.New(1)
	j.Add(journal.Entry{RequestBody: strings.Repeat("x", journal.MaxBody*2)})
	if n := len(j.List(journal.Filter{})[0].RequestBody); n > journal.MaxBody+32 {
		t.Fatalf("kept %d bytes", n)
	}
}

func TestMaskingNeverFailsOpen(t *testing.T) {
	cases := []struct{ name, body, secret, keep string }{
		{"cut short", `{"client_id":"cid","client_secret":"S1","pad":"` + strings.Repeat("x", journal.MaxBody) + `","password":"S2"}`, "S1", `"client_id":"cid"`},
		{"syntax error", `{"a":"b","client_secret":"S3" nope "password":"S4"}`, "S4", `"a":"b"`},
		{"escaped key", `{"client\u005fsecret":"S5"}`, "S5", ""},
		{"nested array", `{"token":["S6","S7"],"x":[{"refresh_token":"S8"}]}`, "S6", ""},
		{"two documents", `{"a":1} {"password":"S9"}`, "S9", `{"a":1}`},
		{"html", `<html><body>client_secret=S10</body></html>`, "S10", "hidden"},
		{"text", "password: S11", "S11", "hidden"},
		{"form", "client_id=c&client_secret=S12", "S12", "client_id=c"},
		{"bad form", "a=%zz&password=S13", "S13", "hidden"},
		{"jwt anywhere", `{"note":"see eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.S14sig"}`, "S14sig", `"note"`},
		{"page url", `{"payment_url":"http://x/multisafepay/connect/S15session/?lang=en"}`, "S15session", "?lang=en"},
	}
	for _, c := range cases {
		j := journal.New(1)
		j.Add(journal.Entry{Provider: "commercelayer", Path: "/oauth/token", RequestBody: c.body})
		got := j.List(journal.Filter{})[0].RequestBody
		if strings.Contains(got, c.secret) || !strings.Contains(got, c.keep) {
			t.Errorf("%s: %s", c.name, got)
		}
	}
}

func TestHeaderKeepsOnlyTheCap(t *testing.T) {
	h := map[string][]string{"X-Big": {strings.Repeat("y", 1<<20), "z"}}
	for i := 0; i < 200; i++ {
		h[fmt.Sprintf("X-H%d", i)] = []string{"v"}
	}
	got := journal.Header(h)
	if len(got) > journal.MaxHeaders {
		t.Fatalf("%d headers kept", len(got))
	}
	for k, v := range got {
		if len(v) > journal.MaxHeaderValue+32 {
			t.Fatalf("%s: %d bytes kept", k, len(v))
		}
	}
}

// The ring grows as entries come, then turns; clearing part of a ring that
// is not yet full leaves the rest in order.
func TestRingGrowsThenTurns(t *testing.T) {
	j := journal.New(4)
	paths := func() string {
		var p []string
		for _, e := range j.List(journal.Filter{}) {
			p = append(p, e.Path)
		}
		return strings.Join(p, " ")
	}
	add := func(path, tenant string) { j.Add(journal.Entry{Path: path, Tenant: tenant}) }
	if got := paths(); got != "" {
		t.Fatalf("new journal lists %q", got)
	}
	add("/1", "a")
	add("/2", "b")
	if got := paths(); got != "/2 /1" {
		t.Fatalf("two entries: %q", got)
	}
	j.Clear("a")
	add("/3", "a")
	add("/4", "b")
	add("/5", "b")
	if got := paths(); got != "/5 /4 /3 /2" {
		t.Fatalf("full after a clear: %q", got)
	}
	add("/6", "a")
	if got := paths(); got != "/6 /5 /4 /3" {
		t.Fatalf("turned once: %q", got)
	}
	j.Clear("b")
	add("/7", "a")
	add("/8", "a")
	add("/9", "a")
	if got := paths(); got != "/9 /8 /7 /6" {
		t.Fatalf("after clearing b and refilling: %q", got)
	}
}
