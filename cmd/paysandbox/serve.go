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
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/paysandbox/paysandbox/emulator"
	"github.com/paysandbox/paysandbox/emulator/platform"
)

type options struct {
	addr, httpsAddr, tlsCert, tlsKey string
	data                             string
	ephemeral, strictAuth            bool
	seed                             int64
	logFormat, logLevel              string
	adminToken, adminOrigins         string
	scenarios                        string
	publicURL, trustedProxies        string
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
	fs.StringVar(&o.tlsCert, "tls-cert", env("TLS_CERT", ""), "TLS certificate file; default: a self-signed one kept beside the data file (env PAYSANDBOX_TLS_CERT)")
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
	fs.StringVar(&o.logFormat, "log-format", env("LOG_FORMAT", "text"), "log format: text or json (env PAYSANDBOX_LOG_FORMAT)")
	fs.StringVar(&o.logLevel, "log-level", env("LOG_LEVEL", "info"), "log level: debug, info, warn, error (env PAYSANDBOX_LOG_LEVEL)")
	fs.StringVar(&o.adminToken, "admin-token", env("ADMIN_TOKEN", ""), "bearer token that guards /_sandbox (env PAYSANDBOX_ADMIN_TOKEN)")
	fs.StringVar(&o.adminOrigins, "admin-origins", env("ADMIN_ORIGINS", ""), "comma-separated browser origins allowed to change state through /_sandbox (env PAYSANDBOX_ADMIN_ORIGINS)")
	fs.StringVar(&o.scenarios, "scenarios", env("SCENARIOS", ""), "directory of your own scenario files, loaded with the built-in ones (env PAYSANDBOX_SCENARIOS)")
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

	if _, err := platform.ParsePublicURL(o.publicURL); err != nil {
		fmt.Fprintln(stderr, "paysandbox: --public-url:", err)
		return 2
	}
	trusted, err := platform.ParseTrustedProxies(o.trustedProxies)
	if err != nil {
		fmt.Fprintln(stderr, "paysandbox: --trusted-proxies:", err)
		return 2
	}

	// Bind before anything touches the disk, so a taken port is a clear
	// error and leaves no data file behind.
	httpLn, err := net.Listen("tcp", o.addr)
	if err != nil {
		fmt.Fprintf(stderr, "paysandbox: --addr %s: %v\n", o.addr, err)
		return 1
	}
	defer httpLn.Close()
	var httpsLn net.Listener
	if o.httpsAddr != "off" && o.httpsAddr != "" {
		if httpsLn, err = net.Listen("tcp", o.httpsAddr); err != nil {
			fmt.Fprintf(stderr, "paysandbox: --https-addr %s: %v\n", o.httpsAddr, err)
			return 1
		}
		defer httpsLn.Close()
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

	var origins []string
	for _, s := range strings.Split(o.adminOrigins, ",") {
		if s = strings.TrimSpace(s); s != "" {
			origins = append(origins, s)
		}
	}
	e, err := emulator.New(emulator.Config{
		DataPath: dataPath, NoSync: o.ephemeral, Seed: o.seed, StrictAuth: o.strictAuth,
		AdminToken: o.adminToken, AdminOrigins: origins, Version: version, Logger: log,
		Scenarios: o.scenarios, PublicURL: o.publicURL, TrustedProxies: trusted,
	})
	if err != nil {
		fmt.Fprintln(stderr, "paysandbox:", err)
		return 1
	}
	defer e.Close()

	var servers []*http.Server
	var lns []net.Listener
	var bound []string
	lns, bound = append(lns, httpLn), append(bound, "http://"+hostPort(httpLn))
	servers = append(servers, newServer(e.Handler()))
	if httpsLn != nil {
		cert, err := loadOrCreateCert(o.tlsCert, o.tlsKey, filepath.Dir(dataPath))
		if err != nil {
			fmt.Fprintln(stderr, "paysandbox: TLS:", err)
			return 1
		}
		srv := newServer(e.Handler())
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		lns, bound = append(lns, tls.NewListener(httpsLn, srv.TLSConfig)), append(bound, "https://"+hostPort(httpsLn))
		servers = append(servers, srv)
	}

	errc := make(chan error, len(servers))
	for i, srv := range servers {
		go func() { errc <- srv.Serve(lns[i]) }()
	}
	// After the listeners: background work, OpenAPI parsing included.
	e.Start()
	banner(stdout, e, bound, dataPath, o)
	log.Info("paysandbox ready", "version", version, "http", bound[0], "data", dataPath)
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

func newServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
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
	fmt.Fprintf(w, "  admin       %s/_sandbox/health\n", bound[0])
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
