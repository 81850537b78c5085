package journal_test

import (
	"strings"
	"testing"

	"github.com/paysandbox/paysandbox/emulator/journal"
)

func TestSinceGetAndLastReadTheJournalAsAFeed(t *testing.T) {
	j := journal.New(3)
	if j.Last() != 0 || len(j.Since(0, 10, nil)) != 0 {
		t.Fatal("an empty journal has entries")
	}
	for _, p := range []string{"/a", "/b", "/c", "/d"} { // the ring keeps 3
		j.Add(journal.Entry{Path: p, Tenant: "t", RequestHeader: map[string]string{"Authorization": "Basic c2VjcmV0OnNlY3JldA=="}})
	}
	if j.Last() != 4 {
		t.Fatalf("last %d", j.Last())
	}
	got := j.Since(2, 10, nil)
	if len(got) != 2 || got[0].Path != "/c" || got[1].Path != "/d" {
		t.Fatalf("since 2: %+v", got)
	}
	if !strings.HasSuffix(got[0].RequestHeader["Authorization"], "****") {
		t.Errorf("not masked: %v", got[0].RequestHeader)
	}
	if got := j.Since(0, 10, func(e journal.Entry) bool { return e.Path != "/c" }); len(got) != 2 || got[0].Path != "/b" || got[1].Path != "/d" {
		t.Fatalf("filtered: %+v", got)
	}
	if got := j.Since(0, 1, nil); len(got) != 1 || got[0].Path != "/d" {
		t.Fatalf("limit keeps the newest: %+v", got)
	}
	if e, ok := j.Get(3); !ok || e.Path != "/c" {
		t.Fatalf("get 3: %+v %v", e, ok)
	}
	if _, ok := j.Get(1); ok {
		t.Fatal("an entry the ring dropped is still there")
	}
	j.Clear("t")
	if got := j.Since(0, 10, nil); len(got) != 0 {
		t.Fatalf("after clear: %+v", got)
	}
}
