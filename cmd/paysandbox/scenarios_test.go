package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
)

func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, noenv, &out, &errb)
	return code, out.String(), errb.String()
}

func TestScenariosList(t *testing.T) {
	code, out, _ := runCmd(t, "scenarios", "list")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, name := range []string{"klarna-bad-value", "msp-declined", "cl-mismatched-amounts", "rate-limited", "webhook-dropped"} {
		if !strings.Contains(out, "\n"+name+" ") {
			t.Fatalf("%s not listed:\n%s", name, out)
		}
	}
	if strings.Index(out, "klarna-bad-value") > strings.Index(out, "rate-limited") {
		t.Fatalf("providers' scenarios come first:\n%s", out)
	}

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "mine.yaml"), []byte("name: mine\ndescription: Mine. More.\nsteps: [pass]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runCmd(t, "scenarios", "list", "--scenarios", dir)
	if code != 0 || !strings.Contains(out, "mine ") || !strings.Contains(out, filepath.Join(dir, "mine.yaml")+":1") || strings.Contains(out, "More.") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

func TestScenariosValidate(t *testing.T) {
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "good.yaml"), filepath.Join(dir, "bad.yaml")
	_ = os.WriteFile(good, []byte("name: g\ndescription: d\nsteps: [pass]\n"), 0o644)
	_ = os.WriteFile(bad, []byte("name: b\nprovider: klarna\ndescription: d\nsteps:\n  - action: expire-order\n"), 0o644)

	code, out, _ := runCmd(t, "scenarios", "validate", good)
	if code != 0 || out != "ok: 1 scenario(s) in 1 file(s)\n" {
		t.Fatalf("good: %d %q", code, out)
	}
	code, _, errs := runCmd(t, "scenarios", "validate", good, bad)
	if code != 1 || !strings.Contains(errs, bad+`:5:13: unknown action "expire-order" for provider klarna`) {
		t.Fatalf("bad: %d %q", code, errs)
	}
	if code, _, _ := runCmd(t, "scenarios", "validate"); code != 2 {
		t.Fatalf("no file: exit %d", code)
	}
	if code, _, _ := runCmd(t, "scenarios", "frobnicate"); code != 2 {
		t.Fatalf("unknown command: exit %d", code)
	}
}

// TestBadScenarioFileStopsStartUp: serve refuses to start with the file's
// line in its message.
func TestBadScenarioFileStopsStartUp(t *testing.T) {
	dir := t.TempDir()
	_ = os.WriteFile(filepath.Join(dir, "x.yaml"), []byte("name: x\ndescription: d\nsteps:\n  - fault: explode\n"), 0o644)
	var out, errb bytes.Buffer
	code := serve(context.Background(), []string{"--addr", "127.0.0.1:0", "--https-addr", "off", "--data", filepath.Join(t.TempDir(), "p.db"), "--scenarios", dir}, noenv, &out, &errb, nil)
	if code != 1 || !strings.Contains(errb.String(), filepath.Join(dir, "x.yaml")+`:4:12: fault "explode"`) {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
}

// TestServeLoadsUserScenarios: --scenarios (and its environment twin) adds
// the user's scenarios to the running emulator.
func TestServeLoadsUserScenarios(t *testing.T) {
	dir := t.TempDir()
	_ = os.WriteFile(filepath.Join(dir, "x.yaml"), []byte("name: my-teapot\ndescription: d\nsteps:\n  - error: {status: 418}\n"), 0o644)
	in := start(t, filepath.Join(t.TempDir(), "p.db"), "--scenarios", dir)
	status, m := getJSON(t, sandboxtest.CheckingClient(t, nil), in.http+"/_sandbox/scenarios/my-teapot")
	if status != 200 || m["builtin"] != false {
		t.Fatalf("%d %v", status, m)
	}
}
