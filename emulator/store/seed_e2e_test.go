package store_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
)

// The same --seed gives the same ids whether requests come one at a time or
// eight tenants at once: every provider draws its ids through the
// transaction, per tenant (MultiSafepay's transaction ids and payment page
// sessions, Klarna's sessions, Commerce Layer's resource ids). Before, they
// came from one shared stream in arrival order (and a rerun transaction drew
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

					ks := sb.Do(t, "POST", "/payments/v1/sessions", map[string]any{
						"purchase_country": "SE", "purchase_currency": "SEK", "locale": "en-SE", "order_amount": 100, "order_tax_amount": 0,
						"order_lines": []any{map[string]any{"name": "x", "quantity": 1, "unit_price": 100, "total_amount": 100}},
					}, "Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("PK_TEST_"+key+":x")))
					if ks.Status != 200 {
						t.Errorf("klarna: %d %s", ks.Status, ks.Body)
						return
					}
					cl := sb.Do(t, "POST", "/api/orders", map[string]any{"data": map[string]any{"type": "orders"}},
						"Authorization", "Bearer "+clToken(t, sb, key), "Accept", "application/vnd.api+json", "Content-Type", "application/vnd.api+json")
					if cl.Status != 201 {
						t.Errorf("commerce layer: %d %s", cl.Status, cl.Body)
						return
					}
					mu.Lock()
					got[key+"/"+oid+"/klarna_session"] = fmt.Sprint(ks.JSON(t)["session_id"])
					got[key+"/"+oid+"/cl_order"] = fmt.Sprint(cl.JSON(t)["data"].(map[string]any)["id"])
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
	if len(one) != 160 {
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

// clToken is a sales channel token of the organization slug (the host's
// first label names it on /oauth/token).
func clToken(t *testing.T, sb *sandboxtest.Sandbox, slug string) string {
	t.Helper()
	req, _ := http.NewRequest("POST", sb.URL+"/oauth/token", strings.NewReader(`{"grant_type":"client_credentials","client_id":"paysandbox-sales-channel","scope":"market:code:EU"}`))
	req.Host = slug + ".localhost"
	req.Header.Set("Content-Type", "application/json")
	resp, err := sb.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || resp.StatusCode != 200 || tok.AccessToken == "" {
		t.Fatalf("token for %s: %d %v", slug, resp.StatusCode, err)
	}
	return tok.AccessToken
}
