package multisafepay_test

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/emulator/multisafepay"
	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
	"github.com/paysandbox/paysandbox/emulator/store"
)

// tokensOf lists GET /recurring/{reference}'s token ids.
func tokensOf(t *testing.T, sb *sandboxtest.Sandbox, path string) []string {
	t.Helper()
	ids := []string{}
	for _, v := range data(t, api(t, sb, testKey, http.MethodGet, path, nil))["tokens"].([]any) {
		ids = append(ids, str(v.(map[string]any)["token"]))
	}
	return ids
}

// GET /recurring/{reference} reads the reference's tokens through an index
// by reference. Tokens an older version stored (no index) are still listed:
// scanned until the next token is written, which indexes them all; a reset
// drops the index with the tenant.
func TestRecurringTokensIndexFindsOlderTokensAndGoesWithAReset(t *testing.T) {
	sb := sandboxtest.Start(t)
	// One token through the API (indexed), then two as the older version
	// stored them: values, not indexed (the index goes with the first).
	initialRecurring(t, sb, "idx-0", "other", "cardOnFile", "4111111111111111")
	created := sb.Now(testKey).Add(-time.Hour)
	err := sb.Emulator.Platform().Store.Update(context.Background(), "multisafepay", testKey, func(tx *store.Tx) error {
		for i, id := range []string{"OLDTOKEN002", "OLDTOKEN001"} {
			tok := multisafepay.Token{Token: id, Reference: "cust-old", Code: "VISA", Display: "Card xxxx xxxx xxxx 1111", Model: "cardOnFile",
				OrderID: "old-order", Created: created.Add(time.Duration(i) * time.Minute)}
			if err := tx.Put("tokens", id, tok); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = sb.Emulator.Platform().Store.View(context.Background(), "multisafepay", testKey, func(tx *store.Tx) error {
		if _, err := tx.IndexedCount("tokens"); !errors.Is(err, store.ErrNoIndex) {
			t.Errorf("tokens stored as values are not indexed: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := tokensOf(t, sb, "/recurring/cust-old"); !reflect.DeepEqual(got, []string{"OLDTOKEN002", "OLDTOKEN001"}) {
		t.Fatalf("older tokens, scanned: %v", got)
	}
	fresh := initialRecurring(t, sb, "idx-1", "cust-old", "subscription", "4111111111111111")
	err = sb.Emulator.Platform().Store.View(context.Background(), "multisafepay", testKey, func(tx *store.Tx) error {
		n, err := tx.IndexedCount("tokens")
		if n != 4 || err != nil {
			t.Errorf("indexed tokens: %d %v", n, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := tokensOf(t, sb, "/recurring/cust-old"); !reflect.DeepEqual(got, []string{"OLDTOKEN002", "OLDTOKEN001", fresh}) {
		t.Fatalf("tokens through the index: %v", got)
	}
	if got := tokensOf(t, sb, "/recurring/cust-old?offset=1&limit=1"); !reflect.DeepEqual(got, []string{"OLDTOKEN001"}) {
		t.Fatalf("offset 1, limit 1: %v", got)
	}
	if got := tokensOf(t, sb, "/recurring/cust-ol"); len(got) != 0 {
		t.Fatalf("a prefix of the reference: %v", got)
	}
	if res := sb.Do(t, "POST", "/_sandbox/tenants/"+testKey+"/reset", nil); res.Status != 200 {
		t.Fatalf("reset: %d %s", res.Status, res.Body)
	}
	if got := tokensOf(t, sb, "/recurring/cust-old"); len(got) != 0 {
		t.Fatalf("after the reset: %v", got)
	}
	err = sb.Emulator.Platform().Store.View(context.Background(), "multisafepay", testKey, func(tx *store.Tx) error {
		if n, err := tx.IndexedCount("tokens"); n != 0 || err != nil {
			t.Errorf("index after the reset: %d %v", n, err)
		}
		return tx.Lookup("tokens", "ref\x00", false, func(id string, _ []byte) (bool, error) {
			t.Errorf("index entry after the reset: %s", id)
			return true, nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
}
