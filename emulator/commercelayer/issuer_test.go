package commercelayer

import "testing"

func TestIssuer(t *testing.T) {
	cases := []struct {
		host    string
		overTLS bool
		port    int
		want    string
	}{
		// Asked on the http port: iss names the https listener.
		{"localhost:8910", false, 8911, "https://auth.localhost:8911"},
		{"auth.localhost:8910", false, 8911, "https://auth.localhost:8911"},
		{"paysandbox.localhost:8910", false, 8911, "https://auth.localhost:8911"},
		{"127.0.0.1:8910", false, 8911, "https://auth.localhost:8911"},
		{"[::1]:8910", false, 8911, "https://auth.localhost:8911"},
		{"LOCALHOST", false, 8911, "https://auth.localhost:8911"},
		{"shop.lvh.me:8910", false, 8911, "https://auth.lvh.me:8911"},
		// Asked over TLS: the port the client reached.
		{"auth.localhost:8911", true, 8911, "https://auth.localhost:8911"},
		{"localhost", true, 8911, "https://auth.localhost"},
		{"127.0.0.1:9443", true, 8911, "https://auth.localhost:9443"},
		// No https listener: as asked (a TLS proxy in front).
		{"localhost:8910", false, 0, "https://auth.localhost:8910"},
		{"127.0.0.1:8910", false, 0, "https://auth.localhost:8910"},
		// Not this machine: as asked.
		{"sandbox.example.com", false, 8911, "https://auth.sandbox.example.com"},
		{"auth.sandbox.example.com:8443", false, 8911, "https://auth.sandbox.example.com:8443"},
		{"192.168.1.20:8910", false, 8911, "https://auth.192.168.1.20:8910"},
	}
	for _, c := range cases {
		slug := orgFromHost(c.host)
		if slug == "" {
			slug = "paysandbox"
		}
		if got := issuer(c.host, slug, c.overTLS, c.port); got != c.want {
			t.Errorf("issuer(%q, overTLS=%v, %d) = %q, want %q", c.host, c.overTLS, c.port, got, c.want)
		}
	}
}
