package webhook

import (
	"net"
	"net/netip"
	"testing"
)

// Noting the listener runs on every request: it must not allocate.
func TestNoteListenerDoesNotAllocate(t *testing.T) {
	d := &Destinations{}
	addr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8910}
	d.NoteListener(addr)
	if n := testing.AllocsPerRun(100, func() { d.NoteListener(addr) }); n != 0 {
		t.Fatalf("%v allocations per request", n)
	}
	if !d.ownPort(8910) || d.ownPort(8911) {
		t.Fatal("port not noted")
	}
}

func TestDestinationPolicy(t *testing.T) {
	d := &Destinations{}
	d.NoteListener(&net.TCPAddr{IP: net.IPv6zero, Port: 8910})
	if err := d.SetAllow([]string{"10.1.0.0/16", "192.168.5.7", "*.team.internal", "receiver"}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		host, ip string
		port     int
		ok       bool
	}{
		{"x", "127.0.0.1", 8910, false},     // ourselves
		{"x", "0.0.0.0", 9000, false},       // reaches this machine
		{"x", "10.1.2.3", 80, true},         // listed CIDR
		{"x", "10.2.0.1", 80, false},        // private, unlisted
		{"x", "192.168.5.7", 80, true},      // listed address
		{"x", "169.254.169.254", 80, false}, // cloud metadata
		{"x", "100.64.0.1", 80, false},      // shared address space
		{"x", "fd00::1", 80, false},         // unique local
		{"x", "::ffff:10.2.0.1", 80, false}, // mapped IPv4
		{"a.team.internal", "10.9.9.9", 80, true},
		{"team.internal", "10.9.9.9", 80, false}, // the pattern wants a subdomain
		{"receiver", "172.18.0.5", 80, true},
		{"public.example", "93.184.215.14", 443, true},
	}
	for _, c := range cases {
		_, err := d.check(c.host, netip.MustParseAddr(c.ip), c.port)
		if (err == nil) != c.ok {
			t.Errorf("%s (%s:%d): %v", c.host, c.ip, c.port, err)
		}
	}
	for _, bad := range []string{"http://x", "10.0.0.0/33", "a b", "*"} {
		if _, err := ParseAllow(bad); err == nil {
			t.Errorf("ParseAllow(%q) accepted", bad)
		}
	}
}
