package klarna

import (
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// A client token is the JWT the library would sign for the same claims and
// key, byte for byte: Klarna's SDK and every earlier token read the same.
func TestClientTokenIsWhatTheJWTLibrarySigns(t *testing.T) {
	for _, c := range []clientClaims{
		{SessionID: "f3d2a1b0-0000-4000-8000-000000000001", Tenant: "PK_TEST_shop", PurchaseCountry: "SE", Language: "en",
			Environment: "playground", SessionType: "PAYMENTS", Design: "klarna"},
		{Tenant: `a<b>&"c"\ d`, Language: "日本", PurchaseCountry: "\u2028\x01"},
		{},
		{SessionID: "s", RegisteredClaims: jwt.RegisteredClaims{Issuer: "i", Audience: jwt.ClaimStrings{"a", "b"},
			ExpiresAt: jwt.NewNumericDate(time.Unix(1893456000, 500))}},
	} {
		for _, key := range [][]byte{[]byte("secret"), nil, make([]byte, 64)} {
			want, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(key)
			got, err2 := signClientToken(key, c)
			if got != want || (err == nil) != (err2 == nil) {
				t.Errorf("claims %+v key %q:\n got %s %v\nwant %s %v", c, key, got, err2, want, err)
			}
		}
	}
}
