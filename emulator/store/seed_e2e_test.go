package store_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
)

// The same --seed gives the same ids whether requests come one at a time or
// eight tenants at once: MultiSafepay's transaction ids and payment page
// sessions are drawn through the transaction, per tenant. Before, they came
// from one shared stream in arrival order (and a rerun transaction drew
// twice).
func TestSameSeedSameIDsUnderConcurrentWrites(t *testing.T) {
	run := func(concurrent bool) map[string]string {
		sb := sandboxtest.Start(t) // seed 1
		var mu sync.Mutex
		got := map[string]string{}
		var wg sync.WaitGroup
		for tenant := 0; tenant < 8; tenant++ {
			key := fmt.Sprint("team-", tenant)
			work := func() {
				for i := 0; i < 5; i++ {
					oid := fmt.Sprint("o-", i)
					res := sb.Do(t, "POST", "/v1/json/orders", map[string]any{
						"type": "redirect", "order_id": oid, "currency": "EUR", "amount": 500, "description": "d", "gateway": "IDEAL",
					}, "api_key", key)
					if res.Status != 200 {
						t.Errorf("%d %s", res.Status, res.Body)
						return
					}
					d, _ := res.JSON(t)["data"].(map[string]any)
					mu.Lock()
					got[key+"/"+oid] = strings.TrimPrefix(fmt.Sprint(d["payment_url"]), sb.URL)
					g := sb.Do(t, "GET", "/v1/json/orders/"+oid, nil, "api_key", key)
					gd, _ := g.JSON(t)["data"].(map[string]any)
					got[key+"/"+oid+"/transaction_id"] = fmt.Sprint(gd["transaction_id"])
					mu.Unlock()
				}
			}
			if concurrent {
				wg.Add(1)
				go func() { defer wg.Done(); work() }()
			} else {
				work()
			}
		}
		wg.Wait()
		return got
	}
	one, all := run(false), run(true)
	if len(one) != 80 {
		t.Fatalf("%d orders", len(one))
	}
	for k, v := range one {
		if all[k] != v {
			t.Errorf("%s: %s one at a time, %s concurrently", k, v, all[k])
		}
	}
	// And they are ids, not one repeated value.
	seen := map[string]bool{}
	for k, v := range one {
		if strings.HasSuffix(k, "/transaction_id") && v == "<nil>" {
			t.Fatalf("%s missing", k)
		}
		seen[v] = true
	}
	if len(seen) != len(one) {
		t.Fatalf("%d distinct payment URLs for %d orders", len(seen), len(one))
	}
}
