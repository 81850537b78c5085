package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// What a first run leaves in the repository root (the data file, the TLS key
// and certificate, the local CA, the built binary) is never committed.
func TestGitIgnoresRunLeftovers(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	root, _ := filepath.Abs("../..")
	if _, err := os.Stat(filepath.Join(root, ".git")); err != nil {
		t.Skip("not a git checkout")
	}
	ignored := []string{"paysandbox.db", "data/paysandbox.db", "paysandbox-tls.key", "paysandbox-tls.crt", "paysandbox-ca.key",
		"paysandbox-ca.crt", "paysandbox", "cmd/paysandbox/paysandbox", "examples/clsdk/node_modules/x.js", "local.pem"}
	kept := []string{"README.md", "cmd/paysandbox/main.go", "openapi/sandbox.yaml", "fixtures/x.json", "demo.snapshot.json"}
	for _, p := range ignored {
		if err := exec.Command("git", "-C", root, "check-ignore", "-q", "--no-index", p).Run(); err != nil {
			t.Errorf("%s is not ignored by .gitignore", p)
		}
	}
	for _, p := range kept {
		if err := exec.Command("git", "-C", root, "check-ignore", "-q", "--no-index", p).Run(); err == nil {
			t.Errorf("%s is ignored by .gitignore", p)
		}
	}
}

// The Docker build context holds no history, data files or keys.
func TestDockerignoreKeepsSecretsAndDataOut(t *testing.T) {
	raw, err := os.ReadFile("../../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	lines := map[string]bool{}
	for _, l := range strings.Split(string(raw), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			lines[l] = true
			if strings.HasPrefix(l, "!") {
				t.Errorf("an exception %q lets something back in", l)
			}
		}
	}
	for _, want := range []string{".git", "**/*.db", "**/*.key", "**/*.pem", "**/*.crt", "**/node_modules"} {
		if !lines[want] {
			t.Errorf(".dockerignore lacks %q", want)
		}
	}
	// What the build needs stays in.
	for _, need := range []string{"go.mod", "go.sum", "openapi", "fixtures", "scenarios", "cmd", "emulator"} {
		if lines[need] || lines[need+"/"] {
			t.Errorf(".dockerignore drops %s, which the build needs", need)
		}
	}
}
