package admin

import (
	"context"
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"
)

// Token is one admin token: the global one (Pattern "") acts on everything,
// a team token only on the tenants its pattern matches.
//
// --admin-token takes a comma-separated list (the flag may also be repeated):
//
//	s3cret                      the global token
//	team-a-*=tokA               tokA acts on tenants starting with team-a-
//	team-b-*=tokB,PK_TEST_b=tokB  one token may hold several patterns
//
// A pattern is a tenant name in which * stands for any run of characters.
// Tokens may not contain "," or "=" (use hex or base64url without padding).
type Token struct {
	Pattern string
	Secret  string
}

// ParseTokens reads --admin-token's syntax.
func ParseTokens(s string) ([]Token, error) {
	var out []Token
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		t := Token{Secret: part}
		if pat, secret, ok := strings.Cut(part, "="); ok {
			t = Token{Pattern: strings.TrimSpace(pat), Secret: strings.TrimSpace(secret)}
			if t.Pattern == "" {
				return nil, fmt.Errorf("--admin-token %q: the tenant pattern before = is empty", redactEntry(part))
			}
		}
		if t.Secret == "" {
			return nil, fmt.Errorf("--admin-token: the token for %q is empty", t.Pattern)
		}
		if strings.Contains(t.Secret, "=") {
			return nil, fmt.Errorf("--admin-token: a token may not contain \"=\" (entry for %q); use hex or base64url without padding", t.Pattern)
		}
		if t.Pattern == "*" {
			t.Pattern = "" // every tenant: the global token
		}
		out = append(out, t)
	}
	return out, nil
}

// redactEntry keeps an entry's token out of error messages.
func redactEntry(s string) string {
	if i := strings.IndexByte(s, '='); i >= 0 {
		return s[:i] + "=…"
	}
	return "…"
}

// Access is what an admin request may act on: every tenant, or those matching
// its token's patterns. The zero Access acts on nothing.
type Access struct {
	global   bool
	patterns []string
}

// Global reports whether the request may act on every tenant at once (reset
// everything, move the global clock, arm a scenario for "*").
func (a Access) Global() bool { return a.global }

// MayAct reports whether the request may read or change tenant's state.
func (a Access) MayAct(tenant string) bool {
	if a.global {
		return true
	}
	if tenant == "" || tenant == "*" {
		return false
	}
	for _, p := range a.patterns {
		if matchPattern(p, tenant) {
			return true
		}
	}
	return false
}

// Patterns lists a team token's tenant patterns (nil for the global access).
func (a Access) Patterns() []string { return a.patterns }

type accessKey struct{}

// AccessOf is the access the admin guard granted r (the zero Access, acting on
// nothing, when r did not pass through Guard).
func AccessOf(r *http.Request) Access {
	a, _ := r.Context().Value(accessKey{}).(Access)
	return a
}

// MayAct reports whether r, having passed the admin guard, may act on tenant.
// Pages mounted by other packages (the scenario API, the dashboard) ask this
// before showing or changing a tenant's state.
func MayAct(r *http.Request, tenant string) bool { return AccessOf(r).MayAct(tenant) }

func withAccess(r *http.Request, a Access) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), accessKey{}, a))
}

// presentedToken is the token a request carries, if any.
func presentedToken(r *http.Request) string {
	if got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return strings.TrimSpace(got)
	}
	return strings.TrimSpace(r.Header.Get("X-Sandbox-Admin-Token"))
}

// access resolves r's token. ok is false when tokens are configured and r
// carries none of them. Without any token configured every caller is global.
func (a *API) access(r *http.Request) (acc Access, ok bool) {
	if len(a.tokens) == 0 {
		return Access{global: true}, true
	}
	got := presentedToken(r)
	if got == "" {
		return Access{}, false
	}
	for _, t := range a.tokens {
		// Compare with every token, matched or not, in constant time each.
		if subtle.ConstantTimeCompare([]byte(got), []byte(t.Secret)) == 1 {
			if t.Pattern == "" {
				acc.global = true
			} else {
				acc.patterns = append(acc.patterns, t.Pattern)
			}
			ok = true
		}
	}
	if acc.global {
		acc.patterns = nil
	}
	return acc, ok
}

// matchPattern: * matches any run of characters (including none); every
// other character matches itself.
func matchPattern(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return len(s) >= len(last) && strings.HasSuffix(s, last)
}
