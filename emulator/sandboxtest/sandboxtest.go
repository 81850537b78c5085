// Package sandboxtest runs the whole emulator in-process on httptest, so a Go
// team's tests need neither Docker nor a subprocess. Its client checks every
// response against our OpenAPI files and fails the test on a mismatch.
package sandboxtest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/emulator"
	"github.com/paysandbox/paysandbox/emulator/webhook"
)

// Sandbox is a running emulator.
type Sandbox struct {
	// URL is the base URL, e.g. http://127.0.0.1:41234.
	URL      string
	Emulator *emulator.Emulator
	Server   *httptest.Server
	t        testing.TB
}

// Option changes the emulator's configuration.
type Option func(*emulator.Config)

// WithConfig edits the configuration before start.
func WithConfig(f func(*emulator.Config)) Option { return Option(f) }

// Start runs a fresh emulator (own data file, seed 1) until the test ends.
// The scheduler does not run in the background: tests call Flush or Advance,
// so what happens when is deterministic.
func Start(t testing.TB, opts ...Option) *Sandbox {
	t.Helper()
	e := newEmulator(t, opts)
	srv := httptest.NewServer(e.Handler())
	t.Cleanup(srv.Close) // before the emulator's Close: cleanups run last first
	return &Sandbox{URL: srv.URL, Emulator: e, Server: srv, t: t}
}

// InProcess is a fresh emulator as Start makes one, without a server:
// benchmarks drive its Handler in process. Every OpenAPI file is parsed
// before it returns (a provider's first request would parse its own), so
// that what runs after is the steady state.
func InProcess(t testing.TB, opts ...Option) *emulator.Emulator {
	t.Helper()
	e := newEmulator(t, opts)
	if err := e.Platform().Contract.Wait(); err != nil {
		t.Fatalf("sandboxtest: parsing the OpenAPI files: %v", err)
	}
	return e
}

// Durable turns fsync on when on (Start and InProcess use a data file
// without it).
func Durable(on bool) Option { return func(c *emulator.Config) { c.NoSync = !on } }

// newEmulator is a fresh emulator (own data file, seed 1), closed when the
// test ends.
func newEmulator(t testing.TB, opts []Option) *emulator.Emulator {
	t.Helper()
	cfg := emulator.Config{DataPath: filepath.Join(t.TempDir(), "paysandbox.db"), NoSync: true, Seed: 1, Version: "test"}
	for _, o := range opts {
		o(&cfg)
	}
	e, err := emulator.New(cfg)
	if err != nil {
		t.Fatalf("sandboxtest: starting the emulator: %v", err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

// Client returns an HTTP client that checks every response against our
// OpenAPI files (failing the test that started the sandbox on a mismatch)
// and does not follow redirects.
func (s *Sandbox) Client() *http.Client { return s.ClientFor(s.t) }

// ClientFor is Client reporting to t (a subtest, say).
func (s *Sandbox) ClientFor(t testing.TB) *http.Client {
	return &http.Client{
		Transport:     &checker{t: t, next: http.DefaultTransport, base: s.URL},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}
}

// CheckingClient returns a client that checks every response from any
// emulator it talks to (a subprocess, say) against our OpenAPI files. next
// is the transport to use (nil for the default).
func CheckingClient(t testing.TB, next http.RoundTripper) *http.Client {
	if next == nil {
		next = http.DefaultTransport
	}
	return &http.Client{
		Transport:     &checker{t: t, next: next},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}
}

type checker struct {
	t    testing.TB
	next http.RoundTripper
	base string // only responses from here are checked ("" = all)
}

func (c *checker) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(req)
	if err != nil || !strings.HasPrefix(req.URL.String(), c.base) {
		return resp, err
	}
	c.t.Helper()
	body, rerr := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if rerr != nil {
		c.t.Errorf("%s %s: reading the response body to check it: %v", req.Method, req.URL.Path, rerr)
		return resp, nil
	}
	set, err := emulator.Specs()
	if err != nil {
		c.t.Errorf("reading our OpenAPI files: %v", err)
		return resp, nil
	}
	check := req.Clone(context.Background())
	if err := set.CheckResponse(check, resp.StatusCode, resp.Header, body); err != nil {
		c.t.Errorf("response breaks our OpenAPI files: %v\nbody: %s", err, truncate(body))
	}
	return resp, nil
}

func truncate(b []byte) string {
	if len(b) > 2000 {
		return string(b[:2000]) + "…"
	}
	return string(b)
}

// Response is a read response.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a map (failing the test if it is not JSON).
func (r *Response) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("response is not a JSON object: %v\n%s", err, r.Body)
	}
	return m
}

// Do sends a request through the checking client. body may be nil, a string
// or []byte (sent as is), or anything else (sent as JSON). header pairs follow.
func (s *Sandbox) Do(t testing.TB, method, path string, body any, header ...string) *Response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return s.send(t, req, header)
}

// send sets the header pairs on req (a "Host" pair is the request's Host,
// which net/http takes from req.Host only), sends it through the checking
// client and reads the whole response.
func (s *Sandbox) send(t testing.TB, req *http.Request, header []string) *Response {
	t.Helper()
	for i := 0; i+1 < len(header); i += 2 {
		if http.CanonicalHeaderKey(header[i]) == "Host" {
			req.Host = header[i+1]
			continue
		}
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := s.ClientFor(t).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.RequestURI(), err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", req.Method, req.URL.RequestURI(), err)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: raw}
}

// Flush runs every scheduled job that is due now (webhooks, expiries) and
// returns how many ran.
func (s *Sandbox) Flush() int {
	return s.Emulator.Platform().Scheduler.RunDue(context.Background())
}

// Advance moves the tenant's virtual clock (every clock for "") forward by d
// and runs what fell due.
func (s *Sandbox) Advance(t testing.TB, tenant string, d time.Duration) {
	t.Helper()
	if err := s.Emulator.Platform().Clock.Advance(tenant, d); err != nil {
		t.Fatal(err)
	}
	s.Flush()
}

// Now is the tenant's virtual time.
func (s *Sandbox) Now(tenant string) time.Time { return s.Emulator.Platform().Clock.Now(tenant) }

// Webhooks lists outbound deliveries, newest first.
func (s *Sandbox) Webhooks(t testing.TB, f webhook.Filter) []webhook.Delivery {
	t.Helper()
	ds, err := s.Emulator.Platform().Webhooks.List(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// Receiver is a webhook endpoint for tests: it records every request and
// answers with the status and body it is told to.
type Receiver struct {
	URL    string
	mu     sync.Mutex
	got    []Received
	status int
	body   string
}

// Received is one request a Receiver got.
type Received struct {
	Method string
	URL    string
	Header http.Header
	Body   []byte
}

// NewReceiver starts a receiver that answers 200 "OK" until told otherwise.
func NewReceiver(t testing.TB) *Receiver {
	rc := &Receiver{status: http.StatusOK, body: "OK"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("sandboxtest: receiver reading a request: %v", err)
		}
		rc.mu.Lock()
		rc.got = append(rc.got, Received{Method: r.Method, URL: r.URL.String(), Header: r.Header.Clone(), Body: b})
		status, body := rc.status, rc.body
		rc.mu.Unlock()
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	rc.URL = srv.URL
	return rc
}

// Respond sets the status and body of later answers.
func (rc *Receiver) Respond(status int, body string) {
	rc.mu.Lock()
	rc.status, rc.body = status, body
	rc.mu.Unlock()
}

// Requests returns what the receiver got so far.
func (rc *Receiver) Requests() []Received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]Received(nil), rc.got...)
}
