package commercelayer

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/paysandbox/paysandbox/emulator/commercelayer/jsonapi"
	"github.com/paysandbox/paysandbox/emulator/platform"
	"github.com/paysandbox/paysandbox/emulator/store"
)

// Token lifetimes.
const (
	salesChannelTokenLifetime = 4 * time.Hour
	integrationTokenLifetime  = 2 * time.Hour
	refreshTokenLifetime      = 14 * 24 * time.Hour
)

// Claims are Commerce Layer's access token claims.
type Claims struct {
	Organization struct {
		ID         string `json:"id"`
		Slug       string `json:"slug"`
		Enterprise bool   `json:"enterprise"`
		Region     string `json:"region"`
	} `json:"organization"`
	Application struct {
		ID       string `json:"id"`
		Kind     string `json:"kind"`
		Public   bool   `json:"public"`
		ClientID string `json:"client_id"`
	} `json:"application"`
	Market *MarketClaim `json:"market,omitempty"`
	Owner  *OwnerClaim  `json:"owner,omitempty"`
	Scope  string       `json:"scope"`
	Test   bool         `json:"test"`
	Rand   float64      `json:"rand"`
	jwt.RegisteredClaims
}

// MarketClaim is the market scope of a token.
type MarketClaim struct {
	ID                   []string `json:"id"`
	PriceListID          string   `json:"price_list_id"`
	StockLocationIDs     []string `json:"stock_location_ids"`
	GeocoderID           *string  `json:"geocoder_id"`
	AllowsExternalPrices bool     `json:"allows_external_prices"`
}

// OwnerClaim names the customer a token acts for.
type OwnerClaim struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

func (c *Claims) isSalesChannel() bool { return c.Application.Kind == kindSalesChannel }
func (c *Claims) customerID() string {
	if c.Owner != nil && c.Owner.Type == "Customer" {
		return c.Owner.ID
	}
	return ""
}

// marketID is the token's (first) market, or "".
func (c *Claims) marketID() string {
	if c.Market != nil && len(c.Market.ID) > 0 {
		return c.Market.ID[0]
	}
	return ""
}

// signingKey is an organization's RS512 key, stored so that tokens outlive
// restarts.
type signingKey struct {
	Kid string `json:"kid"`
	PEM string `json:"pem"`
}

// authority issues and checks tokens.
type authority struct {
	cl        *CommerceLayer
	cache     sync.Map // kid -> *rsa.PrivateKey
	verified  sync.Map // token -> *verifiedToken
	verifiedN atomic.Int64
}

// processKey is generated once per process and stored in each organization
// that needs a key (RSA generation is slow; the stored copy is what counts).
var processKey struct {
	once sync.Once
	key  *rsa.PrivateKey
	err  error
}

func newKey() (*rsa.PrivateKey, error) {
	processKey.once.Do(func() { processKey.key, processKey.err = rsa.GenerateKey(rand.Reader, 2048) })
	return processKey.key, processKey.err
}

func keyID(k *rsa.PublicKey) string {
	der := x509.MarshalPKCS1PublicKey(k)
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:12])
}

// storedKey reads the organization's key, or nil.
func (a *authority) storedKey(ctx context.Context, slug string) (key *rsa.PrivateKey, kid string, err error) {
	err = a.cl.p.Store.View(ctx, provider, slug, func(tx *store.Tx) error {
		key, kid, err = a.keyIn(tx)
		return err
	})
	return key, kid, err
}

// keyIn is storedKey in tx. A key parsed before is found by its kid alone:
// the PEM (most of the record) is decoded only for a key not seen yet.
func (a *authority) keyIn(tx *store.Tx) (*rsa.PrivateKey, string, error) {
	var id struct {
		Kid string `json:"kid"`
	}
	err := tx.Get(colSigningKeys, selfID, &id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	if k, ok := a.cache.Load(id.Kid); ok {
		return k.(*rsa.PrivateKey), id.Kid, nil
	}
	var rec signingKey
	if err := tx.Get(colSigningKeys, selfID, &rec); err != nil {
		return nil, "", err
	}
	block, _ := pem.Decode([]byte(rec.PEM))
	if block == nil {
		return nil, "", errors.New("commercelayer: stored signing key is not PEM")
	}
	k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		return nil, "", err
	}
	a.cache.Store(rec.Kid, k)
	return k, rec.Kid, nil
}

// key returns the organization's key, creating it on first use.
func (a *authority) key(ctx context.Context, slug string) (*rsa.PrivateKey, string, error) {
	if k, kid, err := a.storedKey(ctx, slug); err != nil || k != nil {
		return k, kid, err
	}
	k, err := newKey()
	if err != nil {
		return nil, "", err
	}
	rec := signingKey{Kid: keyID(&k.PublicKey), PEM: string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}))}
	err = a.cl.p.Store.Update(ctx, provider, slug, func(tx *store.Tx) error {
		if tx.Exists(colSigningKeys, selfID) {
			return nil // another request won
		}
		return tx.Put(colSigningKeys, selfID, rec)
	})
	if err != nil {
		return nil, "", err
	}
	return a.storedKey(ctx, slug)
}

// tokenRequest is POST /oauth/token, as JSON or as a form.
type tokenRequest struct {
	GrantType    string `json:"grant_type"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	Scope        string `json:"scope"`
	Username     string `json:"username"`
	Password     string `json:"password"`
	RefreshToken string `json:"refresh_token"`
	Token        string `json:"token"` // revoke
}

func decodeTokenRequest(r *http.Request) (tokenRequest, error) {
	var in tokenRequest
	body := platform.Body(r)
	ct := strings.ToLower(r.Header.Get("Content-Type"))
	if strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		v, err := url.ParseQuery(string(body))
		if err != nil {
			return in, oauthInvalidRequest
		}
		in = tokenRequest{GrantType: v.Get("grant_type"), ClientID: v.Get("client_id"), ClientSecret: v.Get("client_secret"),
			Scope: v.Get("scope"), Username: v.Get("username"), Password: v.Get("password"), RefreshToken: v.Get("refresh_token"), Token: v.Get("token")}
	} else if len(body) > 0 {
		if err := json.Unmarshal(body, &in); err != nil {
			return in, oauthInvalidRequest
		}
	}
	// Client credentials may also come as HTTP Basic (RFC 6749 2.3.1).
	if id, secret, ok := r.BasicAuth(); ok && in.ClientID == "" {
		in.ClientID, in.ClientSecret = id, secret
	}
	return in, nil
}

// OAuth errors: Commerce Layer's error list with a numeric status.
func oauthError(status int, title, detail string) *jsonapi.Error {
	code := "BAD_REQUEST"
	if status == http.StatusUnauthorized {
		code = "UNAUTHORIZED"
	}
	return &jsonapi.Error{Status: status, Code: code, Title: title, Detail: detail}
}

var (
	oauthInvalidClient = oauthError(http.StatusUnauthorized, "invalid_client",
		"Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.")
	oauthInvalidGrant = oauthError(http.StatusBadRequest, "invalid_grant",
		"The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.")
	oauthUnsupportedGrant = oauthError(http.StatusBadRequest, "unsupported_grant_type",
		"The authorization grant type is not supported by the authorization server.")
	oauthInvalidRequest = oauthError(http.StatusBadRequest, "invalid_request",
		"The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed.")
	oauthInvalidScope = oauthError(http.StatusBadRequest, "invalid_scope",
		"The requested scope is invalid, unknown, or malformed.")
)

// client resolves the application a token request authenticates as. Fixture
// client ids must match exactly (secret included for an integration);
// without strict auth an unknown client id is accepted too: a sales channel
// without a secret, an integration with one.
func (a *authority) client(in tokenRequest) (*Application, error) {
	if in.ClientID == "" {
		return nil, oauthInvalidClient
	}
	if app := a.cl.world.appByClientID(in.ClientID); app != nil {
		if app.Kind == kindIntegration && in.ClientSecret != app.ClientSecret {
			return nil, oauthInvalidClient
		}
		return app, nil
	}
	if a.cl.p.Config.StrictAuth {
		return nil, oauthInvalidClient
	}
	app := &Application{ID: idFromString(in.ClientID), Kind: kindSalesChannel, Name: "Sales channel", ClientID: in.ClientID}
	if in.ClientSecret != "" {
		app.Kind, app.Name = kindIntegration, "Integration"
	}
	return app, nil
}

// idFromString is a stable 10-letter id for a string.
func idFromString(s string) string {
	sum := sha256.Sum256([]byte(s))
	const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	b := make([]byte, 10)
	for i := range b {
		b[i] = letters[int(sum[i])%len(letters)]
	}
	return string(b)
}

// tokenResponse is the token endpoint's answer.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	Scope        string `json:"scope"`
	CreatedAt    int64  `json:"created_at"`
	RefreshToken string `json:"refresh_token,omitempty"`
	OwnerID      string `json:"owner_id,omitempty"`
	OwnerType    string `json:"owner_type,omitempty"`
}

// refreshRecord is a stored refresh token.
type refreshRecord struct {
	Token      string    `json:"token"`
	ClientID   string    `json:"client_id"`
	Scope      string    `json:"scope"`
	CustomerID string    `json:"customer_id"`
	ExpiresAt  time.Time `json:"expires_at"`
	Tenant     string    `json:"tenant"`
}

// grant handles POST /oauth/token for the organization slug; iss is the
// token's issuer (see issuer).
func (a *authority) grant(ctx context.Context, slug, iss string, in tokenRequest) (tokenResponse, error) {
	switch in.GrantType {
	case "client_credentials", "password", "refresh_token":
	case "":
		return tokenResponse{}, oauthInvalidRequest
	default:
		return tokenResponse{}, oauthUnsupportedGrant
	}
	app, err := a.client(in)
	if err != nil {
		return tokenResponse{}, err
	}
	if err := a.cl.ensureWorld(ctx, slug); err != nil {
		return tokenResponse{}, err
	}
	now := a.cl.p.Clock.Now(slug)
	var customerID, refresh string
	scope := in.Scope
	switch in.GrantType {
	case "password":
		if app.Kind != kindSalesChannel {
			return tokenResponse{}, oauthUnsupportedGrant
		}
		if customerID, err = a.checkPassword(ctx, slug, in.Username, in.Password); err != nil {
			return tokenResponse{}, err
		}
		refresh = a.cl.p.IDs.Alnum(43)
	case "refresh_token":
		rec, err := a.useRefresh(ctx, slug, in.RefreshToken, app.ClientID, now)
		if err != nil {
			return tokenResponse{}, err
		}
		customerID, refresh = rec.CustomerID, a.cl.p.IDs.Alnum(43)
		if scope == "" {
			scope = rec.Scope
		}
	}
	market, err := a.scopeMarket(ctx, slug, scope)
	if err != nil {
		return tokenResponse{}, err
	}
	lifetime := salesChannelTokenLifetime
	if app.Kind == kindIntegration {
		lifetime = integrationTokenLifetime
	}
	if scope == "" {
		scope = "market:all"
	}
	var c Claims
	c.Organization.ID, c.Organization.Slug, c.Organization.Region = a.cl.world.orgID(slug), slug, "eu-west-1"
	c.Application.ID, c.Application.Kind, c.Application.Public, c.Application.ClientID = app.ID, app.Kind, app.Kind == kindSalesChannel, app.ClientID
	c.Market, c.Scope, c.Test = market, scope, true
	c.Rand = float64(a.cl.p.IDs.Intn(1_000_000_000)) / 1e9
	if customerID != "" {
		c.Owner = &OwnerClaim{ID: customerID, Type: "Customer"}
	}
	c.Issuer = iss
	c.IssuedAt = jwt.NewNumericDate(now)
	c.ExpiresAt = jwt.NewNumericDate(now.Add(lifetime))
	key, kid, err := a.key(ctx, slug)
	if err != nil {
		return tokenResponse{}, err
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS512, c)
	tok.Header["kid"] = kid
	signed, err := tok.SignedString(key)
	if err != nil {
		return tokenResponse{}, err
	}
	out := tokenResponse{AccessToken: signed, TokenType: "bearer", ExpiresIn: int64(lifetime / time.Second), Scope: scope, CreatedAt: now.Unix()}
	if refresh != "" {
		rec := refreshRecord{Token: refresh, ClientID: app.ClientID, Scope: in.Scope, CustomerID: customerID, ExpiresAt: now.Add(refreshTokenLifetime), Tenant: slug}
		err := a.cl.p.Store.Update(ctx, provider, slug, func(tx *store.Tx) error {
			if err := tx.Put(colRefreshTokens, refresh, rec); err != nil {
				return err
			}
			return tx.SetRef("refresh_token", refresh)
		})
		if err != nil {
			return tokenResponse{}, err
		}
		out.RefreshToken, out.OwnerID, out.OwnerType = refresh, customerID, "customer"
	}
	return out, nil
}

// issuer is a token's iss, https://auth.<domain>: the SDKs take the domain
// from it and call https://<organization>.<domain>/api. For this machine (a
// localhost name or a loopback address in the Host) the domain names the
// https listener's port whichever listener was asked, since the http port
// never answers https; a request that came over TLS keeps its own port (a
// port mapping such as -p 443:8911 is what the client reached). A loopback
// address becomes localhost: <organization>.127.0.0.1 is no name. Any other
// host (a proxy's name) stays as asked, and so does the port when there is
// no https listener (httpsPort 0, --https-addr off: a TLS proxy in front is
// assumed).
func issuer(host, slug string, overTLS bool, httpsPort int) string {
	domain := domainOf(host, slug)
	name, port := domain, ""
	if h, p, err := net.SplitHostPort(domain); err == nil {
		name, port = h, p
	}
	name = strings.ToLower(strings.Trim(name, "[]"))
	ip := net.ParseIP(name)
	switch {
	case ip != nil && ip.IsLoopback():
		name = "localhost"
	case ip == nil && (name == "localhost" || strings.HasSuffix(name, ".localhost") || name == "lvh.me" || name == "localtest.me"):
	default:
		return "https://auth." + domain
	}
	if !overTLS && httpsPort != 0 {
		port = strconv.Itoa(httpsPort)
	}
	if port == "" {
		return "https://auth." + name
	}
	return "https://auth." + net.JoinHostPort(name, port)
}

// domainOf is what the SDKs take as "domain": the host without the
// organization's label (paysandbox.localhost:8911 -> localhost:8911).
func domainOf(host, slug string) string {
	if rest, ok := strings.CutPrefix(host, slug+"."); ok {
		return rest
	}
	if rest, ok := strings.CutPrefix(host, "auth."); ok {
		return rest
	}
	return host
}

func (a *authority) checkPassword(ctx context.Context, slug, email, password string) (string, error) {
	if email == "" || password == "" {
		return "", oauthInvalidGrant
	}
	var id string
	err := a.cl.p.Store.View(ctx, provider, slug, func(tx *store.Tx) error {
		return tx.List("customers", func(_ string, raw []byte) error {
			var c Customer
			if json.Unmarshal(raw, &c) == nil && strings.EqualFold(c.A.Email, email) && c.PasswordHash != "" && c.PasswordHash == hashPassword(password) {
				id = c.ID
			}
			return nil
		})
	})
	if err != nil {
		return "", err
	}
	if id == "" {
		return "", oauthInvalidGrant
	}
	return id, nil
}

func hashPassword(p string) string {
	sum := sha256.Sum256([]byte("commercelayer-customer:" + p))
	return hex.EncodeToString(sum[:])
}

// useRefresh checks a refresh token and retires it (tokens rotate).
func (a *authority) useRefresh(ctx context.Context, slug, token, clientID string, now time.Time) (refreshRecord, error) {
	var rec refreshRecord
	err := a.cl.p.Store.Update(ctx, provider, slug, func(tx *store.Tx) error {
		if err := tx.Get(colRefreshTokens, token, &rec); err != nil {
			return oauthInvalidGrant
		}
		if rec.ClientID != clientID || !now.Before(rec.ExpiresAt) {
			return oauthInvalidGrant
		}
		return tx.Delete(colRefreshTokens, token)
	})
	return rec, err
}

// scopeMarket reads market:id:<id>, market:code:<code> or market:<number>
// from a scope; other scopes (store:, stock_location:) are accepted as is.
func (a *authority) scopeMarket(ctx context.Context, slug, scope string) (*MarketClaim, error) {
	var claim *MarketClaim
	for _, part := range strings.Fields(scope) {
		kind, value, ok := strings.Cut(part, ":")
		if !ok || value == "" {
			return nil, oauthInvalidScope
		}
		if kind != "market" {
			if kind != "store" && kind != "stock_location" {
				return nil, oauthInvalidScope
			}
			continue
		}
		if value == "all" {
			continue
		}
		m, err := a.findMarket(ctx, slug, value)
		if err != nil {
			return nil, err
		}
		if claim == nil {
			claim = &MarketClaim{PriceListID: m.PriceListID, StockLocationIDs: []string{}}
		}
		claim.ID = append(claim.ID, m.ID)
	}
	return claim, nil
}

func (a *authority) findMarket(ctx context.Context, slug, value string) (*Market, error) {
	field, v, ok := strings.Cut(value, ":")
	if !ok {
		field, v = "number", value
	}
	var found *Market
	err := a.cl.p.Store.View(ctx, provider, slug, func(tx *store.Tx) error {
		return tx.List("markets", func(_ string, raw []byte) error {
			var m Market
			if json.Unmarshal(raw, &m) != nil {
				return nil
			}
			if (field == "id" && m.ID == v) || (field == "code" && m.A.Code == v) || (field == "number" && jsonNumber(m.A.Number) == v) {
				found = &m
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	if found == nil {
		return nil, oauthInvalidScope
	}
	return found, nil
}

func jsonNumber(n int64) string { b, _ := json.Marshal(n); return string(b) }

// errInvalidToken is the Core API's answer to a missing, bad, expired or
// revoked token.
var errInvalidToken = &jsonapi.Error{Status: http.StatusUnauthorized, Code: "INVALID_TOKEN", Title: "Invalid token",
	Detail: "The access token you provided is invalid."}

// bearer extracts the token of an Authorization: Bearer header.
func bearer(r *http.Request) string {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}

// unverified reads a token's claims without checking it.
func unverified(token string) (*Claims, error) {
	var c Claims
	if _, _, err := jwt.NewParser().ParseUnverified(token, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// verify checks a token: our organization's key, RS512, not expired on the
// organization's virtual clock, not revoked. checkExpiry is off for revoke.
func (a *authority) verify(ctx context.Context, token string, checkExpiry bool) (*Claims, error) {
	// A token verified before names its organization in the cached claims;
	// any other is decoded (unverified) to find the organization's key.
	var slug string
	if v, ok := a.verified.Load(token); ok {
		slug = v.(*verifiedToken).claims.Organization.Slug
	} else {
		pre, err := unverified(token)
		if err != nil || !slugPattern.MatchString(pre.Organization.Slug) {
			return nil, errInvalidToken
		}
		slug = pre.Organization.Slug
	}
	// The key and, for a token in use, whether it was revoked: one read.
	var key *rsa.PrivateKey
	var kid string
	revoked := false
	err := a.cl.p.Store.View(ctx, provider, slug, func(tx *store.Tx) error {
		var err error
		if key, kid, err = a.keyIn(tx); err != nil || key == nil {
			return err
		}
		revoked = checkExpiry && tx.Exists(colRevoked, tokenHash(token))
		return nil
	})
	if err != nil {
		return nil, err
	}
	if key == nil || revoked {
		return nil, errInvalidToken
	}
	now := a.cl.p.Clock.Now(slug)
	var c Claims
	if v, ok := a.verified.Load(token); ok && v.(*verifiedToken).kid == kid {
		// The signature was checked with this key before; the claims are what it signed.
		c = *v.(*verifiedToken).claims
		if checkExpiry && !now.Before(c.ExpiresAt.Time) {
			return nil, errInvalidToken
		}
	} else {
		opts := []jwt.ParserOption{jwt.WithValidMethods([]string{jwt.SigningMethodRS512.Alg()}), jwt.WithTimeFunc(func() time.Time { return now })}
		if !checkExpiry {
			opts = append(opts, jwt.WithoutClaimsValidation())
		}
		_, err = jwt.NewParser(opts...).ParseWithClaims(token, &c, func(t *jwt.Token) (any, error) {
			if h, _ := t.Header["kid"].(string); h != kid {
				return nil, errors.New("unknown key")
			}
			return &key.PublicKey, nil
		})
		if err != nil || c.ExpiresAt == nil {
			return nil, errInvalidToken
		}
		a.remember(token, kid, &c)
	}
	return &c, nil
}

// verifiedToken is a token whose signature verify checked, with the key
// that signed it: a later request with it skips the RSA check (most of the
// cost of a read), never the expiry, key and revocation checks.
type verifiedToken struct {
	kid    string
	claims *Claims
}

// maxVerified bounds the cache; past it the cache starts again.
const maxVerified = 10000

func (a *authority) remember(token, kid string, c *Claims) {
	if a.verifiedN.Add(1) > maxVerified {
		a.verified.Range(func(k, _ any) bool { a.verified.Delete(k); return true })
		a.verifiedN.Store(0)
	}
	cp := *c
	a.verified.Store(token, &verifiedToken{kid: kid, claims: &cp})
}

// claimsOf is the claims of a token verify accepted (without a second parse).
func (a *authority) claimsOf(token string) (*Claims, error) {
	if v, ok := a.verified.Load(token); ok {
		c := *v.(*verifiedToken).claims
		return &c, nil
	}
	return unverified(token)
}

func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// authenticate is the Core API's Principal: the token's organization is
// the tenant, its verified claims go with the request.
func (a *authority) authenticate(r *http.Request) (string, any, error) {
	tok := bearer(r)
	if tok == "" {
		return "", nil, errInvalidToken
	}
	c, err := a.verify(r.Context(), tok, true)
	if err != nil {
		return "", nil, err
	}
	return c.Organization.Slug, c, nil
}

// revoke handles POST /oauth/revoke: the client must authenticate; an
// unknown or foreign token is still answered 200 (RFC 7009).
func (a *authority) revoke(ctx context.Context, in tokenRequest) error {
	if _, err := a.client(in); err != nil {
		return err
	}
	if in.Token == "" {
		return oauthInvalidRequest
	}
	if c, err := a.verify(ctx, in.Token, false); err == nil {
		slug := c.Organization.Slug
		exp := c.ExpiresAt.Time
		return a.cl.p.Store.Update(ctx, provider, slug, func(tx *store.Tx) error {
			return tx.Put(colRevoked, tokenHash(in.Token), map[string]any{"expires_at": exp, "client_id": c.Application.ClientID})
		})
	}
	slug, err := a.cl.p.Store.Ref(ctx, provider, "refresh_token", in.Token)
	if err != nil {
		return nil
	}
	return a.cl.p.Store.Update(ctx, provider, slug, func(tx *store.Tx) error { return tx.Delete(colRefreshTokens, in.Token) })
}

// jwk is one key of /.well-known/jwks.json.
type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	N   string `json:"n"`
	E   string `json:"e"`
}

// jwks lists the public keys: the host's organization's, else every
// organization's (the default organization's at least).
func (a *authority) jwks(ctx context.Context, host string) ([]jwk, error) {
	slugs := []string{}
	if s := orgFromHost(host); s != "" {
		slugs = append(slugs, s)
	} else {
		tenants, err := a.cl.p.Store.Tenants()
		if err != nil {
			return nil, err
		}
		slugs = append(slugs, tenants...)
	}
	keys := []jwk{}
	seen := map[string]bool{}
	for _, s := range slugs {
		k, kid, err := a.storedKey(ctx, s)
		if err != nil {
			return nil, err
		}
		if k == nil || seen[kid] {
			continue
		}
		seen[kid] = true
		keys = append(keys, publicJWK(&k.PublicKey, kid))
	}
	if len(keys) == 0 {
		slug := orgFromHost(host)
		if slug == "" {
			slug = a.cl.world.Organization.Slug
		}
		if err := a.cl.ensureWorld(ctx, slug); err != nil {
			return nil, err
		}
		k, kid, err := a.key(ctx, slug)
		if err != nil {
			return nil, err
		}
		keys = append(keys, publicJWK(&k.PublicKey, kid))
	}
	return keys, nil
}

func publicJWK(k *rsa.PublicKey, kid string) jwk {
	return jwk{Kty: "RSA", Kid: kid, Use: "sig", Alg: "RS512",
		N: base64.RawURLEncoding.EncodeToString(k.N.Bytes()),
		E: base64.RawURLEncoding.EncodeToString(big.NewInt(int64(k.E)).Bytes())}
}
