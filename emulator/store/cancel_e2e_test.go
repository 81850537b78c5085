package store_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/emulator/journal"
	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
	"github.com/paysandbox/paysandbox/emulator/store"
)

// A client that gives up while its write waits behind a slow commit gets
// its request ended at once: nothing is stored, and the journal records
// 499 (not a 500) while the commit ahead is still running.
func TestRequestCancelledWhileItsWriteWaitsStoresNothing(t *testing.T) {
	sb := sandboxtest.Start(t)
	st := sb.Emulator.Platform().Store
	const tenant = "team-cancel"
	order := func(id string) string {
		return `{"type":"redirect","order_id":"` + id + `","currency":"EUR","amount":500,"description":"d","gateway":"IDEAL"}`
	}
	stored := func(id string) bool {
		var ok bool
		must(t, st.View(context.Background(), "multisafepay", tenant, func(tx *store.Tx) error { ok = tx.Exists("orders", id); return nil }))
		return ok
	}

	// First a request that goes through, so that the one cancelled below
	// finds the OpenAPI file parsed and reaches its Update at once.
	if r := sb.Do(t, "POST", "/v1/json/orders", order("o-warm"), "api_key", tenant); r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}

	// Hold the committer inside a write until released.
	started, release := make(chan struct{}), make(chan struct{})
	held := make(chan error, 1)
	var once sync.Once
	go func() {
		held <- st.SysUpdate(context.Background(), func(*store.Tx) error {
			once.Do(func() { close(started) })
			<-release
			return nil
		})
	}()
	<-started
	released := false
	defer func() {
		if !released {
			close(release)
		}
	}()

	ctx, cancel := context.WithCancel(context.Background())
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		req, _ := http.NewRequestWithContext(ctx, "POST", sb.URL+"/v1/json/orders", strings.NewReader(order("o-gone")))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("api_key", tenant)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	time.Sleep(300 * time.Millisecond) // the request reaches its Update and waits
	cancel()
	<-sent

	var got []journal.Entry
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if got = sb.Emulator.Journal().List(journal.Filter{Tenant: tenant}); len(got) > 1 {
			break
		}
	}
	if len(got) != 2 || got[0].Status != 499 { // newest first
		t.Fatalf("while the commit ahead still runs, the journal has %+v; want the cancelled request with status 499", got)
	}

	close(release)
	released = true
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	if stored("o-gone") {
		t.Fatal("the cancelled request's order was stored")
	}
	// The same request not cancelled is stored (the check can fail).
	if r := sb.Do(t, "POST", "/v1/json/orders", order("o-kept"), "api_key", tenant); r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	if !stored("o-kept") {
		t.Fatal("an order that was not cancelled is missing")
	}
}
