package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"

	"github.com/paysandbox/paysandbox/emulator/tlsca"
)

// serverTLS is the https listener's configuration: the pair given with
// --tls-cert/--tls-key, else leaves issued on demand (per SNI name) by the
// local CA kept beside the data file, because some official SDKs only speak
// https and derive host names (<organization>.localhost) from tokens.
// fallbackDir (the ephemeral data file's temporary directory) holds the CA
// when the data file's directory cannot.
func serverTLS(o *options, fallbackDir string) (*tls.Config, error) {
	if o.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(o.tlsCert, o.tlsKey)
		if err != nil {
			return nil, err
		}
		return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
	}
	ca, err := tlsca.Open(caDir(o.data), nil)
	if err != nil && o.ephemeral && fallbackDir != "" && errors.Is(err, fs.ErrPermission) {
		ca, err = tlsca.Open(fallbackDir, nil)
	}
	if err != nil {
		return nil, err
	}
	o.caCert = ca.CertPath()
	return ca.TLSConfig(), nil
}

// caDir is where the local CA lives: beside the data file (the one given,
// also with --ephemeral, so that the CA a user trusted outlives the run).
func caDir(data string) string {
	dir := filepath.Dir(data)
	if abs, err := filepath.Abs(dir); err == nil {
		return abs
	}
	return dir
}

// caCmd is `paysandbox ca`: where the local CA is (made now if missing, so it
// can be trusted before the first start) and how to trust it.
func caCmd(_ context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("paysandbox ca", flag.ContinueOnError)
	fs.SetOutput(stderr)
	def := "paysandbox.db"
	if v := getenv("PAYSANDBOX_DATA"); v != "" {
		def = v
	}
	data := fs.String("data", def, "the data file the CA is kept beside (env PAYSANDBOX_DATA)")
	pemOnly := fs.Bool("pem", false, "print only the CA certificate, in PEM (e.g. out of a container)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "paysandbox ca: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	ca, err := tlsca.Open(caDir(*data), nil)
	if err != nil {
		fmt.Fprintln(stderr, "paysandbox ca:", err)
		return 1
	}
	if *pemOnly {
		_, _ = stdout.Write(ca.CertPEM())
		return 0
	}
	crt := ca.CertPath()
	fmt.Fprintf(stdout, `paysandbox local certificate authority
  certificate  %[1]s
  key          %[2]s (0600; keep it private)
  issues for   localhost, *.localhost, loopback, private and link-local addresses (name-constrained)
  SPKI sha256  %[3]s

The https listener (:8911) shows a certificate this CA issues for the name asked
(localhost, auth.localhost, <organization>.localhost, 127.0.0.1 ...). Trust the CA once:

  Node           NODE_EXTRA_CA_CERTS=%[1]s node app.js
  curl           curl --cacert %[1]s https://auth.localhost:8911/oauth/token ...
  Go             add it to tls.Config.RootCAs (or SSL_CERT_FILE=%[1]s)
  Debian/Ubuntu  sudo cp %[1]s /usr/local/share/ca-certificates/paysandbox-ca.crt && sudo update-ca-certificates
  Fedora/RHEL    sudo cp %[1]s /etc/pki/ca-trust/source/anchors/ && sudo update-ca-trust
  macOS          sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain %[1]s
  Windows        certutil -addstore -f ROOT %[1]s
  Chrome, Linux  certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n paysandbox -i %[1]s  (libnss3-tools)
  Firefox        Settings > Privacy & Security > Certificates > View Certificates > Authorities > Import
  Chromium, CI   --ignore-certificate-errors-spki-list=%[3]s

In a container: docker run --rm -v paysandbox-data:/data paysandbox ca --pem > paysandbox-ca.crt
`, crt, filepath.Join(filepath.Dir(crt), tlsca.KeyFile), ca.SPKIHash())
	return 0
}
