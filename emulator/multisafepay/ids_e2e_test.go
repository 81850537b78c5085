package multisafepay_test

import (
	"fmt"
	"regexp"
	"strconv"
	"testing"

	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
)

// Transaction ids are the account's next number (eight digits), session
// ids 35 letters and digits whose first seven count up in byte order: both
// keep their index's new entries at its end. The payment page still opens
// by the session id alone, and the other 28 characters keep it unguessable.
func TestIDsGrowInCreationOrder(t *testing.T) {
	sb := sandboxtest.Start(t)
	session := regexp.MustCompile(`^[0-9A-Za-z]{35}$`)
	type ids struct {
		txn     int64
		session string
	}
	create := func(key, oid string) ids {
		t.Helper()
		d := data(t, api(t, sb, key, "POST", "/orders", map[string]any{
			"type": "redirect", "order_id": oid, "currency": "EUR", "amount": 500, "description": "d", "gateway": "IDEAL",
		}))
		sid := fmt.Sprint(d["session_id"])
		if !session.MatchString(sid) {
			t.Fatalf("session id %q is not 35 letters and digits", sid)
		}
		got := data(t, api(t, sb, key, "GET", "/orders/"+oid, nil))
		n, err := strconv.ParseInt(fmt.Sprint(got["transaction_id"]), 10, 64)
		if err != nil || n < 10_000_000 || n > 99_999_999 {
			t.Fatalf("transaction id %v: want eight digits", got["transaction_id"])
		}
		return ids{n, sid}
	}
	var prev ids
	for i := 0; i < 70; i++ { // past 62: the prefix carries into its next digit
		cur := create("team-a", fmt.Sprint("o-", i))
		if i > 0 {
			if cur.txn != prev.txn+1 {
				t.Fatalf("order %d: transaction id %d after %d, want the next number", i, cur.txn, prev.txn)
			}
			if cur.session[:7] <= prev.session[:7] {
				t.Fatalf("order %d: session id %s sorts before the previous %s", i, cur.session, prev.session)
			}
			if cur.session[7:] == prev.session[7:] {
				t.Fatalf("order %d: the random part of the session id repeats", i)
			}
		}
		prev = cur
	}
	// Another account counts from its own start.
	other := create("team-b", "o-0")
	if d := other.txn - prev.txn; d > -1000 && d < 1000 {
		t.Fatalf("team-b's first transaction id %d is next to team-a's %d", other.txn, prev.txn)
	}
	// The page opens by the session id, whichever account made it.
	page := sb.Do(t, "GET", "/multisafepay/connect/"+other.session+"/", nil)
	if page.Status != 200 {
		t.Fatalf("payment page of %s: %d", other.session, page.Status)
	}
}
