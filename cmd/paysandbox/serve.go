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
// bound addresses once both listeners accept (for tests).
func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, ready chan<- []string) int {
	fs := flag.NewFlagSet("paysandbox serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o, err := flags(fs, getenv)
	if err != nil {
		fmt.Fprintln(stderr, "paysandbox:", err)
		return 2
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "paysandbox: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	log, err := newLogger(o, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "paysandbox:", err)
		return 2
	}
	if (o.tlsCert == "") != (o.tlsKey == "") {
		fmt.Fprintln(stderr, "paysandbox: --tls-cert and --tls-key go together")
		return 2
	}

	publicURL, err := platform.ParsePublicURL(o.publicURL)
	if err != nil {
		fmt.Fprintln(stderr, "paysandbox: --public-url:", err)
		return 2
	}
	trusted, err := platform.ParseTrustedProxies(o.trustedProxies)
	if err != nil {
		fmt.Fprintln(stderr, "paysandbox: --trusted-proxies:", err)
		return 2
	}
	if o.maxConns < 0 {
		fmt.Fprintln(stderr, "paysandbox: --max-connections: want 0 (automatic) or more")
		return 2
	}
	allow, err := webhook.ParseAllow(o.webhookAllow)
	if err != nil {
		fmt.Fprintln(stderr, "paysandbox:", err)
		return 2
	}

	// Bind before anything touches the disk, so a taken port is a clear
	// error and leaves no data file (nor CA) behind. The https port is known
	// before the emulator is built: tokens name it (Commerce Layer's iss),
	// whichever listener they are asked on.
	httpLn, err := net.Listen("tcp", o.addr)
	if err != nil {
		fmt.Fprintf(stderr, "paysandbox: --addr %s: %v\n", o.addr, err)
		return 1
	}
	defer httpLn.Close() // for the early returns; closing twice is harmless
	var httpsLn net.Listener
	httpsPort := 0
	if o.httpsAddr != "off" && o.httpsAddr != "" {
		if httpsLn, err = net.Listen("tcp", o.httpsAddr); err != nil {
			fmt.Fprintf(stderr, "paysandbox: --https-addr %s: %v\n", o.httpsAddr, err)
			return 1
		}
		defer httpsLn.Close()
		httpsPort = httpsLn.Addr().(*net.TCPAddr).Port
	}

	dataPath := o.data
	if o.ephemeral {
		dir, err := os.MkdirTemp("", "paysandbox-")
		if err != nil {
			fmt.Fprintln(stderr, "paysandbox: creating a temporary data file:", err)
			return 1
		}
		defer os.RemoveAll(dir)
		dataPath = filepath.Join(dir, "paysandbox.db")
	}
	if dir := filepath.Dir(dataPath); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			fmt.Fprintf(stderr, "paysandbox: data directory %s: %v\n", dir, err)
			return 1
		}
	}

	o.adminToken = strings.Join(o.tokens.vals, ",")
	origins := splitList(o.adminOrigins)
	// The admin API answers to the listen addresses' names too (IP
	// addresses it answers to anyway).
	hosts := splitList(o.adminHosts)
	for _, a := range []string{o.addr, o.httpsAddr} {
		if h, _, err := net.SplitHostPort(a); err == nil && h != "" {
			hosts = append(hosts, h)
		}
	}
	if publicURL != "" {
		if u, err := url.Parse(publicURL); err == nil {
			hosts = append(hosts, u.Hostname()) // the admin API answers at the public URL too
		}
	}
	var tlsConf *tls.Config
	if httpsLn != nil {
		if tlsConf, err = serverTLS(o, filepath.Dir(dataPath)); err != nil {
			fmt.Fprintln(stderr, "paysandbox: TLS:", err)
			return 1
		}
	}
	e, err := emulator.New(emulator.Config{
		DataPath: dataPath, NoSync: o.ephemeral, Seed: o.seed, StrictAuth: o.strictAuth,
		AdminToken: o.adminToken, AdminOrigins: origins, AdminHosts: hosts, Version: version, Logger: log,
		Scenarios: o.scenarios, Quiet: o.quiet, WebhookAllow: allow, HTTPSPort: httpsPort,
		PublicURL: o.publicURL, TrustedProxies: trusted, Pprof: o.pprof,
	})
	if err != nil {
		fmt.Fprintln(stderr, "paysandbox:", err)
		return 1
	}
	defer e.Close()

	mainSlots, spareSlots := connLimits(o.maxConns, fdLimit())
	lim := newLimiter(mainSlots, spareSlots)
	var servers []*http.Server
	var lns []net.Listener
	var bound []string
	lns, bound = append(lns, &limitListener{Listener: httpLn, l: lim}), append(bound, "http://"+hostPort(httpLn))
	servers = append(servers, newServer(e.Handler()))
	if httpsLn != nil {
		srv := newServer(e.Handler())
		srv.TLSConfig = tlsConf
		lns, bound = append(lns, tls.NewListener(&limitListener{Listener: httpsLn, l: lim}, srv.TLSConfig)), append(bound, "https://"+hostPort(httpsLn))
		servers = append(servers, srv)
	}

	for _, ln := range lns {
		e.Platform().Webhooks.Destinations.NoteListener(ln.Addr()) // before any stored delivery runs
	}
	errc := make(chan error, len(servers))
	for i, srv := range servers {
		go func() { errc <- srv.Serve(lns[i]) }()
	}
	e.SetListeners(bound)
	// After the listeners: background work, OpenAPI parsing included.
	e.Start()
	banner(stdout, e, bound, dataPath, o)
	log.Info("paysandbox ready", "version", version, "http", bound[0], "data", dataPath, "max_connections", mainSlots)
	if ready != nil {
		ready <- bound
	}

	code := 0
	select {
	case <-ctx.Done():
	case err := <-errc:
		log.Error("listener failed", "err", err)
		code = 1
	}
	// Drain: health turns 503, listeners stop accepting, requests in flight finish.
	e.SetReady(false)
	log.Info("shutting down: draining requests")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, srv := range servers {
		if err := srv.Shutdown(sctx); err != nil {
			log.Warn("shutdown", "err", err)
		}
	}
	if err := e.Close(); err != nil {
		log.Error("closing the data file", "err", err)
		return 1
	}
	log.Info("stopped cleanly")
	return code
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
