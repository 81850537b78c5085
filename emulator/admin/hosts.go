package admin

import (
	"net"
	"net/url"
	"os"
	"strings"
)

// The Host allow-list defeats DNS rebinding: a page on evil.example whose
// name is re-pointed at the emulator sends Host: evil.example and, being
// same-origin with itself, a matching Origin. So the admin API answers only
// Host names that are the emulator's own:
//
//   - localhost and *.localhost (browsers resolve these themselves);
//   - any IP address (an IP literal cannot be re-pointed by anyone's DNS);
//   - the machine's host name;
//   - the host names of the listen addresses and of the public URL;
//   - what --admin-hosts adds (exact names, or *.example.com; "*" turns the
//     check off).
//
// A request that carries a valid admin token skips the check: a rebinding
// page cannot send a token it does not know.

// hostList is the compiled allow-list.
type hostList struct {
	any      bool
	exact    map[string]bool
	suffixes []string // ".example.com" for *.example.com
}

func newHostList(extra []string) *hostList {
	h := &hostList{exact: map[string]bool{"localhost": true}, suffixes: []string{".localhost"}}
	if name, err := os.Hostname(); err == nil && name != "" {
		h.add(name)
		if short, _, ok := strings.Cut(name, "."); ok {
			h.add(short)
		}
	}
	for _, e := range extra {
		h.add(e)
	}
	return h
}

// add takes a host name, host:port, a URL, *.suffix or "*".
func (h *hostList) add(e string) {
	e = strings.TrimSpace(e)
	if e == "" {
		return
	}
	if e == "*" {
		h.any = true
		return
	}
	if strings.Contains(e, "://") {
		if u, err := url.Parse(e); err == nil {
			e = u.Host
		}
	}
	e = normalizeHost(e)
	if e == "" {
		return
	}
	if suffix, ok := strings.CutPrefix(e, "*."); ok {
		h.suffixes = append(h.suffixes, "."+suffix)
		return
	}
	h.exact[e] = true
}

// allowed reports whether a request's Host header names this emulator.
func (h *hostList) allowed(host string) bool {
	if h.any || host == "" { // no Host: HTTP/1.0, never a browser
		return true
	}
	name := normalizeHost(host)
	if name == "" {
		return false
	}
	if net.ParseIP(name) != nil {
		return true
	}
	if h.exact[name] {
		return true
	}
	for _, s := range h.suffixes {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return false
}

// normalizeHost lower-cases a host, drops the port, IPv6 brackets and a
// trailing dot ("localhost." is localhost).
func normalizeHost(host string) string {
	host = strings.ToLower(strings.TrimSpace(host))
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	host = strings.TrimSuffix(host, ".")
	if strings.ContainsAny(host, "/@ \\") {
		return ""
	}
	return host
}
