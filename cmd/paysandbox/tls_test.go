package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
)

// trustingClient trusts only the CA in caFile and sends every name to addr,
// as browsers do with *.localhost.
func trustingClient(t *testing.T, caFile, addr string) *http.Client {
	t.Helper()
	pemBytes, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatalf("%s holds no certificate", caFile)
	}
	var d net.Dialer
	return sandboxtest.CheckingClient(t, &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		},
	})
}

func jwtClaims(t *testing.T, token string) map[string]any {
	t.Helper()
	claims, _ := sandboxtest.JWTClaims(t, token)
	return claims
}

// The https listener shows a leaf of the local CA for every local name; a
// token asked on the http port names the https listener in iss, and the URL
// the SDK derives from it (https://<organization>.<domain>/api) answers.
func TestHTTPSLeavesFromTheLocalCAAndTheIssuerReachesThem(t *testing.T) {
	data := filepath.Join(t.TempDir(), "p.db")
	in := start(t, data)
	caFile := filepath.Join(filepath.Dir(data), "paysandbox-ca.crt")
	if !strings.Contains(in.stdout.String(), caFile) {
		t.Errorf("the banner does not name the CA: %s", in.stdout.String())
	}
	u, _ := url.Parse(in.https)
	port := u.Port()
	client := trustingClient(t, caFile, "127.0.0.1:"+port)
	for _, host := range []string{"localhost", "auth.localhost", "paysandbox.localhost", "127.0.0.1"} {
		resp, err := client.Get("https://" + net.JoinHostPort(host, port) + "/_sandbox/health")
		if err != nil {
			t.Fatalf("%s: %v", host, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", host, resp.StatusCode)
		}
	}

	// A token asked on the http listener.
	plain := sandboxtest.CheckingClient(t, nil)
	resp, err := plain.Post(in.http+"/oauth/token", "application/json",
		strings.NewReader(`{"grant_type":"client_credentials","client_id":"paysandbox-sales-channel","scope":"market:code:EU"}`))
	if err != nil {
		t.Fatal(err)
	}
	var tok map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("token: %d %v", resp.StatusCode, tok)
	}
	access, _ := tok["access_token"].(string)
	c := jwtClaims(t, access)
	iss, _ := c["iss"].(string)
	if iss != "https://auth.localhost:"+port {
		t.Fatalf("iss %q, want the https listener https://auth.localhost:%s", iss, port)
	}
	// What @commercelayer/sdk derives: https://<slug>.<iss without https://auth.>/api.
	base := "https://" + c["organization"].(map[string]any)["slug"].(string) + "." + strings.TrimPrefix(iss, "https://auth.") + "/api"
	req, _ := http.NewRequest(http.MethodGet, base+"/skus", nil)
	req.Header.Set("Authorization", "Bearer "+access)
	req.Header.Set("Accept", "application/vnd.api+json")
	r2, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", base, err)
	}
	var skus struct {
		Data []map[string]any `json:"data"`
	}
	_ = json.NewDecoder(r2.Body).Decode(&skus)
	r2.Body.Close()
	if r2.StatusCode != http.StatusOK || len(skus.Data) == 0 {
		t.Fatalf("GET %s/skus: %d, %d SKUs", base, r2.StatusCode, len(skus.Data))
	}
	if c := r2.TLS.PeerCertificates[0]; strings.Join(c.DNSNames, ",") != "paysandbox.localhost" {
		t.Fatalf("leaf for %v", c.DNSNames)
	}

	// Asked where js-auth asks (https://auth.<domain>/oauth/token), the same iss.
	resp, err = client.Post("https://auth.localhost:"+port+"/oauth/token", "application/json",
		strings.NewReader(`{"grant_type":"client_credentials","client_id":"paysandbox-sales-channel","scope":"market:code:EU"}`))
	if err != nil {
		t.Fatal(err)
	}
	tok = nil
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("token over https: %d %v", resp.StatusCode, tok)
	}
	if got := jwtClaims(t, tok["access_token"].(string))["iss"]; got != iss {
		t.Fatalf("iss over https %v, over http %v", got, iss)
	}
}

func TestCACommand(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "sub", "p.db")
	var out, errb bytes.Buffer
	// Made on first ask, before any start.
	if code := run(context.Background(), []string{"ca", "--data", data}, noenv, &out, &errb); code != 0 {
		t.Fatalf("ca: %d %s", code, errb.String())
	}
	crt := filepath.Join(dir, "sub", "paysandbox-ca.crt")
	for _, want := range []string{crt, "NODE_EXTRA_CA_CERTS=" + crt, "curl --cacert " + crt, "update-ca-certificates", "--ignore-certificate-errors-spki-list="} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("ca output lacks %q:\n%s", want, out.String())
		}
	}
	fileBytes, err := os.ReadFile(crt)
	if err != nil {
		t.Fatal(err)
	}
	// --pem, with the data file from the environment.
	out.Reset()
	env := func(k string) string {
		if k == "PAYSANDBOX_DATA" {
			return data
		}
		return ""
	}
	if code := run(context.Background(), []string{"ca", "--pem"}, env, &out, &errb); code != 0 || out.String() != string(fileBytes) {
		t.Fatalf("ca --pem: %d %q", code, out.String())
	}
	if block, _ := pem.Decode(out.Bytes()); block == nil || block.Type != "CERTIFICATE" {
		t.Fatal("ca --pem is not a PEM certificate")
	}
	// The server uses that same CA.
	in := start(t, data)
	u, _ := url.Parse(in.https)
	resp, err := trustingClient(t, crt, "127.0.0.1:"+u.Port()).Get("https://localhost:" + u.Port() + "/_sandbox/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if code := run(context.Background(), []string{"ca", "extra"}, noenv, io.Discard, io.Discard); code != 2 {
		t.Fatalf("ca extra: %d", code)
	}
}

// --tls-cert/--tls-key still override the local CA.
func TestTLSCertOverridesTheCA(t *testing.T) {
	dir := t.TempDir()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "mine"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"mine.localhost"}}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	kder, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	_ = os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	_ = os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	data := filepath.Join(dir, "data", "p.db")
	in := start(t, data, "--tls-cert", certFile, "--tls-key", keyFile)
	insecure := sandboxtest.CheckingClient(t, &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}})
	resp, err := insecure.Get(in.https + "/_sandbox/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.TLS.PeerCertificates[0]; got.Subject.CommonName != "mine" {
		t.Fatalf("served %v", got.Subject)
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "paysandbox-ca.crt")); !os.IsNotExist(err) {
		t.Fatalf("a CA was made although --tls-cert was given: %v", err)
	}
}
