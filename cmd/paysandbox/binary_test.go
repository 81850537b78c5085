package main

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
)

// These tests run the built, static binary as a user (or Docker) would.

func TestMain(m *testing.M) {
	code := m.Run()
	sandboxtest.RemoveBinary()
	os.Exit(code)
}

func binary(t testing.TB) string { return sandboxtest.Binary(t, ".") }

func freePort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitHealthy(t *testing.T, base string, proc *exec.Cmd, stderr *bytes.Buffer) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(base + "/_sandbox/health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		if proc.ProcessState != nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no healthy answer from %s; stderr: %s", base, stderr.String())
}

func startBinary(t *testing.T, args ...string) (*exec.Cmd, string, *bytes.Buffer) {
	t.Helper()
	addr := freePort(t)
	cmd := exec.Command(binary(t), append([]string{"--addr", addr, "--https-addr", "off"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	waitHealthy(t, "http://"+addr, cmd, &stderr)
	return cmd, "http://" + addr, &stderr
}

func TestBinaryStopsCleanlyOnSIGTERM(t *testing.T) {
	data := filepath.Join(t.TempDir(), "p.db")
	cmd, _, stderr := startBinary(t, "--data", data)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v; %s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "stopped cleanly") {
		t.Fatalf("log: %s", stderr.String())
	}
}

func TestAcknowledgedWriteSurvivesKill9(t *testing.T) {
	data := filepath.Join(t.TempDir(), "p.db")
	cmd, base, _ := startBinary(t, "--data", data)
	client := sandboxtest.CheckingClient(t, nil)
	resp, err := client.Post(base+"/_sandbox/clock/advance", "application/json", strings.NewReader(`{"duration":"72h","tenant":"durable"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("advance: %v %v", err, resp)
	}
	resp.Body.Close()
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	_, base, _ = startBinary(t, "--data", data)
	r, err := client.Get(base + "/_sandbox/clock?tenant=durable")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	var body struct {
		Offset string `json:"offset"`
	}
	_ = jsonDecode(r, &body)
	if body.Offset != "72h0m0s" {
		t.Fatalf("after kill -9 the offset is %q", body.Offset)
	}
}

// The Docker image is FROM scratch: prove the static binary needs nothing
// around it by running it alone in an empty root filesystem.
func TestBinaryRunsInAnEmptyRootFilesystem(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("chroot needs root (CI runs as root)")
	}
	root := t.TempDir()
	bin, err := os.ReadFile(binary(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "paysandbox"), bin, 0o755); err != nil {
		t.Fatal(err)
	}
	addr, tlsAddr := freePort(t), freePort(t)
	cmd := exec.Command("/paysandbox", "--addr", addr, "--https-addr", tlsAddr, "--data", "/data/paysandbox.db")
	cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: root}
	cmd.Dir = "/"
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("chroot start: %v", err)
	}
	defer func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() }()
	waitHealthy(t, "http://"+addr, cmd, &stderr)
	entries, _ := os.ReadDir(root)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, ",") != "data,paysandbox" {
		t.Fatalf("root filesystem holds %v", names)
	}
	if _, err := os.Stat(filepath.Join(root, "data", "paysandbox-ca.crt")); err != nil {
		t.Fatalf("local CA not made inside the empty root: %v", err)
	}
}

func jsonDecode(r *http.Response, v any) error { return json.NewDecoder(r.Body).Decode(v) }
