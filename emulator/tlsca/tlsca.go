// Package tlsca is paysandbox's local certificate authority, the way Caddy's
// internal issuer and mkcert work: one CA, made once and kept in a directory
// (beside the data file), that issues a leaf certificate for each name a
// client asks for by SNI (localhost, auth.localhost, <slug>.localhost,
// 127.0.0.1, ::1...). Trust the CA once (NODE_EXTRA_CA_CERTS, curl --cacert,
// the OS store) and every such name verifies, which a wildcard for
// *.localhost never does: Node, OpenSSL and browsers refuse wildcards
// directly under a top-level name.
//
// Safety: the CA carries X.509 name constraints (localhost names and
// loopback, private and link-local addresses only), so even its key, if
// stolen, cannot make a certificate that a client trusting it accepts for an
// internet name; and the issuer itself refuses any other name. Leaves live in
// memory only, at most MaxLeaves of them.
package tlsca

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// File names of the CA inside its directory.
const (
	CertFile = "paysandbox-ca.crt"
	KeyFile  = "paysandbox-ca.key"
)

// Lifetimes: the CA lasts long enough to be trusted once; leaves are short
// (they are made again on demand) and renewed well before they end.
const (
	caLifetime    = 10 * 365 * 24 * time.Hour
	leafLifetime  = 7 * 24 * time.Hour
	leafRenewal   = 24 * time.Hour
	clockSkew     = time.Hour
	MaxLeaves     = 256
	maxNameLength = 253
)

// permittedNets are the addresses the CA may vouch for: loopback, private
// (RFC 1918, RFC 4193) and link-local. A public address is not ours to name.
var permittedNets = func() []*net.IPNet {
	var out []*net.IPNet
	for _, s := range []string{"127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16",
		"::1/128", "fc00::/7", "fe80::/10"} {
		_, n, _ := net.ParseCIDR(s)
		out = append(out, n)
	}
	return out
}()

// Authority is a loaded CA and its cache of leaves.
type Authority struct {
	dir  string
	cert *x509.Certificate
	der  []byte
	key  crypto.Signer
	now  func() time.Time

	mu     sync.Mutex
	leaves map[string]*tls.Certificate
	order  []string // insertion order, for eviction
}

// Open loads the CA kept in dir, making it (and dir) on first use. The key
// file is 0600. now is the time source (time.Now when nil).
func Open(dir string, now func() time.Time) (*Authority, error) {
	if now == nil {
		now = time.Now
	}
	a := &Authority{dir: dir, now: now, leaves: map[string]*tls.Certificate{}}
	if err := a.load(); err == nil {
		return a, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("tlsca: %w", err)
	}
	if err := create(dir, now()); err != nil {
		return nil, err
	}
	if err := a.load(); err != nil {
		return nil, err
	}
	return a, nil
}

// CertPath is the CA certificate's file, the one to trust.
func (a *Authority) CertPath() string { return filepath.Join(a.dir, CertFile) }

// Certificate is the CA certificate.
func (a *Authority) Certificate() *x509.Certificate { return a.cert }

// CertPEM is the CA certificate in PEM.
func (a *Authority) CertPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: a.der})
}

// SPKIHash is the base64 SHA-256 of the CA's public key, the form Chromium's
// --ignore-certificate-errors-spki-list takes.
func (a *Authority) SPKIHash() string {
	sum := sha256.Sum256(a.cert.RawSubjectPublicKeyInfo)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// Pool is a certificate pool holding only the CA (for Go clients).
func (a *Authority) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(a.cert)
	return p
}

func (a *Authority) load() error {
	certPEM, err := os.ReadFile(filepath.Join(a.dir, CertFile))
	if err != nil {
		return err
	}
	keyPEM, err := os.ReadFile(filepath.Join(a.dir, KeyFile))
	if err != nil {
		return err
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return fmt.Errorf("tlsca: %s and %s do not make a key pair (remove both to make a new CA): %w", CertFile, KeyFile, err)
	}
	cert, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return fmt.Errorf("tlsca: %s: %w", CertFile, err)
	}
	if !cert.IsCA {
		return fmt.Errorf("tlsca: %s is not a CA certificate (remove it and %s to make a new CA)", CertFile, KeyFile)
	}
	signer, ok := pair.PrivateKey.(crypto.Signer)
	if !ok {
		return fmt.Errorf("tlsca: %s: unsupported key", KeyFile)
	}
	a.cert, a.der, a.key = cert, pair.Certificate[0], signer
	return nil
}

// create makes a CA in dir. The key is published first with a hard link,
// which fails when it exists, so two processes starting together do not
// overwrite each other: the loser waits for the winner's certificate.
func create(dir string, now time.Time) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	spki, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return err
	}
	skid := sha256.Sum256(spki)
	ips := append([]*net.IPNet(nil), permittedNets...)
	host, _ := os.Hostname()
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject: pkix.Name{
			Organization:       []string{"paysandbox local CA"},
			OrganizationalUnit: []string{host},
			CommonName:         "paysandbox local CA " + now.UTC().Format("2006-01-02"),
		},
		NotBefore:             now.Add(-clockSkew),
		NotAfter:              now.Add(caLifetime),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true, IsCA: true, MaxPathLenZero: true,
		SubjectKeyId:                skid[:20],
		PermittedDNSDomainsCritical: true,
		PermittedDNSDomains:         []string{"localhost"}, // localhost and every name under it
		PermittedIPRanges:           ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	keyPath, certPath := filepath.Join(dir, KeyFile), filepath.Join(dir, CertFile)
	if err := publish(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		if !errors.Is(err, os.ErrExist) {
			return fmt.Errorf("tlsca: writing %s: %w", keyPath, err)
		}
		// Another process is making the CA: wait for its certificate.
		for range 100 {
			if _, err := os.Stat(certPath); err == nil {
				return nil
			}
			time.Sleep(20 * time.Millisecond)
		}
		return fmt.Errorf("tlsca: %s exists without %s (remove it to make a new CA)", keyPath, certPath)
	}
	if err := publish(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return fmt.Errorf("tlsca: writing %s: %w", certPath, err)
	}
	return nil
}

// publish writes data to a temporary file and links it at path, failing
// with os.ErrExist when path exists.
func publish(path string, data []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".paysandbox-ca-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() { _ = os.Remove(tmp) }() // gone once linked; otherwise a leftover to drop
	if err := f.Chmod(mode); err != nil {
		_ = f.Close() // the first error is the one to report
		return err
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Link(tmp, path)
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	return n
}

// ErrName is returned for a name the CA does not issue for.
var ErrName = errors.New("tlsca: not a name this local CA issues for (localhost, *.localhost, or a loopback, private or link-local address)")

// Normalize checks a name a client asked for and returns it in canonical
// form: a lower-case localhost name (localhost or under it, letters, digits
// and hyphens, labels of 1 to 63, at most 253 in all) or an IP literal in a
// permitted range.
func Normalize(name string) (string, error) {
	if len(name) == 0 || len(name) > maxNameLength+1 {
		return "", ErrName
	}
	if ip := net.ParseIP(strings.Trim(name, "[]")); ip != nil {
		if !permittedIP(ip) {
			return "", ErrName
		}
		return ip.String(), nil
	}
	n := strings.TrimSuffix(strings.ToLower(name), ".")
	if len(n) > maxNameLength || (n != "localhost" && !strings.HasSuffix(n, ".localhost")) {
		return "", ErrName
	}
	for _, label := range strings.Split(n, ".") {
		if len(label) == 0 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return "", ErrName
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return "", ErrName
			}
		}
	}
	return n, nil
}

func permittedIP(ip net.IP) bool {
	for _, n := range permittedNets {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

// Leaf returns a certificate for name (see Normalize), from the cache or
// freshly issued. The chain it carries ends with the CA.
func (a *Authority) Leaf(name string) (*tls.Certificate, error) {
	n, err := Normalize(name)
	if err != nil {
		return nil, err
	}
	return a.leaf(n, []string{n})
}

// defaultNames are what a client that sends no SNI (an IP literal in the
// URL) gets, with the address it reached.
var defaultNames = []string{"localhost", "127.0.0.1", "::1"}

func (a *Authority) leaf(key string, names []string) (*tls.Certificate, error) {
	now := a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	if c, ok := a.leaves[key]; ok && now.Add(leafRenewal).Before(c.Leaf.NotAfter) {
		return c, nil
	}
	c, err := a.issue(names, now)
	if err != nil {
		return nil, err
	}
	if _, ok := a.leaves[key]; !ok {
		if len(a.order) >= MaxLeaves {
			delete(a.leaves, a.order[0])
			a.order = a.order[1:]
		}
		a.order = append(a.order, key)
	}
	a.leaves[key] = c
	return c, nil
}

// Cached is how many leaves are in memory.
func (a *Authority) Cached() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.leaves)
}

func (a *Authority) issue(names []string, now time.Time) (*tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		// An empty subject (the SAN extension is then critical): a common
		// name would be checked against the DNS constraint by OpenSSL even
		// for an IP-only leaf.
		NotBefore:             now.Add(-clockSkew),
		NotAfter:              now.Add(leafLifetime),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		AuthorityKeyId:        a.cert.SubjectKeyId,
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	if tmpl.NotAfter.After(a.cert.NotAfter) {
		tmpl.NotAfter = a.cert.NotAfter
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.cert, &key.PublicKey, a.key)
	if err != nil {
		return nil, fmt.Errorf("tlsca: issuing for %v: %w", names, err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &tls.Certificate{Certificate: [][]byte{der, a.der}, PrivateKey: key, Leaf: leaf}, nil
}

// GetCertificate is tls.Config.GetCertificate: a leaf for the SNI name.
// Without SNI (a client that dialled an IP literal) the leaf names
// localhost, the loopback addresses and the local address the client
// reached when that is a permitted one. A name the CA does not issue for
// gets the same default leaf, so the client reports a name mismatch
// (clearer than a failed handshake, and `curl -k` still works).
func (a *Authority) GetCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	if hello.ServerName != "" {
		if n, err := Normalize(hello.ServerName); err == nil {
			return a.leaf(n, []string{n})
		}
	}
	names, key := defaultNames, "default"
	if hello.Conn != nil {
		if addr, ok := hello.Conn.LocalAddr().(*net.TCPAddr); ok && permittedIP(addr.IP) && !addr.IP.IsLoopback() {
			ip := addr.IP.String()
			names, key = append(append([]string(nil), defaultNames...), ip), "default "+ip
		}
	}
	return a.leaf(key, names)
}

// TLSConfig is a server configuration issuing leaves on demand.
func (a *Authority) TLSConfig() *tls.Config {
	return &tls.Config{GetCertificate: a.GetCertificate, MinVersion: tls.VersionTLS12}
}
