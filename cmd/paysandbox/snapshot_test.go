package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func mspDo(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("api_key", "cli-key")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func runOut(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(context.Background(), args, noenv, &out, &errb)
	return code, out.String(), errb.String()
}

func TestSnapshotCommandOnDataFilesAndRunningInstances(t *testing.T) {
	dir := t.TempDir()
	pub := []string{"--public-url", "http://pay.demo.test", "--https-addr", "off"}
	a := start(t, filepath.Join(dir, "a.db"), pub...)
	if code, body := mspDo(t, http.MethodPost, a.http+"/v1/json/orders", `{"type":"redirect","order_id":"cli-1","currency":"EUR","amount":700,"description":"CLI"}`); code != 200 {
		t.Fatalf("create: %d %s", code, body)
	}
	_, want := mspDo(t, http.MethodGet, a.http+"/v1/json/orders/cli-1", "")

	// The running instance holds its file: the command says to use --url.
	if code, _, stderr := runOut("snapshot", "save", filepath.Join(dir, "x.json"), "--data", filepath.Join(dir, "a.db")); code != 1 || !strings.Contains(stderr, "use --url") {
		t.Fatalf("save on a held file: %d %s", code, stderr)
	}
	live := filepath.Join(dir, "live.json")
	if code, out, stderr := runOut("snapshot", "save", live, "--url", strings.TrimPrefix(a.http, "http://")); code != 0 || !strings.Contains(out, "saved the whole instance") {
		t.Fatalf("save --url: %d %s %s", code, out, stderr)
	}
	a.stop()
	offline := filepath.Join(dir, "offline.json")
	if code, _, stderr := runOut("snapshot", "save", "--tenant", "cli-key", offline, "--data", filepath.Join(dir, "a.db")); code != 0 {
		t.Fatalf("save --data: %d %s", code, stderr)
	}
	if code, _, stderr := runOut("snapshot", "save", offline, "--data", filepath.Join(dir, "missing.db")); code != 1 || !strings.Contains(stderr, "no data file") {
		t.Fatalf("save of a missing file: %d %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.db")); !os.IsNotExist(err) {
		t.Fatal("save created a data file")
	}

	// Offline load into a new data file, then serve it.
	if code, out, stderr := runOut("snapshot", "load", offline, "--data", filepath.Join(dir, "b.db")); code != 0 || !strings.Contains(out, "loaded tenant cli-key") {
		t.Fatalf("load --data: %d %s %s", code, out, stderr)
	}
	b := start(t, filepath.Join(dir, "b.db"), pub...)
	if _, got := mspDo(t, http.MethodGet, b.http+"/v1/json/orders/cli-1", ""); got != want {
		t.Fatalf("after an offline load:\n%s\nwant\n%s", got, want)
	}

	// Load into a running instance.
	c := start(t, filepath.Join(dir, "c.db"), pub...)
	if code, _ := mspDo(t, http.MethodGet, c.http+"/v1/json/orders/cli-1", ""); code != 404 {
		t.Fatalf("fresh instance has the order: %d", code)
	}
	if code, out, stderr := runOut("snapshot", "load", live, "--url", c.http); code != 0 || !strings.Contains(out, "loaded the whole instance") {
		t.Fatalf("load --url: %d %s %s", code, out, stderr)
	}
	if _, got := mspDo(t, http.MethodGet, c.http+"/v1/json/orders/cli-1", ""); got != want {
		t.Fatalf("after a live load:\n%s\nwant\n%s", got, want)
	}

	// A file of another version: a clear message, exit 1.
	raw, _ := os.ReadFile(live)
	future := filepath.Join(dir, "future.json")
	_ = os.WriteFile(future, bytes.Replace(raw, []byte(`"version": 1`), []byte(`"version": 7`), 1), 0o600)
	for _, target := range [][]string{{"--url", c.http}, {"--data", filepath.Join(dir, "d.db")}} {
		code, _, stderr := runOut(append([]string{"snapshot", "load", future}, target...)...)
		if code != 1 || !strings.Contains(stderr, "snapshot version 7") || !strings.Contains(stderr, "reads version 1") {
			t.Errorf("load of version 7 %v: %d %s", target, code, stderr)
		}
	}
	if code, _, _ := runOut("snapshot", "load"); code != 2 {
		t.Errorf("load without FILE: %d", code)
	}
}

// PAYSANDBOX_ADMIN_TOKEN is the server's list when the CLI shares its
// environment (docker exec): the command sends one token of it, a global one,
// and not the whole list.
func TestSnapshotCommandSendsOneTokenOfTheEnvironmentsList(t *testing.T) {
	dir := t.TempDir()
	const list = "team-*=team-secret,global-secret"
	a := start(t, filepath.Join(dir, "a.db"), "--https-addr", "off", "--admin-token", list)
	env := func(name string) string {
		if name == "PAYSANDBOX_ADMIN_TOKEN" {
			return list
		}
		return ""
	}
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"snapshot", "save", filepath.Join(dir, "s.json"), "--url", a.http}, env, &out, &errb); code != 0 || !strings.Contains(out.String(), "saved the whole instance") {
		t.Fatalf("save with the environment's list: %d %s %s", code, out.String(), errb.String())
	}
	if code, _, stderr := runOut("snapshot", "save", filepath.Join(dir, "t.json"), "--url", a.http, "--admin-token", "wrong"); code != 1 || !strings.Contains(stderr, "401") {
		t.Errorf("save with a wrong token: %d %s", code, stderr)
	}
}
