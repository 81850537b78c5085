package commercelayer_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoKlarnaDependency: Commerce Layer reaches Klarna only through its
// KlarnaPayments interface and emulator/klarnaapi's types, never the Klarna
// emulator itself (its handlers, pages and SDK).
func TestNoKlarnaDependency(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to list dependencies: %v", err)
	}
	out, err := exec.Command(goTool, "list", "-deps", "github.com/paysandbox/paysandbox/emulator/commercelayer").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const klarna = "github.com/paysandbox/paysandbox/emulator/klarna"
	sawAPI := false
	for _, dep := range strings.Fields(string(out)) {
		if dep == klarna || strings.HasPrefix(dep, klarna+"/") {
			t.Errorf("commercelayer depends on %s", dep)
		}
		sawAPI = sawAPI || dep == "github.com/paysandbox/paysandbox/emulator/klarnaapi"
	}
	if !sawAPI {
		t.Error("commercelayer no longer lists emulator/klarnaapi: is this check still looking at the right package?")
	}
}
