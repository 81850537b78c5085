package klarna

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"

	gojson "github.com/goccy/go-json"
	"github.com/golang-jwt/jwt/v5"

	"github.com/paysandbox/paysandbox/emulator/store"
)

// A session's client_token is a JWT (Klarna's JS SDK refuses anything else).
// Its claims carry the session id and the tenant, so that the credential-less
// authorization endpoint finds the session. It is signed with HMAC-SHA256
// under a key stored per tenant, so tokens survive a restart and a tenant
// reset invalidates them.

const (
	colKeys        = "keys"
	clientTokenKey = "client_token"
)

// clientClaims are the claims of a client token. The names besides tenant are
// those Klarna's own tokens carry.
type clientClaims struct {
	SessionID       string `json:"session_id"`
	Tenant          string `json:"tenant"`
	PurchaseCountry string `json:"purchase_country"`
	Language        string `json:"language"`
	Environment     string `json:"environment"`
	SessionType     string `json:"session_type"`
	Design          string `json:"design"`
	jwt.RegisteredClaims
}

type signingKey struct {
	Secret string `json:"secret"`
}

// tenantKey returns the tenant's signing key, drawing and storing one when
// the tenant has none yet.
func tenantKey(tx *store.Tx) ([]byte, error) {
	var key signingKey
	err := tx.Get(colKeys, clientTokenKey, &key)
	if errors.Is(err, store.ErrNotFound) {
		key.Secret = tx.IDs().Hex(64) // drawn once per tenant, not on every create
		err = tx.Put(colKeys, clientTokenKey, key)
	}
	return []byte(key.Secret), err
}

// clientTokenHeader is the encoded header jwt.Token.SignedString writes for
// HS256 (its header map, marshalled with sorted keys).
var clientTokenHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))

// signClientToken is jwt.NewWithClaims(HS256, c).SignedString(key), byte
// for byte (TestClientTokenIsWhatTheJWTLibrarySigns), without encoding/json
// marshalling the constant header and the claims by reflection on every
// session: the claims go through goccy/go-json, the signature through the
// library's HS256.
func signClientToken(key []byte, c clientClaims) (string, error) {
	claims, err := gojson.Marshal(c) // escaping HTML, as encoding/json does
	if err != nil {
		return "", err
	}
	signing := clientTokenHeader + "." + base64.RawURLEncoding.EncodeToString(claims)
	sig, err := jwt.SigningMethodHS256.Sign(signing, key)
	if err != nil {
		return "", err
	}
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// errInvalidClientToken is what the authorization endpoint says about a token
// it cannot read or verify.
var errInvalidClientToken = newError(http.StatusUnauthorized, "InvalidClientTokenError", "Invalid client token")

// readClientToken verifies a client token and returns the tenant and session
// it names.
func (k *Klarna) readClientToken(ctx context.Context, token string) (tenant, sessionID string, err error) {
	var claims clientClaims
	_, err = jwt.ParseWithClaims(token, &claims, func(t *jwt.Token) (any, error) {
		c, _ := t.Claims.(*clientClaims)
		if c == nil || c.Tenant == "" || c.SessionID == "" {
			return nil, errInvalidClientToken
		}
		var key signingKey
		err := k.p.Store.View(ctx, provider, c.Tenant, func(tx *store.Tx) error { return tx.Get(colKeys, clientTokenKey, &key) })
		return []byte(key.Secret), err
	}, jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}))
	if err != nil {
		return "", "", errInvalidClientToken
	}
	return claims.Tenant, claims.SessionID, nil
}
