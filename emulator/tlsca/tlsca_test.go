package tlsca

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func open(t *testing.T, dir string) *Authority {
	t.Helper()
	a, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestOpenMakesTheCAOnceAndKeepsTheKeyPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	a := open(t, dir)
	key, err := os.Stat(filepath.Join(dir, KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if key.Mode().Perm() != 0o600 {
		t.Fatalf("key mode %v, want 0600", key.Mode().Perm())
	}
	if a.CertPath() != filepath.Join(dir, CertFile) {
		t.Fatalf("cert path %s", a.CertPath())
	}
	ca := a.Certificate()
	if !ca.IsCA || !ca.MaxPathLenZero || ca.KeyUsage&x509.KeyUsageCertSign == 0 {
		t.Fatalf("not a CA: %+v", ca)
	}
	if !ca.PermittedDNSDomainsCritical || strings.Join(ca.PermittedDNSDomains, ",") != "localhost" || len(ca.PermittedIPRanges) == 0 {
		t.Fatalf("name constraints: %v %v", ca.PermittedDNSDomains, ca.PermittedIPRanges)
	}
	if ca.PublicKeyAlgorithm != x509.ECDSA {
		t.Fatalf("key algorithm %v", ca.PublicKeyAlgorithm)
	}
	// A second start loads the same CA.
	b := open(t, dir)
	if !b.Certificate().Equal(ca) {
		t.Fatal("a second Open made a new CA")
	}
	pemFile, _ := os.ReadFile(a.CertPath())
	if string(pemFile) != string(a.CertPEM()) {
		t.Fatal("CertPEM differs from the file")
	}
	sum := sha256.Sum256(ca.RawSubjectPublicKeyInfo)
	if a.SPKIHash() != base64.StdEncoding.EncodeToString(sum[:]) {
		t.Fatal("SPKI hash")
	}
}

func TestOpenRefusesABrokenCA(t *testing.T) {
	dir := t.TempDir()
	open(t, dir)
	other := t.TempDir()
	open(t, other)
	// A certificate with another CA's key.
	k, _ := os.ReadFile(filepath.Join(other, KeyFile))
	if err := os.WriteFile(filepath.Join(dir, KeyFile), k, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, nil); err == nil || !strings.Contains(err.Error(), "key pair") {
		t.Fatalf("mismatched pair: %v", err)
	}
	// A key without its certificate (a crash between the two writes).
	lone := t.TempDir()
	if err := os.WriteFile(filepath.Join(lone, KeyFile), k, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(lone, nil); err == nil || !strings.Contains(err.Error(), "exists without") {
		t.Fatalf("lone key: %v", err)
	}
}

func TestConcurrentOpensAgreeOnOneCA(t *testing.T) {
	dir := t.TempDir()
	var wg sync.WaitGroup
	cas := make([]*x509.Certificate, 4)
	errs := make([]error, 4)
	for i := range cas {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, err := Open(dir, nil)
			errs[i] = err
			if err == nil {
				cas[i] = a.Certificate()
			}
		}()
	}
	wg.Wait()
	for i := range cas {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if !cas[i].Equal(cas[0]) {
			t.Fatal("two CAs made in one directory")
		}
	}
}

func TestNormalize(t *testing.T) {
	ok := map[string]string{
		"localhost": "localhost", "LocalHost.": "localhost", "auth.localhost": "auth.localhost",
		"paysandbox.localhost": "paysandbox.localhost", "a-b.c.localhost": "a-b.c.localhost",
		"127.0.0.1": "127.0.0.1", "127.1.2.3": "127.1.2.3", "::1": "::1", "[::1]": "::1",
		"192.168.1.20": "192.168.1.20", "10.0.0.1": "10.0.0.1", "fd00::1": "fd00::1",
		strings.Repeat("a", 63) + ".localhost": strings.Repeat("a", 63) + ".localhost",
	}
	for in, want := range ok {
		got, err := Normalize(in)
		if err != nil || got != want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	long := strings.Repeat("abcdefghi.", 25) + "localhost" // 259 characters
	for _, in := range []string{"", "example.com", "localhost.example.com", "evillocalhost", "commercelayer.io",
		"*.localhost", "a..localhost", ".localhost", "-a.localhost", "a-.localhost", "a_b.localhost", "ü.localhost",
		strings.Repeat("a", 64) + ".localhost", long, "8.8.8.8", "2001:4860::8888", "0.0.0.0", "::", "a.localhost\x00"} {
		if got, err := Normalize(in); !errors.Is(err, ErrName) {
			t.Errorf("Normalize(%q) = %q, %v; want ErrName", in, got, err)
		}
	}
}

func verify(t *testing.T, a *Authority, c *tls.Certificate, name string) error {
	t.Helper()
	inter := x509.NewCertPool()
	_, err := c.Leaf.Verify(x509.VerifyOptions{DNSName: name, Roots: a.Pool(), Intermediates: inter,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	return err
}

func TestLeavesVerifyForTheirNameOnly(t *testing.T) {
	a := open(t, t.TempDir())
	for _, name := range []string{"localhost", "auth.localhost", "paysandbox.localhost", "127.0.0.1", "::1"} {
		c, err := a.Leaf(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := verify(t, a, c, name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if len(c.Certificate) != 2 || string(c.Certificate[1]) != string(a.Certificate().Raw) {
			t.Errorf("%s: the chain does not end with the CA", name)
		}
		if c.Leaf.IsCA || c.Leaf.Subject.CommonName != "" || c.Leaf.NotAfter.Sub(c.Leaf.NotBefore) > 8*24*time.Hour {
			t.Errorf("%s: leaf %+v", name, c.Leaf)
		}
	}
	c, _ := a.Leaf("auth.localhost")
	if err := verify(t, a, c, "paysandbox.localhost"); err == nil {
		t.Fatal("a leaf for auth.localhost verified for paysandbox.localhost")
	}
	if _, err := a.Leaf("example.com"); !errors.Is(err, ErrName) {
		t.Fatalf("example.com: %v", err)
	}
	// Cached: the same leaf again.
	again, _ := a.Leaf("AUTH.localhost")
	if again != c {
		t.Fatal("the leaf was not cached")
	}
	if a.Cached() != 5 {
		t.Fatalf("cached %d", a.Cached())
	}
}

// The name constraints hold even for a certificate made with the CA's own key
// outside the issuer's checks (a stolen key).
func TestNameConstraintsStopInternetNames(t *testing.T) {
	a := open(t, t.TempDir())
	for _, names := range [][]string{{"example.com"}, {"8.8.8.8"}} {
		c, err := a.issue(names, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := verify(t, a, c, names[0]); err == nil {
			t.Errorf("a certificate for %s verified", names[0])
		} else if !strings.Contains(err.Error(), "constraint") {
			t.Errorf("%s: %v", names[0], err)
		}
	}
}

func TestCacheIsBoundedAndRenews(t *testing.T) {
	now := time.Now()
	clock := func() time.Time { return now }
	a, err := Open(t.TempDir(), clock)
	if err != nil {
		t.Fatal(err)
	}
	first, _ := a.Leaf("s0.localhost")
	for i := range MaxLeaves + 10 {
		if _, err := a.Leaf(fmt.Sprintf("s%d.localhost", i)); err != nil {
			t.Fatal(err)
		}
	}
	if a.Cached() != MaxLeaves {
		t.Fatalf("cached %d, want %d", a.Cached(), MaxLeaves)
	}
	if again, _ := a.Leaf("s0.localhost"); again == first {
		t.Fatal("the oldest leaf was not evicted")
	}
	c, _ := a.Leaf("renew.localhost")
	now = now.Add(leafLifetime - leafRenewal + time.Minute)
	if d, _ := a.Leaf("renew.localhost"); d == c || !d.Leaf.NotAfter.After(c.Leaf.NotAfter) {
		t.Fatal("a leaf near its end was not renewed")
	}
	if a.Cached() != MaxLeaves {
		t.Fatalf("renewal changed the cache size: %d", a.Cached())
	}
}

// Over a real TLS server: a client trusting only the CA reaches every
// localhost name and loopback address; without SNI it gets the default leaf.
func TestServerIssuesPerSNI(t *testing.T) {
	a := open(t, t.TempDir())
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello "+r.Host)
	}))
	// Not StartTLS: it would add httptest's own certificate, which Go prefers
	// to GetCertificate for a client without SNI.
	srv.Listener = tls.NewListener(srv.Listener, a.TLSConfig())
	srv.Start()
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	dialer := &net.Dialer{}
	client := &http.Client{Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: a.Pool()},
		// Every name reaches the test server, as *.localhost does in browsers.
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, srv.Listener.Addr().String())
		},
	}, Timeout: 5 * time.Second}
	for _, host := range []string{"localhost", "auth.localhost", "paysandbox.localhost", "127.0.0.1"} {
		resp, err := client.Get("https://" + net.JoinHostPort(host, port) + "/")
		if err != nil {
			t.Fatalf("%s: %v", host, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != "hello "+net.JoinHostPort(host, port) {
			t.Fatalf("%s: %d %s", host, resp.StatusCode, body)
		}
		names := append(resp.TLS.PeerCertificates[0].DNSNames, ipStrings(resp.TLS.PeerCertificates[0].IPAddresses)...)
		if !contains(names, host) {
			t.Fatalf("%s: leaf names %v", host, names)
		}
	}
	// A name the CA refuses: the default leaf, which the client rejects.
	_, err := client.Get("https://example.com:" + port + "/")
	var herr x509.HostnameError
	if !errors.As(err, &herr) || !contains(herr.Certificate.DNSNames, "localhost") {
		t.Fatalf("example.com: %v", err)
	}
}

func ipStrings(ips []net.IP) []string {
	var out []string
	for _, ip := range ips {
		out = append(out, ip.String())
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// BenchmarkIssue is the cost of the first handshake for a new name.
func BenchmarkIssue(b *testing.B) {
	a, err := Open(b.TempDir(), nil)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; b.Loop(); i++ {
		if _, err := a.issue([]string{fmt.Sprintf("s%d.localhost", i)}, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpenNew is the first start's cost: making the CA.
func BenchmarkOpenNew(b *testing.B) {
	dir := b.TempDir()
	for i := 0; b.Loop(); i++ {
		if _, err := Open(filepath.Join(dir, fmt.Sprint(i)), nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpenExisting is every later start's: loading it.
func BenchmarkOpenExisting(b *testing.B) {
	dir := b.TempDir()
	if _, err := Open(dir, nil); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Open(dir, nil); err != nil {
			b.Fatal(err)
		}
	}
}
