package platform_test

import (
	"strings"
	"testing"

	"github.com/paysandbox/paysandbox/emulator/platform"
	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
)

// The depth limit stays the byte scan's, before the contract decodes: a body
// one level past MaxDepth is the provider's malformed-body answer, one at
// MaxDepth reaches the schema check (and breaks it at its first wrong field).
func TestDepthLimitComesBeforeTheContractsDecode(t *testing.T) {
	sb := sandboxtest.Start(t)
	deep := func(levels int) string { // the outer object is one level
		return `{"purchase_country":` + strings.Repeat("[", levels-1) + strings.Repeat("]", levels-1) + `}`
	}
	auth := []string{"Authorization", basicAuth("PK_depth"), "Content-Type", "application/json"}
	over := sb.Do(t, "POST", "/payments/v1/sessions", deep(platform.MaxDepth+1), auth...)
	at := sb.Do(t, "POST", "/payments/v1/sessions", deep(platform.MaxDepth), auth...)
	if over.Status != 400 || at.Status != 400 {
		t.Fatalf("over: %d %s\nat: %d %s", over.Status, over.Body, at.Status, at.Body)
	}
	if !strings.Contains(string(over.Body), "Malformed request body") {
		t.Errorf("one level past the limit: %s", over.Body)
	}
	if !strings.Contains(string(at.Body), "purchase_country") {
		t.Errorf("at the limit, the schema check names the field: %s", at.Body)
	}
}
