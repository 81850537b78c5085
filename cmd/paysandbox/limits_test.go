package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// startLimited runs the binary with a file-descriptor limit of fds, as a
// container with a low default would.
func startLimited(t *testing.T, fds int, args ...string) (string, *syncBuf) {
	t.Helper()
	addr := freePort(t)
	script := fmt.Sprintf("ulimit -n %d && exec \"$0\" \"$@\"", fds)
	cmd := exec.Command("/bin/sh", append([]string{"-c", script, binary(t), "--addr", addr, "--https-addr", "off", "--ephemeral"}, args...)...)
	stderr := &syncBuf{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for i := 0; i < 2000; i++ {
		if resp, err := http.Get("http://" + addr + "/_sandbox/health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return addr, stderr
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no healthy answer; stderr: %s", stderr.String())
	return "", nil
}

// slowClients keeps n connections open, each sending a request body one byte
// at a time, and opens a new one whenever the server drops one, until ctx ends.
func slowClients(ctx context.Context, addr string, n int) *sync.WaitGroup {
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				c, err := net.Dial("tcp", addr)
				if err != nil {
					select {
					case <-ctx.Done():
					case <-time.After(50 * time.Millisecond):
					}
					continue
				}
				stop := context.AfterFunc(ctx, func() { c.Close() })
				_, err = io.WriteString(c, "POST /_sandbox/clock/advance HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")
				for err == nil && ctx.Err() == nil {
					select {
					case <-ctx.Done():
					case <-time.After(time.Second):
					}
					_, err = c.Write([]byte(" "))
				}
				stop()
				c.Close()
			}
		}()
	}
	return &wg
}

// 1,100 connections sending a body a byte every 5s starved health at a
// 1,024 descriptor limit; here 200 slow connections at a limit of 128.
func TestHealthAnswersUnderSlowConnectionFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the binary")
	}
	addr, stderr := startLimited(t, 128)
	ctx, cancel := context.WithCancel(context.Background())
	wg := slowClients(ctx, addr, 200)
	defer func() { cancel(); wg.Wait() }()

	// Wait until the flood holds every slot: a request to another path is
	// turned away (503 overloaded, or the connection closed at once).
	client := &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	saturated := false
	for i := 0; i < 200 && !saturated; i++ {
		resp, err := client.Get("http://" + addr + "/_sandbox/version")
		if err != nil {
			saturated = true
			break
		}
		resp.Body.Close()
		saturated = resp.StatusCode == http.StatusServiceUnavailable
		time.Sleep(20 * time.Millisecond)
	}
	if !saturated {
		t.Fatal("the flood never filled the connection slots; the test proves nothing")
	}
	answered := 0
	for i := 0; i < 40 && answered < 3; i++ {
		resp, err := client.Get("http://" + addr + "/_sandbox/health")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 && strings.Contains(string(b), `"ready"`) {
				answered++
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if answered < 3 {
		t.Fatalf("health answered %d of 40 tries under the flood; log:\n%s", answered, stderr.String())
	}
	if strings.Contains(stderr.String(), "listener failed") {
		t.Fatalf("the accept loop gave up:\n%s", stderr.String())
	}
}

// A request head past 64 KiB is refused (431), not buffered.
func TestOversizedHeaderIsRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the binary")
	}
	addr, _ := startLimited(t, 1024)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, _ = io.WriteString(c, "GET /_sandbox/health HTTP/1.1\r\nHost: localhost\r\nX-Big: "+strings.Repeat("a", 200<<10)+"\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("status %d", resp.StatusCode)
	}
}

func TestConnLimitsLeaveRoomForTheProcess(t *testing.T) {
	for _, fds := range []uint64{64, 128, 1024, 65536} {
		main, spare := connLimits(0, fds)
		if main < 8 || uint64(main+spare) >= fds*7/8+1 {
			t.Errorf("fd limit %d: %d + %d connections", fds, main, spare)
		}
	}
	if main, _ := connLimits(50, 1024); main != 50 {
		t.Errorf("--max-connections ignored: %d", main)
	}
}

// --admin-token (repeated, with a team pattern) and --admin-hosts reach the
// admin API of the built binary.
func TestAdminFlagsReachTheBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the binary")
	}
	_, base, _ := startBinary(t, "--ephemeral", "--admin-token", "root-tok", "--admin-token", "team-a-*=tokA", "--admin-hosts", "paysandbox")
	do := func(method, path, host, token string) int {
		t.Helper()
		body := ""
		if path == "/_sandbox/clock/advance" {
			body = `{"duration":"1h","tenant":"team-a-1"}`
		}
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Host = host
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, c := range []struct {
		method, path, host, token string
		want                      int
	}{
		{"GET", "/_sandbox/tenants", "evil.example", "", 403},
		{"GET", "/_sandbox/tenants", "paysandbox:8910", "", 401},
		{"GET", "/_sandbox/tenants", "evil.example", "tokA", 200},
		{"POST", "/_sandbox/clock/advance", "localhost", "tokA", 200},
		{"POST", "/_sandbox/reset", "localhost", "tokA", 403},
		{"POST", "/_sandbox/reset", "localhost", "root-tok", 200},
	} {
		if got := do(c.method, c.path, c.host, c.token); got != c.want {
			t.Errorf("%s %s Host=%s token=%q: %d, want %d", c.method, c.path, c.host, c.token, got, c.want)
		}
	}
}

func TestAdminFlagEnvironmentTwins(t *testing.T) {
	env := map[string]string{"PAYSANDBOX_ADMIN_TOKEN": "env-tok,team-b-*=tokB", "PAYSANDBOX_ADMIN_HOSTS": "paysandbox", "PAYSANDBOX_MAX_CONNECTIONS": "50"}
	fs := newFlagSet()
	o, err := flags(fs, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if o.tokens.String() != "env-tok,team-b-*=tokB" || o.adminHosts != "paysandbox" || o.maxConns != 50 {
		t.Fatalf("from the environment: %q %q %d", o.tokens.String(), o.adminHosts, o.maxConns)
	}
	fs = newFlagSet()
	o, _ = flags(fs, func(k string) string { return env[k] })
	if err := fs.Parse([]string{"--admin-token", "a", "--admin-token", "team-a-*=b"}); err != nil {
		t.Fatal(err)
	}
	if o.tokens.String() != "a,team-a-*=b" {
		t.Fatalf("the command line replaces the environment: %q", o.tokens.String())
	}
}

// With a connection limit above the descriptor limit the process runs out of
// descriptors (EMFILE); the accept loop must survive it and serve again
// once the flood is gone.
func TestAcceptLoopSurvivesRunningOutOfDescriptors(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the binary")
	}
	addr, stderr := startLimited(t, 64, "--max-connections", "1000")
	ctx, cancel := context.WithCancel(context.Background())
	wg := slowClients(ctx, addr, 150)
	// Until a request fails, the descriptors are not yet gone.
	client := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	exhausted := false
	for i := 0; i < 200 && !exhausted; i++ {
		resp, err := client.Get("http://" + addr + "/_sandbox/version")
		if err != nil {
			exhausted = true
			break
		}
		resp.Body.Close()
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	if !exhausted {
		t.Fatal("the flood never exhausted the descriptors; the test proves nothing")
	}
	client.Timeout = 15 * time.Second
	healthy := false
	for i := 0; i < 50 && !healthy; i++ {
		if resp, err := client.Get("http://" + addr + "/_sandbox/health"); err == nil {
			resp.Body.Close()
			healthy = resp.StatusCode == 200
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !healthy || strings.Contains(stderr.String(), "listener failed") {
		t.Fatalf("after the flood: healthy=%v\n%s", healthy, stderr.String())
	}
}
