package platform

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

// Links decides the base URL of every absolute link the emulator builds
// (payment pages, redirects, hosted pages, JSON:API links): the one place
// that knows how browsers reach the emulator.
//
// In order: the public URL when set (--public-url); else X-Forwarded-Proto
// and X-Forwarded-Host when the peer is a trusted proxy; else the request's
// own scheme and Host header.
type Links struct {
	// Public is scheme://host[:port][/prefix] without a trailing slash, or "".
	Public string
	// Trusted are the peers whose X-Forwarded-* headers are believed. Nil
	// means loopback peers only (a proxy on the same host or in the same
	// container); an empty, non-nil slice trusts no one.
	Trusted []netip.Prefix
}

// loopback is the default set of trusted proxies.
var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

// ParsePublicURL checks a --public-url value and returns it without a
// trailing slash.
func ParsePublicURL(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("public URL %q: want http(s)://host[:port][/prefix], no query, user or fragment", s)
	}
	return strings.TrimSuffix(u.String(), "/"), nil
}

// ParseTrustedProxies reads a comma-separated list of IP addresses and CIDR
// prefixes; "loopback" is 127.0.0.0/8 and ::1, "none" trusts no proxy.
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	out := []netip.Prefix{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		switch {
		case part == "":
		case part == "none":
		case part == "loopback":
			out = append(out, loopback...)
		case strings.Contains(part, "/"):
			p, err := netip.ParsePrefix(part)
			if err != nil {
				return nil, fmt.Errorf("trusted proxy %q: want an IP address or a CIDR prefix", part)
			}
			out = append(out, p.Masked())
		default:
			a, err := netip.ParseAddr(part)
			if err != nil {
				return nil, fmt.Errorf("trusted proxy %q: want an IP address or a CIDR prefix", part)
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
		}
	}
	return out, nil
}

type linksKey struct{}

// Handler puts l into every request's context, where BaseURL reads it. The
// default policy needs no context value (no allocation per request).
func (l *Links) Handler(next http.Handler) http.Handler {
	if l.Public == "" && l.Trusted == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), linksKey{}, l)))
	})
}

var defaultLinks = &Links{}

func linksOf(ctx context.Context) *Links {
	if l, ok := ctx.Value(linksKey{}).(*Links); ok && l != nil {
		return l
	}
	return defaultLinks
}

// base is BaseURL under l.
func (l *Links) base(r *http.Request) string {
	if l.Public != "" {
		return l.Public
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := r.Host
	if l.trusts(r.RemoteAddr) {
		if p := firstValue(r.Header.Get("X-Forwarded-Proto")); p == "http" || p == "https" {
			scheme = p
		}
		if h := firstValue(r.Header.Get("X-Forwarded-Host")); validHost(h) {
			host = h
		}
	}
	return scheme + "://" + host
}

func (l *Links) trusts(remote string) bool {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	a = a.Unmap()
	trusted := l.Trusted
	if trusted == nil {
		trusted = loopback
	}
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// firstValue is the first entry of a comma-separated header (the one the
// outermost proxy set).
func firstValue(v string) string {
	if i := strings.IndexByte(v, ','); i >= 0 {
		v = v[:i]
	}
	return strings.TrimSpace(v)
}

// validHost accepts host or host:port and nothing a link could be bent with.
func validHost(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	u, err := url.Parse("http://" + h)
	return err == nil && u.Host == h && u.User == nil && u.Path == "" && u.RawQuery == "" && !strings.ContainsAny(h, " \\\"'<>")
}
