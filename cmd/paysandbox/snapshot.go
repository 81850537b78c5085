package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/paysandbox/paysandbox/emulator"
	"github.com/paysandbox/paysandbox/emulator/admin"
	"github.com/paysandbox/paysandbox/emulator/scenario"
	"github.com/paysandbox/paysandbox/emulator/snapshot"
	"github.com/paysandbox/paysandbox/emulator/store"
)

const snapshotUsage = `usage:
  paysandbox snapshot save FILE [--tenant T] [--data F | --url U]
  paysandbox snapshot load FILE [--data F | --url U]

Without --url the command works on a data file (--data, default PAYSANDBOX_DATA
or paysandbox.db) that no running instance holds; with --url it asks a running
instance (--admin-token or PAYSANDBOX_ADMIN_TOKEN when it has one). FILE "-" is
stdout (save) or stdin (load). A tenant snapshot replaces only that tenant's
state when loaded; a whole-instance one (no --tenant) replaces everything.
`

// snapshotCmd is `paysandbox snapshot save|load`.
func snapshotCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, snapshotUsage)
		return 2
	}
	verb := args[0]
	switch verb {
	case "help", "-h", "--help":
		fmt.Fprint(stdout, snapshotUsage)
		return 0
	case "save", "load":
	default:
		fmt.Fprintf(stderr, "paysandbox snapshot: unknown command %q\n%s", verb, snapshotUsage)
		return 2
	}
	fs := flag.NewFlagSet("paysandbox snapshot "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", envOr(getenv, "PAYSANDBOX_DATA", "paysandbox.db"), "data file to work on (env PAYSANDBOX_DATA)")
	base := fs.String("url", "", "base URL (or host:port) of a running instance, instead of --data")
	token := fs.String("admin-token", getenv("PAYSANDBOX_ADMIN_TOKEN"), "the instance's admin token (env PAYSANDBOX_ADMIN_TOKEN)")
	dir := fs.String("scenarios", getenv("PAYSANDBOX_SCENARIOS"), "your scenario directory, to check armed scenarios on load (env PAYSANDBOX_SCENARIOS)")
	timeout := fs.Duration("timeout", 60*time.Second, "how long to wait for a running instance")
	var tenant *string
	if verb == "save" {
		tenant = fs.String("tenant", "", "save only this tenant (default: the whole instance)")
	}
	file, err := parseWithOne(fs, args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		if err.Error() != "" {
			fmt.Fprintf(stderr, "paysandbox snapshot %s: %v\n%s", verb, err, snapshotUsage)
		}
		return 2
	}
	secret, err := oneToken(*token)
	if err != nil {
		fmt.Fprintf(stderr, "paysandbox snapshot %s: %v\n", verb, err)
		return 2
	}
	if verb == "save" {
		return snapshotSave(ctx, file, *tenant, *data, *base, secret, *timeout, stdout, stderr)
	}
	return snapshotLoad(ctx, file, *data, *base, secret, *dir, *timeout, stdout, stderr)
}

// oneToken is the token to send. --admin-token may hold the server's own
// list (PAYSANDBOX_ADMIN_TOKEN shared with it): then a token for every
// tenant, else the list's only entry.
func oneToken(s string) (string, error) {
	ts, err := admin.ParseTokens(s)
	if err != nil {
		return "", err
	}
	for _, t := range ts {
		if t.Pattern == "" {
			return t.Secret, nil
		}
	}
	switch len(ts) {
	case 0:
		return "", nil
	case 1:
		return ts[0].Secret, nil
	}
	return "", errors.New("--admin-token lists several tenants' tokens and none for every tenant; give the one to send")
}

func envOr(getenv func(string) string, name, def string) string {
	if v := getenv(name); v != "" {
		return v
	}
	return def
}

// parseWithOne parses flags placed before or after the one positional
// argument and returns it.
func parseWithOne(fs *flag.FlagSet, args []string) (string, error) {
	if err := fs.Parse(args); err != nil {
		return "", err
	}
	if fs.NArg() == 0 {
		return "", errors.New("FILE is required")
	}
	file, rest := fs.Arg(0), fs.Args()[1:]
	if err := fs.Parse(rest); err != nil {
		return "", err
	}
	if fs.NArg() > 0 {
		return "", fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return file, nil
}

func snapshotSave(ctx context.Context, file, tenant, data, base, token string, timeout time.Duration, stdout, stderr io.Writer) int {
	var body []byte
	if base != "" {
		in, _ := json.Marshal(map[string]string{"tenant": tenant})
		b, code := adminCall(ctx, http.MethodPost, baseURL(base)+"/_sandbox/snapshots", token, in, timeout, stderr)
		if code != 0 {
			return code
		}
		body = b
	} else {
		st, code := openData(data, false, stderr)
		if code != 0 {
			return code
		}
		f, err := snapshot.Take(st, tenant, version, time.Now())
		_ = st.Close() // read only: nothing to lose
		if err != nil {
			fmt.Fprintln(stderr, "paysandbox snapshot save:", err)
			return 1
		}
		var buf bytes.Buffer
		if err := snapshot.Encode(&buf, f); err != nil {
			fmt.Fprintln(stderr, "paysandbox snapshot save:", err)
			return 1
		}
		body = buf.Bytes()
	}
	if file == "-" {
		_, _ = stdout.Write(body)
		return 0
	}
	if err := writeFileAtomic(file, body); err != nil {
		fmt.Fprintln(stderr, "paysandbox snapshot save:", err)
		return 1
	}
	what := "the whole instance"
	if tenant != "" {
		what = "tenant " + tenant
	}
	fmt.Fprintf(stdout, "saved %s to %s\n", what, file)
	return 0
}

func snapshotLoad(ctx context.Context, file, data, base, token, dir string, timeout time.Duration, stdout, stderr io.Writer) int {
	var raw []byte
	var err error
	if file == "-" {
		raw, err = io.ReadAll(io.LimitReader(os.Stdin, snapshot.MaxSize+1))
	} else {
		raw, err = os.ReadFile(file)
	}
	if err != nil {
		fmt.Fprintln(stderr, "paysandbox snapshot load:", err)
		return 1
	}
	f, err := snapshot.Decode(bytes.NewReader(raw))
	if err != nil {
		fmt.Fprintf(stderr, "paysandbox snapshot load: %s: %v\n", file, err)
		return 1
	}
	if base != "" {
		target := baseURL(base) + "/_sandbox/snapshots/" + url.PathEscape(f.Tenant)
		if _, code := adminCall(ctx, http.MethodPut, target, token, raw, timeout, stderr); code != 0 {
			return code
		}
	} else {
		set, err := scenario.Load(dir, emulator.ScenarioCatalogue())
		if err != nil {
			fmt.Fprintln(stderr, "paysandbox:", err)
			return 1
		}
		st, code := openData(data, true, stderr)
		if code != 0 {
			return code
		}
		err = snapshot.Apply(st, f, func(name string) bool { return set.Get(name) != nil })
		if cerr := st.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			fmt.Fprintf(stderr, "paysandbox snapshot load: %s: %v\n", file, err)
			return 1
		}
	}
	what := "the whole instance"
	if f.Tenant != snapshot.All {
		what = "tenant " + f.Tenant
	}
	fmt.Fprintf(stdout, "loaded %s from %s\n", what, file)
	return 0
}

// openData opens a data file no instance holds; save refuses to create one.
func openData(path string, create bool, stderr io.Writer) (*store.Store, int) {
	if !create {
		if _, err := os.Stat(path); err != nil {
			fmt.Fprintf(stderr, "paysandbox snapshot: no data file %s (--data, or --url for a running instance)\n", path)
			return nil, 1
		}
	} else if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			fmt.Fprintln(stderr, "paysandbox snapshot:", err)
			return nil, 1
		}
	}
	st, err := store.Open(path, store.Options{})
	if err != nil {
		if errors.Is(err, store.ErrLocked) {
			fmt.Fprintf(stderr, "paysandbox snapshot: %v: a running instance holds it; use --url to ask that instance\n", err)
		} else {
			fmt.Fprintln(stderr, "paysandbox snapshot:", err)
		}
		return nil, 1
	}
	return st, 0
}

// adminCall sends one admin request and returns the body of a 200.
func adminCall(ctx context.Context, method, target, token string, body []byte, timeout time.Duration, stderr io.Writer) ([]byte, int) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, target, bytes.NewReader(body))
	if err != nil {
		fmt.Fprintf(stderr, "paysandbox snapshot: --url: %v\n", err)
		return nil, 2
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintln(stderr, "paysandbox snapshot: the instance is not answering:", err)
		return nil, 1
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, snapshot.MaxSize+1))
	if err != nil {
		fmt.Fprintln(stderr, "paysandbox snapshot: reading the answer:", err)
		return nil, 1
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		msg := strings.TrimSpace(string(out))
		if json.Unmarshal(out, &e) == nil && e.Error.Message != "" {
			msg = e.Error.Message
		}
		fmt.Fprintf(stderr, "paysandbox snapshot: %s %s: %d %s\n", method, target, resp.StatusCode, msg)
		return nil, 1
	}
	return out, 0
}

// writeFileAtomic writes via a temporary file, so a failed save leaves no
// half snapshot behind.
func writeFileAtomic(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".paysandbox-snapshot-*")
	if err != nil {
		return err
	}
	defer func() { _ = os.Remove(tmp.Name()) }() // gone once renamed; otherwise a leftover to drop
	if _, err := tmp.Write(b); err != nil {
		_ = tmp.Close() // the write's error is the one to report
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
