package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A compose network in two processes: the built emulator listens on
// 127.0.0.2 (its container address), a shop server calls it by the name
// "paysandbox" (resolved by the shop's own dialer, as Docker's DNS would),
// and the browser - a plain client that cannot resolve that name - opens
// the links the shop hands it.
func TestComposeStylePublicURL(t *testing.T) {
	probe, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("no 127.0.0.2 on this machine: %v", err)
	}
	addr := probe.Addr().String()
	probe.Close()
	_, port, _ := net.SplitHostPort(addr)
	public := "http://" + addr // how the browser reaches the emulator (a published port)

	for _, tc := range []struct {
		name   string
		args   []string
		opens  bool
		prefix string
	}{
		{"with --public-url", []string{"--public-url", public}, true, public + "/"},
		{"PAYSANDBOX_PUBLIC_URL", nil, true, public + "/"},
		{"without", nil, false, "http://paysandbox:" + port + "/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(binary(t), append([]string{"--addr", addr, "--https-addr", "off", "--ephemeral"}, tc.args...)...)
			cmd.Env = os.Environ()
			if tc.name == "PAYSANDBOX_PUBLIC_URL" {
				cmd.Env = append(cmd.Env, "PAYSANDBOX_PUBLIC_URL="+public)
			}
			var stderr bytes.Buffer // read only once the process is gone or failed
			stdout := &syncBuf{}
			cmd.Stderr, cmd.Stdout = &stderr, stdout
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
			waitHealthy(t, public, cmd, &stderr)

			shop := newShop(t, "http://paysandbox:"+port, addr)
			browser := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			resp, err := browser.Get(shop.URL + "/checkout")
			if err != nil {
				t.Fatal(err)
			}
			var links map[string]string
			err = json.NewDecoder(resp.Body).Decode(&links)
			resp.Body.Close()
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("shop: %d %v %v", resp.StatusCode, links, err)
			}
			for name, link := range links {
				if !strings.HasPrefix(link, tc.prefix) {
					t.Errorf("%s = %s, want it under %s", name, link, tc.prefix)
					continue
				}
				resp, err := browser.Get(link)
				if !tc.opens {
					if err == nil {
						resp.Body.Close()
						t.Errorf("%s %s opened although the browser cannot resolve the shop's name for the emulator", name, link)
					}
					continue
				}
				if err != nil {
					t.Errorf("browser cannot open %s %s: %v", name, link, err)
					continue
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "text/html") || !bytes.Contains(body, []byte("<html")) {
					t.Errorf("%s %s: %d %s", name, link, resp.StatusCode, resp.Header.Get("Content-Type"))
				}
			}
			if len(links) != 2 {
				t.Fatalf("links %v", links)
			}
			if tc.opens && !strings.Contains(stdout.String(), "public URL  "+public) {
				t.Errorf("banner does not show the public URL:\n%s", stdout.String())
			}
		})
	}
}

// newShop is a shop backend that reaches the emulator as base (a host name
// only its dialer resolves, to dial) and answers /checkout with the links
// a browser is sent to: a MultiSafepay payment page and a Klarna hosted
// payment page (redirect_url).
func newShop(t *testing.T, base, dial string) *httptest.Server {
	tr := &http.Transport{DialContext: func(ctx context.Context, network, a string) (net.Conn, error) {
		if strings.HasPrefix(a, "paysandbox:") {
			a = dial
		}
		return (&net.Dialer{}).DialContext(ctx, network, a)
	}}
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	call := func(method, path string, body any, hdr ...string) (map[string]any, error) {
		raw, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, base+path, bytes.NewReader(raw))
		req.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := c.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		var m map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
			return nil, err
		}
		if resp.StatusCode >= 300 {
			b, _ := json.Marshal(m)
			return nil, &shopError{resp.StatusCode, string(b)}
		}
		return m, nil
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fail := func(err error) { http.Error(w, err.Error(), http.StatusBadGateway) }
		m, err := call(http.MethodPost, "/v1/json/orders", map[string]any{"type": "redirect", "order_id": "compose-" + time.Now().Format("150405.000000"),
			"currency": "EUR", "amount": 1000, "description": "Compose order"}, "api_key", "shop-key")
		if err != nil {
			fail(err)
			return
		}
		links := map[string]string{"msp payment_url": m["data"].(map[string]any)["payment_url"].(string)}
		kauth := []string{"Authorization", "Basic UEtfVEVTVF9zaG9wOnNlY3JldA=="} // PK_TEST_shop:secret
		s, err := call(http.MethodPost, "/payments/v1/sessions", map[string]any{"acquiring_channel": "ECOMMERCE", "intent": "buy",
			"purchase_country": "SE", "purchase_currency": "SEK", "locale": "en-SE", "order_amount": 1000, "order_tax_amount": 0,
			"order_lines": []any{map[string]any{"name": "Socks", "quantity": 1, "unit_price": 1000, "tax_rate": 0, "total_amount": 1000, "total_tax_amount": 0}}}, kauth...)
		if err != nil {
			fail(err)
			return
		}
		h, err := call(http.MethodPost, "/hpp/v1/sessions", map[string]any{"payment_session_url": base + "/payments/v1/sessions/" + s["session_id"].(string)}, kauth...)
		if err != nil {
			fail(err)
			return
		}
		links["klarna hpp redirect_url"] = h["redirect_url"].(string)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(links)
	}))
	t.Cleanup(srv.Close)
	return srv
}

type shopError struct {
	status int
	body   string
}

func (e *shopError) Error() string { return http.StatusText(e.status) + ": " + e.body }

func TestHealthAcceptsHostPort(t *testing.T) {
	in := start(t, filepath.Join(t.TempDir(), "p.db"))
	hostport := strings.TrimPrefix(in.http, "http://")
	_, port, _ := net.SplitHostPort(hostport)
	for _, u := range []string{hostport, in.http + "/", ":" + port} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), []string{"health", "--url", u}, noenv, &out, &errb); code != 0 || strings.TrimSpace(out.String()) != "ready" {
			t.Errorf("health --url %s: %d %q %q", u, code, out.String(), errb.String())
		}
	}
}

func TestHelpListsSubcommands(t *testing.T) {
	for _, arg := range []string{"-h", "--help"} {
		var out bytes.Buffer
		if code := run(context.Background(), []string{arg}, noenv, &out, io.Discard); code != 0 {
			t.Fatalf("%s: exit %d", arg, code)
		}
		for _, want := range []string{"paysandbox health", "paysandbox version", "paysandbox scenarios list", "paysandbox snapshot save",
			"paysandbox snapshot load", "-public-url", "PAYSANDBOX_PUBLIC_URL", "-scenarios", "-trusted-proxies"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%s output lacks %q:\n%s", arg, want, out.String())
			}
		}
	}
}

func TestBannerShowsAuthModeAndAdminToken(t *testing.T) {
	open := start(t, filepath.Join(t.TempDir(), "a.db"))
	if s := open.stdout.String(); !strings.Contains(s, "auth        open: any credentials") || strings.Contains(s, "admin token required") {
		t.Errorf("default banner:\n%s", s)
	}
	strict := start(t, filepath.Join(t.TempDir(), "b.db"), "--strict-auth", "--admin-token", "s3cret")
	s := strict.stdout.String()
	if !strings.Contains(s, "auth        strict") || !strings.Contains(s, "admin token required") || strings.Contains(s, "s3cret") {
		t.Errorf("strict banner:\n%s", s)
	}
}

func TestListenerFailureLeavesNoDataFile(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	for _, args := range [][]string{
		{"--addr", taken.Addr().String(), "--https-addr", "off"},
		{"--addr", "127.0.0.1:0", "--https-addr", taken.Addr().String()},
	} {
		dir := filepath.Join(t.TempDir(), "data")
		data := filepath.Join(dir, "p.db")
		var stderr bytes.Buffer
		code := serve(context.Background(), append(args, "--data", data), noenv, io.Discard, &stderr, nil)
		if code != 1 || !strings.Contains(stderr.String(), "address already in use") {
			t.Fatalf("%v: exit %d: %s", args, code, stderr.String())
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("%v: the data directory was created: %v", args, err)
		}
	}
}

func TestBadPublicURLAndTrustedProxiesAreUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--public-url", "localhost:8910"},
		{"--public-url", "ftp://x"},
		{"--public-url", "http://x/?a=1"},
		{"--trusted-proxies", "10.0.0.0/33"},
		{"--trusted-proxies", "somewhere"},
	} {
		var stderr bytes.Buffer
		code := serve(context.Background(), append(args, "--addr", "127.0.0.1:0", "--https-addr", "off", "--ephemeral"), noenv, io.Discard, &stderr, nil)
		if code != 2 || strings.Count(stderr.String(), "\n") != 1 {
			t.Errorf("%v: exit %d: %q", args, code, stderr.String())
		}
	}
}
