package sandboxtest

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
)

// JWTClaims decodes a JWT's claims and header without checking its
// signature (the tests that check it do so with the issuer's key).
func JWTClaims(t testing.TB, token string) (claims, header map[string]any) {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", token)
	}
	for i, dst := range []*map[string]any{&header, &claims} {
		raw, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatalf("JWT part %d: %v", i+1, err)
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			t.Fatalf("JWT part %d: %v", i+1, err)
		}
	}
	return claims, header
}
