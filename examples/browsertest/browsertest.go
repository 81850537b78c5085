// Package browsertest runs browser tests in a real headless Chromium (Debian's
// chromium package), one browser per test binary and one tab per test, and
// checks every response paysandbox gives the browser or the shop against our
// OpenAPI files.
//
// Without Chromium the tests skip with a message saying how to install it;
// with CI=true they fail instead. A step that fails saves a screenshot in the
// artifacts folder ($PAYSANDBOX_ARTIFACTS, else a folder in the temp dir).
// Configure, before the first tab, sets the window size, extra launch
// options and whether console errors fail a test; uncaught exceptions in a
// page always do.
package browsertest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/paysandbox/paysandbox/emulator"
)

// DefaultChromium is where Debian's chromium package puts the browser;
// $PAYSANDBOX_CHROMIUM overrides it.
const DefaultChromium = "/usr/bin/chromium"

// StepTimeout bounds one step of a test.
const StepTimeout = 20 * time.Second

var (
	startOnce sync.Once
	browser   context.Context
	stop      []context.CancelFunc
	startErr  error
	profile   string

	cfgMu   sync.Mutex
	cfg     = config{width: 1024, height: 900}
	started bool // the first NewTab fixed cfg
)

// config is how the shared browser starts and what fails a tab's test.
type config struct {
	width, height     int
	alloc             []chromedp.ExecAllocatorOption
	consoleErrorsFail bool
}

// Option changes the shared browser or its tabs; see Configure.
type Option func(*config)

// WindowSize sets the browser window's size in pixels (1024×900 without it).
func WindowSize(width, height int) Option {
	return func(c *config) { c.width, c.height = width, height }
}

// AllocatorOptions adds launch options (chromedp.Flag, chromedp.Env, …)
// after browsertest's own, so a test binary can, say, give Chromium a HOME
// of its own or a flag; later options win over earlier ones.
func AllocatorOptions(opts ...chromedp.ExecAllocatorOption) Option {
	return func(c *config) { c.alloc = append(c.alloc, opts...) }
}

// FailOnConsoleErrors makes console.error messages (failed loads included)
// fail a test at its end, as uncaught exceptions always do.
// Tab.ForgetConsole clears what a test provoked on purpose.
func FailOnConsoleErrors() Option {
	return func(c *config) { c.consoleErrorsFail = true }
}

// Configure sets options for the shared browser of this test binary. Call it
// before the first NewTab (in TestMain, or once before a test's first tab
// when the options depend on what the test set up); once the browser is
// started it panics, since the options could no longer apply.
func Configure(opts ...Option) {
	cfgMu.Lock()
	defer cfgMu.Unlock()
	if started {
		panic("browsertest.Configure after the first NewTab: the browser is already started")
	}
	for _, o := range opts {
		o(&cfg)
	}
}

// current fixes the configuration at the browser's start.
func current() config {
	cfgMu.Lock()
	defer cfgMu.Unlock()
	started = true
	return cfg
}

func chromiumPath() string {
	if p := os.Getenv("PAYSANDBOX_CHROMIUM"); p != "" {
		return p
	}
	return DefaultChromium
}

func start() {
	c := current()
	path := chromiumPath()
	if _, err := os.Stat(path); err != nil {
		startErr = fmt.Errorf("chromium not found at %s", path)
		return
	}
	profile, startErr = os.MkdirTemp("", "paysandbox-chromium-")
	if startErr != nil {
		return
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(profile), // a fresh profile for every run
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(c.width, c.height),
	)
	opts = append(opts, c.alloc...)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelBrowser := chromedp.NewContext(alloc)
	stop = []context.CancelFunc{cancelBrowser, cancelAlloc}
	if err := chromedp.Do(ctx); err != nil { // starts the browser, with no timeout
		startErr = fmt.Errorf("starting %s: %w", path, err)
		return
	}
	browser = ctx
}

// Close stops the shared browser. Call it from TestMain after m.Run.
func Close() {
	for _, c := range stop {
		c()
	}
	if profile != "" {
		_ = os.RemoveAll(profile)
	}
}

// Tab is one browser tab of a test.
type Tab struct {
	t          testing.TB
	ctx        context.Context
	errorsFail bool // FailOnConsoleErrors
	mu         sync.Mutex
	console    []chromedp.ConsoleMessage
}

// NewTab opens a tab in the shared browser. Without Chromium it skips the
// test, or fails it when CI=true.
func NewTab(t testing.TB) *Tab {
	t.Helper()
	startOnce.Do(start)
	if startErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("browser tests need Chromium: %v (.ci/run installs it with apt-get install -y chromium)", startErr)
		}
		t.Skipf("skipping the browser test: %v; install it with `apt-get update && apt-get install -y chromium` (with CI=true this fails)", startErr)
	}
	ctx, cancel := chromedp.NewContext(browser)
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		t.Fatalf("opening a tab: %v", err)
	}
	tab := &Tab{t: t, ctx: ctx, errorsFail: current().consoleErrorsFail}
	messages := chromedp.Console(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			tab.mu.Lock()
			tab.console = append(tab.console, m)
			tab.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		for _, m := range tab.Console() {
			switch {
			case m.IsException():
				t.Errorf("uncaught exception in the page: %s:%d %s", m.URL, m.Line+1, m)
			case tab.errorsFail && m.Type == chromedp.ConsoleError:
				t.Errorf("console error in the page: %s:%d %s", m.URL, m.Line+1, m)
			}
		}
	})
	return tab
}

// Console lists what the tab's pages wrote to the console so far.
func (tb *Tab) Console() []chromedp.ConsoleMessage {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return append([]chromedp.ConsoleMessage(nil), tb.console...)
}

// ForgetConsole drops what the tab's pages wrote to the console so far,
// exceptions and errors included, for a test that provokes them on purpose.
// Messages still on their way from the browser are not dropped: wait for
// them first.
func (tb *Tab) ForgetConsole() {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	tb.console = nil
}

// T is the test the tab belongs to, for helpers that fail it.
func (tb *Tab) T() testing.TB { return tb.t }

// Context is the tab's context, for actions a test runs itself.
func (tb *Tab) Context() context.Context { return tb.ctx }

// Do runs a step; when it fails the test fails with a screenshot saved.
func (tb *Tab) Do(step string, actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, StepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		tb.Fail(step, err)
	}
}

// Run runs a step that returns a value.
func Run[T any](tb *Tab, step string, a chromedp.Action[T]) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, StepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		tb.Fail(step, err)
	}
	return v
}

// Frame waits until the iframe that selector finds shows a document whose
// URL contains urlPart, and returns its node for FromNode and
// WithPollingInFrame. (Waiting for the document matters: queries from an
// iframe node found earlier would search its first, blank document.)
func (tb *Tab) Frame(step, selector, urlPart string) *chromedp.Node {
	tb.t.Helper()
	deadline := time.Now().Add(StepTimeout)
	for {
		ctx, cancel := context.WithTimeout(tb.ctx, StepTimeout)
		nodes, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS(selector), chromedp.NodeReady))
		cancel()
		if err != nil {
			tb.Fail(step, err)
		}
		n := nodes[0]
		n.RLock()
		doc := n.ContentDocument
		n.RUnlock()
		if doc != nil {
			doc.RLock()
			url, loaded := doc.DocumentURL, len(doc.Children) > 0 || doc.ChildNodeCount > 0
			doc.RUnlock()
			if strings.Contains(url, urlPart) && loaded {
				return n
			}
		}
		if time.Now().After(deadline) {
			tb.Fail(step, fmt.Errorf("the iframe %s did not show %s", selector, urlPart))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Fail ends the test at step, saving a screenshot of the tab.
func (tb *Tab) Fail(step string, err error) {
	tb.t.Helper()
	where := ""
	ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
	defer cancel()
	if loc, lerr := chromedp.Run(ctx, chromedp.Location()); lerr == nil {
		where = " at " + loc
	}
	page, perr := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
	if perr != nil {
		page = "(unreadable: " + perr.Error() + ")"
	} else if len(page) > 1500 {
		page = page[:1500] + "…"
	}
	shot := tb.Screenshot(step)
	var console strings.Builder
	for _, m := range tb.Console() {
		fmt.Fprintf(&console, "\n  %s %s:%d %s", m.Type, m.URL, m.Line+1, m)
	}
	tb.t.Fatalf("step %q failed%s: %v\nscreenshot: %s\nconsole:%s\npage:\n%s", step, where, err, shot, console.String(), page)
}

// Screenshot saves the tab as a PNG in the artifacts folder and returns its path.
func (tb *Tab) Screenshot(name string) string {
	ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100) /* 100: PNG */)
	if err != nil {
		return "(none: " + err.Error() + ")"
	}
	dir := ArtifactsDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "(none: " + err.Error() + ")"
	}
	file := filepath.Join(dir, safeName(tb.t.Name()+"-"+name)+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		return "(none: " + err.Error() + ")"
	}
	return file
}

// ArtifactsDir is where screenshots of failed steps go.
func ArtifactsDir() string {
	if d := os.Getenv("PAYSANDBOX_ARTIFACTS"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "paysandbox-browser-artifacts")
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func safeName(s string) string { return strings.Trim(unsafeChars.ReplaceAllString(s, "_"), "_") }

// --- Checking what paysandbox answers

// Checker checks responses against our OpenAPI files and reports every
// mismatch when the test ends.
type Checker struct {
	mu   sync.Mutex
	errs []string
	seen int
}

// NewChecker starts a checker that reports to t at cleanup.
func NewChecker(t testing.TB) *Checker {
	c := &Checker{}
	t.Cleanup(func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		for _, e := range c.errs {
			t.Errorf("response breaks our OpenAPI files: %s", e)
		}
	})
	return c
}

// Seen is how many responses the checker checked.
func (c *Checker) Seen() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seen
}

func (c *Checker) check(req *http.Request, status int, header http.Header, body []byte) {
	set, err := emulator.Specs()
	if err == nil {
		err = set.CheckResponse(req, status, header, body)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seen++
	if err != nil {
		if len(body) > 500 {
			body = append(body[:500:500], "…"...)
		}
		c.errs = append(c.errs, fmt.Sprintf("%v\nbody: %s", err, body))
	}
}

// Server serves h (paysandbox's handler) on a fresh local server whose every
// response is checked: what the browser and the shop get from paysandbox.
func (c *Checker) Server(t testing.TB, h http.Handler) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		if r.URL.Path == "/favicon.ico" {
			return // the browser asks every origin it shows for one; no API has it
		}
		req := r.Clone(context.Background())
		req.URL.Scheme, req.URL.Host = "http", r.Host
		req.Body = http.NoBody
		c.check(req, rec.status, rec.Header(), rec.body.Bytes())
	}))
	t.Cleanup(srv.Close)
	return srv
}

// Client is an HTTP client whose every response is checked (for the shop's
// server-to-server calls).
func (c *Checker) Client() *http.Client {
	return &http.Client{Transport: checkingTransport{c}, Timeout: 15 * time.Second}
}

type checkingTransport struct{ c *Checker }

func (ct checkingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	body, rerr := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if rerr == nil {
		check := req.Clone(context.Background())
		check.Body = http.NoBody
		ct.c.check(check, resp.StatusCode, resp.Header, body)
	}
	return resp, nil
}

type recorder struct {
	http.ResponseWriter
	status int
	wrote  bool
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}
