package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/paysandbox/paysandbox/emulator"
	"github.com/paysandbox/paysandbox/emulator/platform"
	"github.com/paysandbox/paysandbox/emulator/webhook"
)

type options struct {
	addr, httpsAddr, tlsCert, tlsKey string
	data                             string
	ephemeral, strictAuth, quiet     bool
	pprof                            bool
	seed                             int64
	logFormat, logLevel              string
	adminToken, adminOrigins         string
	adminHosts                       string
	scenarios                        string
	webhookAllow                     string
	publicURL, trustedProxies        string
	maxConns                         int
	tokens                           *listFlag
	caCert                           string // set when the local CA serves https
}

// listFlag is a repeatable flag whose values also split at commas; the first
// use on the command line replaces what the environment set.
type listFlag struct {
	vals []string
	set  bool
}

func (l *listFlag) String() string { return strings.Join(l.vals, ",") }

func (l *listFlag) Set(v string) error {
	if !l.set {
		l.vals, l.set = nil, true
	}
	l.vals = append(l.vals, v)
	return nil
}

// flags defines every serve flag with its PAYSANDBOX_* environment twin;
// a flag on the command line wins over the environment.
func flags(fs *flag.FlagSet, getenv func(string) string) (*options, error) {
	o := &options{}
	env := func(name, def string) string {
		if v := getenv("PAYSANDBOX_" + name); v != "" {
			return v
		}
		return def
	}
	envBool := func(name string) (bool, error) {
		v := getenv("PAYSANDBOX_" + name)
		if v == "" {
			return false, nil
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			return false, fmt.Errorf("PAYSANDBOX_%s=%q: want true or false", name, v)
		}
		return b, nil
	}
	fs.StringVar(&o.addr, "addr", env("ADDR", ":8910"), "HTTP listen address (env PAYSANDBOX_ADDR)")
	fs.StringVar(&o.httpsAddr, "https-addr", env("HTTPS_ADDR", ":8911"), `HTTPS listen address, "off" to disable (env PAYSANDBOX_HTTPS_ADDR)`)
	fs.StringVar(&o.tlsCert, "tls-cert", env("TLS_CERT", ""), "TLS certificate file; default: leaves from the local CA kept beside the data file, see paysandbox ca (env PAYSANDBOX_TLS_CERT)")
	fs.StringVar(&o.tlsKey, "tls-key", env("TLS_KEY", ""), "TLS key file (env PAYSANDBOX_TLS_KEY)")
	fs.StringVar(&o.data, "data", env("DATA", "paysandbox.db"), "bbolt data file (env PAYSANDBOX_DATA)")
	eph, err := envBool("EPHEMERAL")
	if err != nil {
		return nil, err
	}
	fs.BoolVar(&o.ephemeral, "ephemeral", eph, "use a temporary data file, removed on exit (env PAYSANDBOX_EPHEMERAL)")
	strict, err := envBool("STRICT_AUTH")
	if err != nil {
		return nil, err
	}
	fs.BoolVar(&o.strictAuth, "strict-auth", strict, "accept only the credentials listed in fixtures/ (env PAYSANDBOX_STRICT_AUTH)")
	seed := int64(0)
	if v := getenv("PAYSANDBOX_SEED"); v != "" {
		if seed, err = strconv.ParseInt(v, 10, 64); err != nil {
			return nil, fmt.Errorf("PAYSANDBOX_SEED=%q: want an integer", v)
		}
	}
	fs.Int64Var(&o.seed, "seed", seed, "seed for ids and fake data; 0 = random (env PAYSANDBOX_SEED)")
	quiet, err := envBool("QUIET")
	if err != nil {
		return nil, err
	}
	fs.BoolVar(&o.quiet, "quiet", quiet, "no log line per request (webhook warnings and errors stay) (env PAYSANDBOX_QUIET)")
	pprof, err := envBool("PPROF")
	if err != nil {
		return nil, err
	}
	fs.BoolVar(&o.pprof, "pprof", pprof, "serve Go's net/http/pprof profiles under /_sandbox/debug/pprof/, behind the admin token (env PAYSANDBOX_PPROF)")
	fs.StringVar(&o.logFormat, "log-format", env("LOG_FORMAT", "text"), "log format: text or json (env PAYSANDBOX_LOG_FORMAT)")
	fs.StringVar(&o.logLevel, "log-level", env("LOG_LEVEL", "info"), "log level: debug, info, warn, error (env PAYSANDBOX_LOG_LEVEL)")
	tokens := &listFlag{}
	if v := getenv("PAYSANDBOX_ADMIN_TOKEN"); v != "" {
		tokens.vals = []string{v}
	}
	o.tokens = tokens
	fs.Var(tokens, "admin-token", "bearer token that guards /_sandbox; TENANT-PATTERN=TOKEN gives a team a token for its own tenants only (team-a-*=tokA); repeatable or comma-separated (env PAYSANDBOX_ADMIN_TOKEN)")
	fs.StringVar(&o.adminOrigins, "admin-origins", env("ADMIN_ORIGINS", ""), "comma-separated browser origins allowed to change state through /_sandbox (env PAYSANDBOX_ADMIN_ORIGINS)")
	fs.StringVar(&o.adminHosts, "admin-hosts", env("ADMIN_HOSTS", ""), "comma-separated Host names /_sandbox answers to besides localhost, IP addresses and this machine's name, e.g. paysandbox,*.demo.internal; * for any (env PAYSANDBOX_ADMIN_HOSTS)")
	maxConns := 0
	if v := getenv("PAYSANDBOX_MAX_CONNECTIONS"); v != "" {
		if maxConns, err = strconv.Atoi(v); err != nil || maxConns < 0 {
			return nil, fmt.Errorf("PAYSANDBOX_MAX_CONNECTIONS=%q: want a number, 0 for automatic", v)
		}
	}
	fs.IntVar(&o.maxConns, "max-connections", maxConns, "most client connections served at once; 0 = from the file-descriptor limit (env PAYSANDBOX_MAX_CONNECTIONS)")
	fs.StringVar(&o.scenarios, "scenarios", env("SCENARIOS", ""), "directory of your own scenario files, loaded with the built-in ones (env PAYSANDBOX_SCENARIOS)")
	fs.StringVar(&o.webhookAllow, "webhook-allow", env("WEBHOOK_ALLOW", ""), "comma-separated CIDRs and host patterns (*.team.internal) that webhooks may reach among loopback and private addresses; default: any (env PAYSANDBOX_WEBHOOK_ALLOW)")
	fs.StringVar(&o.publicURL, "public-url", env("PUBLIC_URL", ""), "base URL browsers use for the emulator's links, e.g. http://localhost:8910 (env PAYSANDBOX_PUBLIC_URL)")
	fs.StringVar(&o.trustedProxies, "trusted-proxies", env("TRUSTED_PROXIES", "loopback"), `peers whose X-Forwarded-Host/Proto are believed: IPs, CIDRs, "loopback" or "none" (env PAYSANDBOX_TRUSTED_PROXIES)`)
	return o, nil
}

func newLogger(o *options, w io.Writer) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(o.logLevel)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", o.logLevel)
	}
	ho := &slog.HandlerOptions{Level: lvl}
	switch o.logFormat {
	case "text":
		return slog.New(slog.NewTextHandler(w, ho)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, ho)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", o.logFormat)
}

// serve runs the emulator until ctx ends. ready, when not nil, receives the
// bound addresses once both listeners accept (for tests). Each step says
// what went wrong in an exitError; serve prints it and exits with its code.
func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, ready chan<- []string) int {
	err := serveErr(ctx, args, getenv, stdout, stderr, ready)
	if err == nil {
		return 0
	}
	x, ok := err.(*exitError)
	if !ok {
		x = &exitError{1, err.Error()}
	}
	if x.msg != "" {
		fmt.Fprintln(stderr, "paysandbox:", x.msg)
	}
	return x.code
}

// exitError ends serve with code, after printing msg ("" when the flag
// package has said it already).
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// usageErr is a mistake on the command line or in the environment (exit 2).
func usageErr(format string, a ...any) error { return &exitError{2, fmt.Sprintf(format, a...)} }

// runErr is a failure to start or to run (exit 1).
func runErr(format string, a ...any) error { return &exitError{1, fmt.Sprintf(format, a...)} }

func serveErr(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, ready chan<- []string) error {
	c, err := parseServe(args, getenv, stderr)
	if err != nil {
		return err
	}
	// Bind before anything touches the disk, so a taken port is a clear
	// error and leaves no data file (nor CA) behind.
	lns, err := listen(c.o)
	if err != nil {
		return err
	}
	defer lns.close() // for the early returns; closing twice is harmless
	dataPath, cleanup, err := dataFile(c.o)
	if err != nil {
		return err
	}
	defer cleanup()
	e, tlsConf, err := newEmulator(c, lns, dataPath)
	if err != nil {
		return err
	}
	// wait closes e, and reports the error.

	s := startServers(e, lns, tlsConf, c.o.maxConns)
	banner(stdout, e, s.bound, dataPath, c.o)
	c.log.Info("paysandbox ready", "version", version, "http", s.bound[0], "data", dataPath, "max_connections", s.slots)
	if ready != nil {
		ready <- s.bound
	}
	return s.wait(ctx, c.log, e)
}

// serveConfig is serve's command line, checked and parsed.
type serveConfig struct {
	o         *options
	log       *slog.Logger
	publicURL string
	trusted   []netip.Prefix
	allow     []string
}

// parseServe reads the flags and the environment and checks them.
func parseServe(args []string, getenv func(string) string, stderr io.Writer) (*serveConfig, error) {
	fs := flag.NewFlagSet("paysandbox serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o, err := flags(fs, getenv)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, &exitError{0, ""}
		}
		return nil, &exitError{2, ""} // the flag package has said why
	}
	if fs.NArg() > 0 {
		return nil, usageErr("unexpected argument %q", fs.Arg(0))
	}
	c := &serveConfig{o: o}
	if c.log, err = newLogger(o, stderr); err != nil {
		return nil, usageErr("%v", err)
	}
	if (o.tlsCert == "") != (o.tlsKey == "") {
		return nil, usageErr("--tls-cert and --tls-key go together")
	}
	if c.publicURL, err = platform.ParsePublicURL(o.publicURL); err != nil {
		return nil, usageErr("--public-url: %v", err)
	}
	if c.trusted, err = platform.ParseTrustedProxies(o.trustedProxies); err != nil {
		return nil, usageErr("--trusted-proxies: %v", err)
	}
	if o.maxConns < 0 {
		return nil, usageErr("--max-connections: want 0 (automatic) or more")
	}
	if c.allow, err = webhook.ParseAllow(o.webhookAllow); err != nil {
		return nil, usageErr("%v", err)
	}
	o.adminToken = strings.Join(o.tokens.vals, ",")
	return c, nil
}

// listeners are serve's bound sockets; https is nil when it is off.
type listeners struct {
	http, https net.Listener
}

// listen binds both addresses. The https port is known before the emulator
// is built: tokens name it (Commerce Layer's iss), whichever listener they
// are asked on.
func listen(o *options) (*listeners, error) {
	l := &listeners{}
	var err error
	if l.http, err = net.Listen("tcp", o.addr); err != nil {
		return nil, runErr("--addr %s: %v", o.addr, err)
	}
	if o.httpsAddr != "off" && o.httpsAddr != "" {
		if l.https, err = net.Listen("tcp", o.httpsAddr); err != nil {
			l.close()
			return nil, runErr("--https-addr %s: %v", o.httpsAddr, err)
		}
	}
	return l, nil
}

func (l *listeners) httpsPort() int {
	if l.https == nil {
		return 0
	}
	return l.https.Addr().(*net.TCPAddr).Port
}

func (l *listeners) close() {
	// Closing twice is harmless (Shutdown closed them already); the error
	// says so and nothing is lost.
	_ = l.http.Close()
	if l.https != nil {
		_ = l.https.Close()
	}
}

// dataFile is the data file's path, created in a temporary directory that
// cleanup removes with --ephemeral; its directory exists.
func dataFile(o *options) (path string, cleanup func(), err error) {
	path, cleanup = o.data, func() {}
	if o.ephemeral {
		dir, err := os.MkdirTemp("", "paysandbox-")
		if err != nil {
			return "", nil, runErr("creating a temporary data file: %v", err)
		}
		// A temporary directory that stays behind is no failure of the run.
		path, cleanup = filepath.Join(dir, "paysandbox.db"), func() { _ = os.RemoveAll(dir) }
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			cleanup()
			return "", nil, runErr("data directory %s: %v", dir, err)
		}
	}
	return path, cleanup, nil
}

// adminHosts are the Host names the admin API answers to: --admin-hosts,
// the listen addresses' names and the public URL's (IP addresses it
// answers to anyway).
func adminHosts(o *options, publicURL string) []string {
	hosts := splitList(o.adminHosts)
	for _, a := range []string{o.addr, o.httpsAddr} {
		if h, _, err := net.SplitHostPort(a); err == nil && h != "" {
			hosts = append(hosts, h)
		}
	}
	if publicURL != "" {
		if u, err := url.Parse(publicURL); err == nil {
			hosts = append(hosts, u.Hostname())
		}
	}
	return hosts
}

// newEmulator builds the emulator on the data file, and the TLS
// configuration when https is on.
func newEmulator(c *serveConfig, lns *listeners, dataPath string) (*emulator.Emulator, *tls.Config, error) {
	o := c.o
	var tlsConf *tls.Config
	if lns.https != nil {
		var err error
		if tlsConf, err = serverTLS(o, filepath.Dir(dataPath)); err != nil {
			return nil, nil, runErr("TLS: %v", err)
		}
	}
	e, err := emulator.New(emulator.Config{
		DataPath: dataPath, NoSync: o.ephemeral, Seed: o.seed, StrictAuth: o.strictAuth,
		AdminToken: o.adminToken, AdminOrigins: splitList(o.adminOrigins), AdminHosts: adminHosts(o, c.publicURL),
		Version: version, Logger: c.log,
		Scenarios: o.scenarios, Quiet: o.quiet, WebhookAllow: c.allow, HTTPSPort: lns.httpsPort(),
		PublicURL: o.publicURL, TrustedProxies: c.trusted, Pprof: o.pprof,
	})
	if err != nil {
		return nil, nil, runErr("%v", err)
	}
	return e, tlsConf, nil
}

// servers are the running HTTP servers, one per listener.
type servers struct {
	srvs  []*http.Server
	bound []string   // their base URLs, http first
	errc  chan error // a listener that failed
	slots int        // connections served at once
}

// startServers serves the emulator on the listeners, under one connection
// limit, then starts its background work.
func startServers(e *emulator.Emulator, lns *listeners, tlsConf *tls.Config, maxConns int) *servers {
	mainSlots, spareSlots := connLimits(maxConns, fdLimit())
	lim := newLimiter(mainSlots, spareSlots)
	s := &servers{slots: mainSlots}
	var ls []net.Listener
	ls, s.bound = append(ls, &limitListener{Listener: lns.http, l: lim}), append(s.bound, "http://"+hostPort(lns.http))
	s.srvs = append(s.srvs, newServer(e.Handler()))
	if lns.https != nil {
		srv := newServer(e.Handler())
		srv.TLSConfig = tlsConf
		ls, s.bound = append(ls, tls.NewListener(&limitListener{Listener: lns.https, l: lim}, srv.TLSConfig)), append(s.bound, "https://"+hostPort(lns.https))
		s.srvs = append(s.srvs, srv)
	}
	for _, ln := range ls {
		e.Platform().Webhooks.Destinations.NoteListener(ln.Addr()) // before any stored delivery runs
	}
	s.errc = make(chan error, len(s.srvs))
	for i, srv := range s.srvs {
		go func() { s.errc <- srv.Serve(ls[i]) }()
	}
	e.SetListeners(s.bound)
	// After the listeners: background work, OpenAPI parsing included.
	e.Start()
	return s
}

// wait serves until ctx ends (a signal) or a listener fails, then drains:
// health turns 503, listeners stop accepting, requests in flight finish,
// the data file is closed.
func (s *servers) wait(ctx context.Context, log *slog.Logger, e *emulator.Emulator) error {
	var failed error
	select {
	case <-ctx.Done():
	case err := <-s.errc:
		log.Error("listener failed", "err", err)
		failed = &exitError{code: 1}
	}
	e.SetReady(false)
	log.Info("shutting down: draining requests")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, srv := range s.srvs {
		if err := srv.Shutdown(sctx); err != nil {
			log.Warn("shutdown", "err", err)
		}
	}
	if err := e.Close(); err != nil {
		log.Error("closing the data file", "err", err)
		return &exitError{code: 1}
	}
	log.Info("stopped cleanly")
	return failed
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// hostPort names a bound listener as a URL host a local client can use.
func hostPort(ln net.Listener) string {
	addr := ln.Addr().(*net.TCPAddr)
	host := "localhost"
	if !addr.IP.IsUnspecified() && !addr.IP.IsLoopback() {
		host = addr.IP.String()
	}
	return net.JoinHostPort(host, strconv.Itoa(addr.Port))
}

func banner(w io.Writer, e *emulator.Emulator, bound []string, dataPath string, o *options) {
	fmt.Fprintf(w, "paysandbox %s\n", version)
	for _, b := range bound {
		fmt.Fprintf(w, "  listening   %s\n", b)
	}
	if o.ephemeral {
		fmt.Fprintf(w, "  data        %s (ephemeral)\n", dataPath)
	} else {
		fmt.Fprintf(w, "  data        %s\n", dataPath)
	}
	fmt.Fprintf(w, "  dashboard   %s/_sandbox/ui\n", bound[0])
	fmt.Fprintf(w, "  admin       %s/_sandbox/health\n", bound[0])
	if o.caCert != "" {
		fmt.Fprintf(w, "  https CA    %s (paysandbox ca: how to trust it)\n", o.caCert)
	}
	bannerModes(w, o)
	for _, p := range e.Providers() {
		info := p.Info()
		fmt.Fprintf(w, "  %-13s %s%s\n", info.Name, bound[0], info.BasePath)
		if info.Credentials != "" {
			fmt.Fprintf(w, "  %-13s %s\n", "", info.Credentials)
		}
	}
}

func newFlagSet() *flag.FlagSet {
	fs := flag.NewFlagSet("paysandbox serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// bannerModes says what a client must know before its first call: the
// public URL links use, whether any credential works, whether /_sandbox
// wants the admin token.
func bannerModes(w io.Writer, o *options) {
	if o.publicURL != "" {
		fmt.Fprintf(w, "  public URL  %s (every link handed to browsers)\n", strings.TrimSuffix(o.publicURL, "/"))
	}
	if o.strictAuth {
		fmt.Fprintf(w, "  auth        strict: only the fixture credentials (the \"with strict auth\" ones below)\n")
	} else {
		fmt.Fprintf(w, "  auth        open: any credentials; they name the tenant\n")
	}
	if o.adminToken != "" {
		fmt.Fprintf(w, "  admin token required: Authorization: Bearer <token> on /_sandbox (health and version stay open)\n")
	}
}

// printServeFlags writes serve's flags with their defaults.
func printServeFlags(w io.Writer, getenv func(string) string) {
	fs := flag.NewFlagSet("paysandbox serve", flag.ContinueOnError)
	_, _ = flags(fs, getenv)
	fs.SetOutput(w)
	fs.PrintDefaults()
}
