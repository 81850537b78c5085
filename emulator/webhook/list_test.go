package webhook_test

import (
	"context"
	"strings"
	"testing"

	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
	"github.com/paysandbox/paysandbox/emulator/webhook"
)

// A tenant's deliveries come from its own list (newest first, limited),
// on a file without that list from the scan; a reset empties it.
func TestListByTenant(t *testing.T) {
	for _, legacy := range []bool{false, true} {
		sb := sandboxtest.Start(t)
		p := sb.Emulator.Platform()
		if legacy {
			if err := p.Store.SetMeta("owned-index", nil); err != nil {
				t.Fatal(err)
			}
		}
		rc := sandboxtest.NewReceiver(t)
		var acme []string
		for i := 0; i < 5; i++ {
			tenant := "other"
			if i%2 == 0 {
				tenant = "acme"
			}
			id := enqueue(t, sb, "testprov", tenant, rc.URL)
			if tenant == "acme" {
				acme = append([]string{id}, acme...) // newest first
			}
		}
		ids := func(f webhook.Filter) string {
			t.Helper()
			ds, err := p.Webhooks.List(context.Background(), f)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, d := range ds {
				out = append(out, d.ID)
			}
			return strings.Join(out, ",")
		}
		if got, want := ids(webhook.Filter{Tenant: "acme", Limit: 2}), strings.Join(acme[:2], ","); got != want {
			t.Fatalf("legacy=%v: acme's newest two: %s, want %s", legacy, got, want)
		}
		if got, want := ids(webhook.Filter{Tenant: "acme", Provider: "testprov"}), strings.Join(acme, ","); got != want {
			t.Fatalf("legacy=%v: acme's: %s, want %s", legacy, got, want)
		}
		if got := ids(webhook.Filter{Tenant: "acme", Provider: "nobody"}); got != "" {
			t.Fatalf("legacy=%v: another provider's: %s", legacy, got)
		}
		if err := p.Store.ResetTenant("acme"); err != nil {
			t.Fatal(err)
		}
		if got := ids(webhook.Filter{Tenant: "acme"}); got != "" {
			t.Fatalf("legacy=%v: after the reset: %s", legacy, got)
		}
		if got := ids(webhook.Filter{Tenant: "other"}); strings.Count(got, ",") != 1 {
			t.Fatalf("legacy=%v: other's after acme's reset: %s", legacy, got)
		}
	}
}
