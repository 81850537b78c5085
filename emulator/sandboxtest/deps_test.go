package sandboxtest_test

import (
	"os/exec"
	"strings"
	"testing"
)

// A team that imports sandboxtest gets the emulator, not the browser tests'
// dependencies: examples/ is a module of its own.
func TestSandboxtestPullsNoBrowserDependencies(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	for _, args := range [][]string{
		{"list", "-deps", "github.com/paysandbox/paysandbox/emulator/sandboxtest"},
		{"list", "-m", "all"},
	} {
		out, err := exec.Command("go", args...).CombinedOutput()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		if !strings.Contains(string(out), "github.com/paysandbox/paysandbox") {
			t.Fatalf("go %s lists nothing of ours:\n%s", strings.Join(args, " "), out)
		}
		for _, bad := range []string{"chromedp", "github.com/paysandbox/paysandbox/examples"} {
			if strings.Contains(string(out), bad) {
				t.Errorf("go %s names %s:\n%s", strings.Join(args, " "), bad, out)
			}
		}
	}
}
