package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// readmeBlock is a shell block of README.md marked for this test with
// <!-- readme-test: KIND --> on the line before its fence:
//
//	build  run from the repository root (the binary goes to a temporary directory)
//	serve  started in the background; the run blocks talk to it
//	run    run against the served instance, must exit 0
//	own    starts its own instance (on another port), must exit 0
type readmeBlock struct {
	kind, script string
	line         int
}

func readmeBlocks(t *testing.T) []readmeBlock {
	t.Helper()
	f, err := os.Open("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []readmeBlock
	var cur *readmeBlock
	kind := ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case cur != nil && line == "```":
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			cur.script += sc.Text() + "\n"
		case strings.HasPrefix(line, "<!-- readme-test:"):
			kind = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(line, "<!-- readme-test:"), "-->"))
		case kind != "" && line == "```sh":
			cur = &readmeBlock{kind: kind, line: n}
			kind = ""
		case kind != "" && line != "":
			t.Fatalf("README.md:%d: a readme-test marker not followed by a ```sh block", n)
		}
	}
	return out
}

func TestReadmeQuickstartCommandsWork(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("no curl")
	}
	blocks := readmeBlocks(t)
	count := map[string]int{}
	for _, b := range blocks {
		count[b.kind]++
	}
	if count["build"] != 1 || count["serve"] != 1 || count["run"] < 2 || count["own"] < 1 || len(count) != 4 {
		t.Fatalf("README.md's marked blocks: %v", count)
	}
	root, _ := filepath.Abs("../..")
	dir := t.TempDir()
	served, own, https := freePort(t), freePort(t), freePort(t)
	env := func(addr string) []string {
		return append(os.Environ(), "PAYSANDBOX_ADDR="+addr, "PAYSANDBOX_HTTPS_ADDR="+https, "PAYSANDBOX_ADMIN_TOKEN=", "PAYSANDBOX_PUBLIC_URL=")
	}
	// The README's commands name the default port; here each instance has its own.
	subst := func(s, addr string) string {
		s = strings.ReplaceAll(s, "-o paysandbox ", "-o "+filepath.Join(dir, "paysandbox")+" ")
		return strings.ReplaceAll(s, "localhost:8910", addr)
	}
	script := func(ctx context.Context, b readmeBlock, cwd, addr string) *exec.Cmd {
		cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", subst(b.script, addr))
		cmd.Dir, cmd.Env = cwd, env(addr)
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // its background jobs die with it
		cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
		// A background job left by a failed script holds the output pipe;
		// do not wait for it.
		cmd.WaitDelay = 2 * time.Second
		return cmd
	}
	runBlock := func(b readmeBlock, cwd, addr string, limit time.Duration) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), limit)
		defer cancel()
		cmd := script(ctx, b, cwd, addr)
		out := &syncBuf{}
		cmd.Stdout, cmd.Stderr = out, out
		err := cmd.Run()
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		if err != nil {
			t.Fatalf("README.md:%d (%s) failed: %v\n%s\n%s", b.line, b.kind, err, b.script, out.String())
		}
	}

	for _, b := range blocks {
		if b.kind == "build" {
			runBlock(b, root, served, 3*time.Minute)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "paysandbox")); err != nil {
		t.Fatalf("the build command made no binary: %v", err)
	}
	for _, b := range blocks {
		if b.kind != "serve" {
			continue
		}
		ctx, cancel := context.WithCancel(context.Background())
		cmd := script(ctx, b, dir, served)
		out := &syncBuf{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cancel(); _ = cmd.Wait() })
		deadline := time.Now().Add(20 * time.Second)
		for {
			resp, err := http.Get("http://" + served + "/_sandbox/health")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					break
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("README.md:%d: not serving: %s", b.line, out.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	for _, b := range blocks {
		switch b.kind {
		case "run":
			runBlock(b, dir, served, 30*time.Second)
		case "own":
			runBlock(b, dir, own, 30*time.Second)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "demo.snapshot.json")); err != nil {
		t.Errorf("the snapshot command saved nothing: %v", err)
	}
}

// Every serve flag is in the README's table with its environment twin.
func TestReadmeDocumentsEveryFlagWithItsTwin(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	fs := newFlagSet()
	if _, err := flags(fs, noenv); err != nil {
		t.Fatal(err)
	}
	n := 0
	fs.VisitAll(func(f *flag.Flag) {
		n++
		twin := "PAYSANDBOX_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if !strings.Contains(f.Usage, "(env "+twin+")") {
			t.Errorf("--%s: its usage does not name %s", f.Name, twin)
		}
		found := false
		for _, line := range strings.Split(readme, "\n") {
			if strings.HasPrefix(line, "| ") && strings.Contains(line, "`--"+f.Name+"`") && strings.Contains(line, "`"+twin+"`") {
				found = true
			}
		}
		if !found {
			t.Errorf("README.md's flag table lacks --%s with %s", f.Name, twin)
		}
	})
	if n < 15 {
		t.Fatalf("only %d flags", n)
	}
}

// Public docs speak to users: no internal wording, figures that agree with
// docs/benchmarks.md.
func TestDocsHaveNoInternalWordingAndAgreeOnFigures(t *testing.T) {
	files, _ := filepath.Glob("../../docs/*.md")
	files = append(files, "../../README.md")
	bench, err := os.ReadFile("../../docs/benchmarks.md")
	if err != nil {
		t.Fatal(err)
	}
	// The idle RSS of the default configuration, e.g. "| 27.1 MB |".
	var idle float64
	for _, line := range strings.Split(string(bench), "\n") {
		if strings.HasPrefix(line, "| defaults") {
			cells := strings.Split(line, "|")
			if _, err := fmt.Sscanf(strings.TrimSpace(cells[len(cells)-2]), "%f MB", &idle); err != nil {
				t.Fatalf("benchmarks.md idle RSS: %q", line)
			}
		}
	}
	if idle == 0 {
		t.Fatal("no idle RSS in docs/benchmarks.md")
	}
	want := fmt.Sprintf("%.0f MB", idle)
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		text := string(raw)
		lower := strings.ToLower(text)
		for _, bad := range []string{"owned by the lead", "the lead", "goals are in the issues", "see the issue", "about 20 mb"} {
			if strings.Contains(lower, bad) {
				t.Errorf("%s says %q", filepath.Base(f), bad)
			}
		}
		if (strings.HasSuffix(f, "README.md") || strings.HasSuffix(f, "ci.md")) && !strings.Contains(text, want) {
			t.Errorf("%s does not give the idle memory as %s (docs/benchmarks.md)", filepath.Base(f), want)
		}
	}
}
