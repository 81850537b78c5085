package klarna

import (
	"encoding/base64"
	"fmt"
	"io/fs"
	"net/http"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Klarna authenticates every server-side call with HTTP Basic. The username
// names the tenant. Accepted forms of the Authorization header:
//
//	Basic base64(username:password)   the classic credentials (PK12345_abcdef:secret)
//	Basic base64(key)                 an API key alone: username=key, empty password
//	Basic klarna_test_api_...         a new-style API key sent as is, not base64:
//	                                  username=key, empty password
//	Basic <uuid>:klarna_test_api_...  the same with its id: username=uuid, password=key
//
// Anything else (no header, another scheme, undecodable, empty username) is 401.

// basicCredentials extracts username and password as described above.
func basicCredentials(header string) (user, pass string, ok bool) {
	scheme, cred, found := strings.Cut(strings.TrimSpace(header), " ")
	if !found || !strings.EqualFold(scheme, "Basic") {
		return "", "", false
	}
	cred = strings.TrimSpace(cred)
	if cred == "" {
		return "", "", false
	}
	var plain string
	if raw, err := base64.StdEncoding.DecodeString(cred); err == nil && utf8.Valid(raw) {
		plain = string(raw)
	} else if _, key, _ := strings.Cut(cred, ":"); strings.HasPrefix(cred, "klarna_") || strings.HasPrefix(key, "klarna_") {
		plain = cred
	} else {
		return "", "", false
	}
	user, pass, _ = strings.Cut(plain, ":")
	if strings.TrimSpace(user) == "" || strings.ContainsAny(user, "\x00\r\n") {
		return "", "", false
	}
	return user, pass, true
}

// credentials is fixtures/klarna/credentials.yaml, the pairs strict auth accepts.
type credentials map[string]string

func loadCredentials(fsys fs.FS) (credentials, error) {
	raw, err := fs.ReadFile(fsys, "klarna/credentials.yaml")
	if err != nil {
		return nil, err
	}
	var doc struct {
		Credentials []struct {
			Username string `yaml:"username"`
			Password string `yaml:"password"`
		} `yaml:"credentials"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("klarna/credentials.yaml: %w", err)
	}
	c := credentials{}
	for _, e := range doc.Credentials {
		c[e.Username] = e.Password
	}
	return c, nil
}

// authenticate is the surface's Authenticate: the tenant is the username.
func (k *Klarna) authenticate(r *http.Request) (string, error) {
	user, pass, ok := basicCredentials(r.Header.Get("Authorization"))
	if !ok {
		return "", errUnauthorized
	}
	if k.p.Config.StrictAuth {
		if want, known := k.creds[user]; !known || want != pass {
			return "", errUnauthorized
		}
	}
	return user, nil
}
