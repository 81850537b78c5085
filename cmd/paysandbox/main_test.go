package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
	"github.com/paysandbox/paysandbox/emulator/store"
)

// syncBuf is a goroutine-safe buffer for captured output.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

type instance struct {
	http, https    string
	stdout, stderr *syncBuf
	stop           func() int
}

func noenv(string) string { return "" }

// start runs serve in-process on loopback ports and waits until it is ready.
func start(t *testing.T, data string, extra ...string) *instance {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan []string, 1)
	done := make(chan int, 1)
	in := &instance{stdout: &syncBuf{}, stderr: &syncBuf{}}
	args := append([]string{"--addr", "127.0.0.1:0", "--https-addr", "127.0.0.1:0", "--data", data}, extra...)
	go func() { done <- serve(ctx, args, noenv, in.stdout, in.stderr, ready) }()
	select {
	case bound := <-ready:
		in.http = bound[0]
		if len(bound) > 1 {
			in.https = bound[1]
		}
	case code := <-done:
		cancel()
		t.Fatalf("serve exited %d: %s", code, in.stderr.String())
	}
	var once sync.Once
	code := 0
	in.stop = func() int {
		once.Do(func() { cancel(); code = <-done })
		return code
	}
	t.Cleanup(func() { in.stop() })
	return in
}

func getJSON(t *testing.T, c *http.Client, url string) (int, map[string]any) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

func TestServeAnswersOnHTTPAndHTTPSAndStopsCleanly(t *testing.T) {
	data := filepath.Join(t.TempDir(), "sub", "p.db")
	in := start(t, data)
	if code, body := getJSON(t, sandboxtest.CheckingClient(t, nil), in.http+"/_sandbox/health"); code != 200 || body["status"] != "ready" {
		t.Fatalf("http health: %d %v", code, body)
	}
	insecure := sandboxtest.CheckingClient(t, &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}})
	resp, err := insecure.Get(in.https + "/_sandbox/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if cert := resp.TLS.PeerCertificates[0]; resp.StatusCode != 200 || cert.VerifyHostname("localhost") != nil {
		t.Fatalf("https: %d, names %v", resp.StatusCode, cert.DNSNames)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(data), "paysandbox-ca.crt")); err != nil {
		t.Fatalf("local CA not kept beside the data file: %v", err)
	}
	var out bytes.Buffer
	if code := run(context.Background(), []string{"health", "--url", in.http}, noenv, &out, io.Discard); code != 0 || strings.TrimSpace(out.String()) != "ready" {
		t.Fatalf("health command: %d %q", code, out.String())
	}
	if !strings.Contains(in.stdout.String(), in.http) || !strings.Contains(in.stdout.String(), "/_sandbox/health") {
		t.Fatalf("banner: %s", in.stdout.String())
	}
	if code := in.stop(); code != 0 {
		t.Fatalf("exit %d: %s", code, in.stderr.String())
	}
	if !strings.Contains(in.stderr.String(), "stopped cleanly") {
		t.Fatalf("log: %s", in.stderr.String())
	}
	// Closed cleanly: the file opens at once, no lock left behind.
	st, err := store.Open(data, store.Options{LockTimeout: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if code := run(context.Background(), []string{"health", "--url", in.http, "--timeout", "500ms"}, noenv, io.Discard, io.Discard); code != 1 {
		t.Fatalf("health of a stopped instance: %d", code)
	}
}

func TestSecondInstanceOnTheSameFileIsRefused(t *testing.T) {
	data := filepath.Join(t.TempDir(), "p.db")
	start(t, data)
	var stderr bytes.Buffer
	code := serve(context.Background(), []string{"--addr", "127.0.0.1:0", "--https-addr", "off", "--data", data}, noenv, io.Discard, &stderr, nil)
	msg := stderr.String()
	if code != 1 || strings.Count(msg, "\n") != 1 || !strings.Contains(msg, "in use by another paysandbox instance") {
		t.Fatalf("exit %d, message %q", code, msg)
	}
}

func TestForeignDataFileIsRefused(t *testing.T) {
	data := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(data, bytes.Repeat([]byte("hello world\n"), 1000), 0o600); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	code := serve(context.Background(), []string{"--addr", "127.0.0.1:0", "--https-addr", "off", "--data", data}, noenv, io.Discard, &stderr, nil)
	if code != 1 || !strings.Contains(stderr.String(), "not a paysandbox data file") || strings.Count(stderr.String(), "\n") != 1 {
		t.Fatalf("exit %d, message %q", code, stderr.String())
	}
}

func TestStateSurvivesRestart(t *testing.T) {
	data := filepath.Join(t.TempDir(), "p.db")
	in := start(t, data, "--https-addr", "off")
	resp, err := sandboxtest.CheckingClient(t, nil).Post(in.http+"/_sandbox/clock/advance", "application/json", strings.NewReader(`{"duration":"49h","tenant":"acme"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("advance: %v %v", err, resp)
	}
	resp.Body.Close()
	if code := in.stop(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	in = start(t, data, "--https-addr", "off")
	_, body := getJSON(t, sandboxtest.CheckingClient(t, nil), in.http+"/_sandbox/clock?tenant=acme")
	if body["offset_seconds"] != float64(49*3600) {
		t.Fatalf("clock after restart: %v", body)
	}
}

func TestEphemeralRemovesItsDataFile(t *testing.T) {
	in := start(t, "ignored.db", "--ephemeral", "--https-addr", "off")
	_, body := getJSON(t, sandboxtest.CheckingClient(t, nil), in.http+"/_sandbox/health")
	path, _ := body["data_file"].(string)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("ephemeral file %q: %v", path, err)
	}
	in.stop()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("ephemeral file left behind: %v", err)
	}
	if _, err := os.Stat("ignored.db"); !os.IsNotExist(err) {
		t.Fatal("--data was used despite --ephemeral")
	}
}

func TestEnvironmentTwinsAndFlagsWin(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"PAYSANDBOX_ADDR": "127.0.0.1:0", "PAYSANDBOX_HTTPS_ADDR": "off", "PAYSANDBOX_DATA": filepath.Join(dir, "env.db"), "PAYSANDBOX_LOG_FORMAT": "json"}
	fs := newFlagSet()
	o, err := flags(fs, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if err := fs.Parse([]string{"--data", filepath.Join(dir, "flag.db")}); err != nil {
		t.Fatal(err)
	}
	if o.addr != "127.0.0.1:0" || o.httpsAddr != "off" || o.logFormat != "json" || o.data != filepath.Join(dir, "flag.db") {
		t.Fatalf("%+v", o)
	}
	if _, err := flags(newFlagSet(), func(k string) string {
		if k == "PAYSANDBOX_EPHEMERAL" {
			return "maybe"
		}
		return ""
	}); err == nil || !strings.Contains(err.Error(), "PAYSANDBOX_EPHEMERAL") {
		t.Fatalf("bad boolean env: %v", err)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"frobnicate"}, {"serve", "--log-format", "xml", "--https-addr", "off"}, {"serve", "--tls-cert", "x.pem"}, {"serve", "extra"}} {
		var stderr bytes.Buffer
		if code := run(context.Background(), args, noenv, io.Discard, &stderr); code != 2 || stderr.Len() == 0 {
			t.Errorf("%v: exit %d, %q", args, code, stderr.String())
		}
	}
	var out bytes.Buffer
	if code := run(context.Background(), []string{"version"}, noenv, &out, io.Discard); code != 0 || !strings.HasPrefix(out.String(), "paysandbox ") {
		t.Fatalf("version: %d %q", code, out.String())
	}
}
