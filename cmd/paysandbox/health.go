package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// health asks a running instance whether it is ready; the Docker image has
// no curl, so its HEALTHCHECK runs this.
func health(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("paysandbox health", flag.ContinueOnError)
	fs.SetOutput(stderr)
	def := getenv("PAYSANDBOX_HEALTH_URL")
	if def == "" {
		addr := getenv("PAYSANDBOX_ADDR")
		if addr == "" {
			addr = ":8910"
		}
		def = "http://" + localAddr(addr)
	}
	base := fs.String("url", def, "base URL of the instance (env PAYSANDBOX_HEALTH_URL; default from PAYSANDBOX_ADDR)")
	timeout := fs.Duration("timeout", 3*time.Second, "how long to wait for an answer")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL(*base)+"/_sandbox/health", nil)
	if err != nil {
		fmt.Fprintf(stderr, "paysandbox health: --url %q: want http://host:port, host:port or :port\n", *base)
		return 2
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintln(stderr, "paysandbox health: not answering:", err)
		return 1
	}
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
	}
	_ = json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&body)
	if resp.StatusCode != http.StatusOK || body.Status != "ready" {
		fmt.Fprintf(stderr, "paysandbox health: %d %s\n", resp.StatusCode, body.Status)
		return 1
	}
	fmt.Fprintln(stdout, "ready")
	return 0
}

// localAddr turns a listen address (":8910", "0.0.0.0:8910") into one to dial.
func localAddr(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return listen
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// baseURL accepts what users type: a URL, host:port or :port.
func baseURL(s string) string {
	s = strings.TrimSuffix(strings.TrimSpace(s), "/")
	if !strings.Contains(s, "://") {
		if strings.HasPrefix(s, ":") {
			s = "127.0.0.1" + s
		}
		s = "http://" + s
	}
	return s
}
