package journal

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// Masking never fails open: what can be parsed (JSON, even cut short; form
// data) is shown with its secrets masked; what cannot (HTML pages, text,
// the rest of a JSON body after a syntax error) is replaced by a note.
//
// Secrets are: credential headers; values under secret keys (secretKeys,
// plus session_id where it opens a payment page); JWTs anywhere (Klarna
// client tokens, OAuth tokens); the id segment of a payment-page URL anywhere
// (a MultiSafepay session id, a Klarna HPP session id: either one lets its
// holder pay or cancel); and tenant names that are themselves credentials
// (a MultiSafepay API key).

var secretHeaders = map[string]bool{"Authorization": true, "Api_key": true, "Api-Key": true, "Cookie": true,
	"Set-Cookie": true, "Auth": true, "X-Api-Key": true, "X-Sandbox-Admin-Token": true, "Proxy-Authorization": true}

var secretKeys = map[string]bool{"api_key": true, "apikey": true, "password": true, "client_secret": true,
	"refresh_token": true, "access_token": true, "id_token": true, "token": true, "secret": true,
	"shared_secret": true, "client_token": true}

// credentialTenants are providers whose tenant name is the API key itself.
var credentialTenants = map[string]bool{"multisafepay": true}

// secretSegments are path prefixes whose next segment opens a page without
// credentials.
var secretSegments = []string{"/multisafepay/connect/", "/hpp/payments/", "/hpp/v1/sessions/"}

var jwtRE = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*`)

// mask keeps a scheme word ("Basic", "Bearer") and, of a value of 12 bytes
// or more, the first 4 (enough to tell keys apart, too few to guess one).
func mask(v string) string {
	scheme := ""
	if i := strings.IndexByte(v, ' '); i > 0 && i < 16 {
		scheme, v = v[:i+1], v[i+1:]
	}
	if len(v) >= 12 {
		v = v[:4]
	} else {
		v = ""
	}
	return scheme + v + "****"
}

// MaskTenant masks a tenant name that is a credential.
func MaskTenant(provider, tenant string) string {
	if credentialTenants[provider] && tenant != "" {
		return mask(tenant)
	}
	return tenant
}

// MaskString masks JWTs and payment-page ids inside any string (a path, a
// header value, a URL in a body).
func MaskString(s string) string {
	s = jwtRE.ReplaceAllStringFunc(s, mask)
	for _, p := range secretSegments {
		for from := 0; ; {
			i := strings.Index(s[from:], p)
			if i < 0 {
				break
			}
			start := from + i + len(p)
			end := start
			for end < len(s) && !strings.ContainsRune("/?#\"'& <>", rune(s[end])) {
				end++
			}
			if end > start && !strings.HasSuffix(s[start:end], "****") {
				m := mask(s[start:end])
				s = s[:start] + m + s[end:]
				end = start + len(m)
			}
			from = end
		}
	}
	return s
}

// MaskHeader returns a masked copy of h.
func MaskHeader(h map[string]string) map[string]string {
	if h == nil {
		return nil
	}
	return maskHeader(copyHeader(h))
}

func maskHeader(h map[string]string) map[string]string {
	for k, v := range h {
		if secretHeaders[http.CanonicalHeaderKey(k)] || strings.EqualFold(k, "api_key") {
			h[k] = mask(v)
		} else {
			h[k] = MaskString(v)
		}
	}
	return h
}

// keys is the set of secret keys for one entry.
type keys func(k string) bool

func keysFor(provider, path string) keys {
	sessionSecret := provider == "multisafepay" || strings.HasPrefix(path, "/hpp/")
	return func(k string) bool {
		k = strings.ToLower(k)
		return secretKeys[k] || (sessionSecret && k == "session_id")
	}
}

func maskQuery(q string, secret keys) string {
	if q == "" {
		return q
	}
	vals, err := url.ParseQuery(q)
	if err != nil {
		return fmt.Sprintf("[%d bytes that are not a valid query: hidden]", len(q))
	}
	for k, vs := range vals {
		for i := range vs {
			if secret(k) {
				vs[i] = mask(vs[i])
			} else {
				vs[i] = MaskString(vs[i])
			}
		}
	}
	return vals.Encode()
}

// MaskBody masks one body of an entry of provider at path.
func MaskBody(provider, path, b string) string {
	return maskBody(b, keysFor(provider, path))
}

func maskBody(b string, secret keys) string {
	t := strings.TrimSpace(b)
	if t == "" {
		return b
	}
	if t[0] == '{' || t[0] == '[' {
		return maskJSONText(t, secret)
	}
	if strings.Contains(t, "=") && !strings.ContainsAny(t, " <>\n\t{}\"") {
		return maskQuery(t, secret)
	}
	kind := "not JSON or form data"
	if t[0] == '<' {
		kind = "HTML or XML"
	}
	return fmt.Sprintf("[%d bytes, %s: hidden]", len(b), kind)
}

// maskJSONText re-renders JSON token by token, masking as it goes, so that a
// body cut short by the journal's size cap or broken by the client is still
// masked up to where it ends, and nothing after a syntax error is shown.
func maskJSONText(s string, secret keys) string {
	type frame struct {
		obj, expectKey, secret bool
		n                      int
		key                    string
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var out strings.Builder
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err != nil {
			switch {
			case err == io.EOF && len(stack) == 0:
			case err == io.EOF || err == io.ErrUnexpectedEOF:
				out.WriteString("…(cut short)")
			default:
				out.WriteString("…(not valid JSON from here: hidden)")
			}
			return out.String()
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			out.WriteByte(byte(d))
			stack = stack[:len(stack)-1]
			continue
		}
		underSecret := false
		if top != nil {
			if top.obj && top.expectKey {
				k, _ := tok.(string)
				if top.n > 0 {
					out.WriteByte(',')
				}
				top.n++
				writeJSONString(&out, MaskString(k))
				out.WriteByte(':')
				top.key, top.expectKey = k, false
				continue
			}
			if top.obj {
				top.expectKey = true
				underSecret = top.secret || secret(top.key)
			} else {
				if top.n > 0 {
					out.WriteByte(',')
				}
				top.n++
				underSecret = top.secret
			}
		} else if out.Len() > 0 {
			// A second top-level value: not a JSON document.
			out.WriteString("…(not valid JSON from here: hidden)")
			return out.String()
		}
		switch v := tok.(type) {
		case json.Delim:
			out.WriteByte(byte(v))
			stack = append(stack, &frame{obj: v == '{', expectKey: v == '{', secret: underSecret})
		case string:
			if underSecret {
				v = mask(v)
			} else {
				v = MaskString(v)
			}
			writeJSONString(&out, v)
		case json.Number:
			if underSecret {
				writeJSONString(&out, "****")
			} else {
				out.WriteString(v.String())
			}
		case bool:
			fmt.Fprint(&out, v)
		case nil:
			out.WriteString("null")
		}
	}
}

func writeJSONString(b *strings.Builder, s string) {
	raw, _ := json.Marshal(s)
	b.Write(raw)
}
