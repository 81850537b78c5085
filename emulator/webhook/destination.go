package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Destinations is the policy every outbound call goes through. It is checked
// when the connection is made (net.Dialer.Control sees the address actually
// dialled), so a name that resolves to one address when checked and another
// when dialled (DNS rebinding) cannot get past it.
//
//   - Never the emulator itself: any address of this machine on a port the
//     emulator listens on (a notification_url of /_sandbox/reset must not
//     reset anything), nor the unspecified address (0.0.0.0 reaches this
//     machine).
//   - http and https only.
//   - With no allow list (the default, for a machine of your own, tests and
//     docker networks) any other destination. With an allow list
//     (--webhook-allow, for a shared instance), loopback, private,
//     link-local and shared (CGNAT) addresses only when the address is in a
//     listed CIDR or the URL's host matches a listed host pattern; public
//     addresses stay reachable.
//   - A receiver's answer body is recorded only for a destination allowed
//     by default or by the list, so no one reads an internal service's
//     answer through /_sandbox/webhooks.
type Destinations struct {
	allow atomic.Pointer[allowList]

	mu        sync.Mutex
	ports     atomic.Pointer[map[int]bool]
	addrs     atomic.Pointer[map[netip.Addr]bool] // this machine's addresses
	hosts     atomic.Pointer[map[string]bool]     // this emulator's own host names
	addrsRead time.Time
}

type allowList struct {
	prefixes []netip.Prefix
	hosts    []string // "name" or "*.suffix"
}

// ErrRefused wraps every refusal of the destination policy.
var ErrRefused = errors.New("refused by the webhook destination policy")

// ParseAllow reads --webhook-allow: comma-separated CIDRs, addresses and host
// patterns ("receiver", "*.team.internal").
func ParseAllow(s string) ([]string, error) {
	var out []string
	for _, e := range strings.Split(s, ",") {
		e = strings.ToLower(strings.TrimSpace(e))
		if e == "" {
			continue
		}
		if _, err := parseEntry(e); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

func parseEntry(e string) (netip.Prefix, error) {
	if p, err := netip.ParsePrefix(e); err == nil {
		return p.Masked(), nil
	}
	if a, err := netip.ParseAddr(e); err == nil {
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	name := strings.TrimPrefix(e, "*.")
	if name == "" || strings.ContainsAny(name, "/*:@ ") {
		return netip.Prefix{}, fmt.Errorf("--webhook-allow %q: want a CIDR (10.0.0.0/8), an address or a host pattern (receiver, *.example.internal)", e)
	}
	return netip.Prefix{}, nil
}

// SetAllow installs the allow list (nil or empty: the default policy).
func (d *Destinations) SetAllow(entries []string) error {
	if len(entries) == 0 {
		d.allow.Store(nil)
		return nil
	}
	al := &allowList{}
	for _, e := range entries {
		e = strings.ToLower(strings.TrimSpace(e))
		p, err := parseEntry(e)
		if err != nil {
			return err
		}
		if p.IsValid() {
			al.prefixes = append(al.prefixes, p)
		} else {
			al.hosts = append(al.hosts, e)
		}
	}
	d.allow.Store(al)
	return nil
}

// NoteListener records an address the emulator serves on (its port, and its
// address when specific), so that no delivery is sent to it. The emulator
// calls it for every request with the local address the request arrived on,
// which covers listeners nobody told us about (httptest, embedding).
func (d *Destinations) NoteListener(addr net.Addr) {
	var ip netip.Addr
	var port int
	if ta, ok := addr.(*net.TCPAddr); ok { // every request: no allocation
		ip, _ = netip.AddrFromSlice(ta.IP)
		port = ta.Port
	} else {
		ap, err := netip.ParseAddrPort(addr.String())
		if err != nil {
			return
		}
		ip, port = ap.Addr(), int(ap.Port())
	}
	ip = ip.Unmap()
	if m := d.ports.Load(); m != nil && (*m)[port] {
		if ip.IsUnspecified() {
			return
		}
		if a := d.addrs.Load(); a != nil && (*a)[ip] {
			return
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	ports := map[int]bool{port: true}
	if m := d.ports.Load(); m != nil {
		for p := range *m {
			ports[p] = true
		}
	}
	d.ports.Store(&ports)
	if !ip.IsUnspecified() {
		d.addLocked(ip)
	}
}

// NoteHost records a host name the emulator is reached by (its public URL's),
// refused as a destination on the emulator's ports whatever it resolves to.
func (d *Destinations) NoteHost(host string) {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	d.mu.Lock()
	defer d.mu.Unlock()
	hosts := map[string]bool{host: true}
	if m := d.hosts.Load(); m != nil {
		for h := range *m {
			hosts[h] = true
		}
	}
	d.hosts.Store(&hosts)
}

func (d *Destinations) addLocked(ips ...netip.Addr) {
	addrs := map[netip.Addr]bool{}
	if m := d.addrs.Load(); m != nil {
		for a := range *m {
			addrs[a] = true
		}
	}
	for _, ip := range ips {
		addrs[ip] = true
	}
	d.addrs.Store(&addrs)
}

// local tells whether ip is an address of this machine. Interface addresses
// are re-read at most every 30 seconds (containers gain addresses).
func (d *Destinations) local(ip netip.Addr) bool {
	if ip.IsLoopback() || ip.IsUnspecified() {
		return true
	}
	d.mu.Lock()
	if time.Since(d.addrsRead) > 30*time.Second {
		d.addrsRead = time.Now()
		if ifas, err := net.InterfaceAddrs(); err == nil {
			var ips []netip.Addr
			for _, a := range ifas {
				if p, err := netip.ParsePrefix(a.String()); err == nil {
					ips = append(ips, p.Addr().Unmap())
				}
			}
			d.addLocked(ips...)
		}
	}
	d.mu.Unlock()
	m := d.addrs.Load()
	return m != nil && (*m)[ip]
}

func (d *Destinations) ownPort(port int) bool {
	m := d.ports.Load()
	return m != nil && (*m)[port]
}

// internal: an address a shared instance must not reach unless allowed.
func internal(ip netip.Addr) bool {
	return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsUnspecified() || ip.IsMulticast() || cgnat.Contains(ip) || ip.IsInterfaceLocalMulticast()
}

var cgnat = netip.MustParsePrefix("100.64.0.0/10")

func hostMatches(patterns []string, host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, p := range patterns {
		if suffix, ok := strings.CutPrefix(p, "*."); ok {
			if strings.HasSuffix(host, "."+suffix) {
				return true
			}
		} else if host == p {
			return true
		}
	}
	return false
}

// verdict of one dial, shared between the dialer and the attempt.
type verdict struct {
	mu     sync.Mutex
	hidden bool // the answer body must not be recorded
}

type verdictKey struct{}

// checkURL refuses what can be told from the URL alone.
func (d *Destinations) checkURL(scheme, host string, port int) error {
	if scheme != "http" && scheme != "https" {
		return fmt.Errorf("%w: only http and https URLs are called", ErrRefused)
	}
	if m := d.hosts.Load(); m != nil && (*m)[strings.ToLower(strings.TrimSuffix(host, "."))] && d.ownPort(port) {
		return fmt.Errorf("%w: that is the emulator itself", ErrRefused)
	}
	return nil
}

// check judges the address actually dialled for a URL naming host.
func (d *Destinations) check(host string, ip netip.Addr, port int) (hidden bool, err error) {
	ip = ip.Unmap()
	if ip.IsUnspecified() || (d.ownPort(port) && d.local(ip)) {
		return true, fmt.Errorf("%w: that is the emulator itself", ErrRefused)
	}
	al := d.allow.Load()
	if al == nil {
		return false, nil
	}
	for _, p := range al.prefixes {
		if p.Contains(ip) {
			return false, nil
		}
	}
	if hostMatches(al.hosts, host) {
		return false, nil
	}
	if internal(ip) {
		return true, fmt.Errorf("%w: the address is not in --webhook-allow", ErrRefused)
	}
	return false, nil
}

// dialContext dials through the policy.
func (d *Destinations) dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	port, _ := strconv.Atoi(portStr)
	v, _ := ctx.Value(verdictKey{}).(*verdict)
	dialer := &net.Dialer{Timeout: 10 * time.Second, Control: func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("%w: unreadable address", ErrRefused)
		}
		hidden, err := d.check(host, ap.Addr(), port)
		if v != nil && hidden {
			v.mu.Lock()
			v.hidden = true
			v.mu.Unlock()
		}
		return err
	}}
	return dialer.DialContext(ctx, network, addr)
}
