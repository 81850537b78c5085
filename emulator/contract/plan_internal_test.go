package contract

import (
	"net/http"
	"testing"

	"github.com/paysandbox/paysandbox/openapi"
)

// Klarna's session id is {type: string}: the read checks no parameter
// through kin-openapi; MultiSafepay's locale (a query parameter) still is.
func TestPlanSkipsOnlyPlainStringPathParameters(t *testing.T) {
	set, err := Load(openapi.FS)
	if err != nil {
		t.Fatal(err)
	}
	read := set.Spec("klarna")
	if _, err := read.Doc(); err != nil {
		t.Fatal(err)
	}
	kr, _ := read.resolve(http.MethodGet, "/payments/v1/sessions/{session_id}").(*knownRoute)
	if kr == nil || len(kr.plan.anyPath) != 1 || kr.plan.anyPath[0] != "session_id" || len(kr.plan.params) != 0 || !kr.plan.none {
		t.Fatalf("read session plan: %+v", kr)
	}
	msp := set.Spec("multisafepay")
	if _, err := msp.Doc(); err != nil {
		t.Fatal(err)
	}
	kr, _ = msp.resolve(http.MethodPost, "/v1/json/orders").(*knownRoute)
	if kr == nil || len(kr.plan.params) == 0 || kr.plan.none {
		t.Fatalf("MultiSafepay create order plan: %+v", kr)
	}
}
