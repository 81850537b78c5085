package commercelayer_test

import (
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/paysandbox/paysandbox/emulator"
	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
)

func claims(t *testing.T, token string) map[string]any {
	t.Helper()
	m, h := sandboxtest.JWTClaims(t, token)
	m["_header"] = h
	return m
}

func TestTokenGrantsAndClaims(t *testing.T) {
	sb := start(t)
	// Sales channel with a market scope, as JSON.
	tok := tokenFor(t, sb, map[string]any{"grant_type": "client_credentials", "client_id": salesChannelID, "scope": "market:code:EU"})
	if tok["token_type"] != "bearer" || tok["expires_in"] != float64(14400) || tok["scope"] != "market:code:EU" {
		t.Fatalf("token: %v", tok)
	}
	c := claims(t, tok["access_token"].(string))
	h := c["_header"].(map[string]any)
	if h["alg"] != "RS512" || h["kid"] == "" {
		t.Errorf("header: %v", h)
	}
	o := c["organization"].(map[string]any)
	app := c["application"].(map[string]any)
	m := c["market"].(map[string]any)
	if o["slug"] != org || o["id"] != "PaysandBox" || app["kind"] != "sales_channel" || app["public"] != true || c["test"] != true ||
		m["id"].([]any)[0] != marketEU || c["scope"] != "market:code:EU" || c["exp"].(float64)-c["iat"].(float64) != 14400 {
		t.Fatalf("claims: %v", c)
	}

	// Integration, as a form: two hours.
	res := sb.Do(t, "POST", "/oauth/token", "grant_type=client_credentials&client_id="+integrationID+"&client_secret="+integrationKey,
		"Content-Type", "application/x-www-form-urlencoded")
	if res.Status != 200 {
		t.Fatalf("form token: %d %s", res.Status, res.Body)
	}
	tok = res.JSON(t)
	c = claims(t, tok["access_token"].(string))
	if tok["expires_in"] != float64(7200) || c["application"].(map[string]any)["kind"] != "integration" || tok["scope"] != "market:all" {
		t.Fatalf("integration: %v %v", tok, c)
	}

	// The published key verifies the token.
	res = sb.Do(t, "GET", "/.well-known/jwks.json", nil)
	var set struct {
		Keys []struct{ Kid, Alg, N, E string }
	}
	if err := json.Unmarshal(res.Body, &set); err != nil || res.Status != 200 || len(set.Keys) != 1 || set.Keys[0].Kid != h["kid"] || set.Keys[0].Alg != "RS512" {
		t.Fatalf("jwks: %d %s", res.Status, res.Body)
	}
	n, _ := base64.RawURLEncoding.DecodeString(set.Keys[0].N)
	e, _ := base64.RawURLEncoding.DecodeString(set.Keys[0].E)
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	parsed, err := jwt.Parse(tok["access_token"].(string), func(*jwt.Token) (any, error) { return pub, nil }, jwt.WithValidMethods([]string{"RS512"}))
	if err != nil || !parsed.Valid {
		t.Fatalf("token does not verify with the published key: %v", err)
	}
}

func TestTokenErrors(t *testing.T) {
	sb := sandboxtest.Start(t, sandboxtest.WithConfig(func(c *emulator.Config) { c.StrictAuth = true }))
	cases := []struct {
		name   string
		body   any
		status int
		title  string
	}{
		{"unknown client", map[string]any{"grant_type": "client_credentials", "client_id": "nobody"}, 401, "invalid_client"},
		{"wrong secret", map[string]any{"grant_type": "client_credentials", "client_id": integrationID, "client_secret": "x"}, 401, "invalid_client"},
		{"no grant", map[string]any{"client_id": salesChannelID}, 400, "invalid_request"},
		{"unsupported grant", map[string]any{"grant_type": "implicit", "client_id": salesChannelID}, 400, "unsupported_grant_type"},
		{"bad scope", map[string]any{"grant_type": "client_credentials", "client_id": salesChannelID, "scope": "market:code:XX"}, 400, "invalid_scope"},
		{"bad password", map[string]any{"grant_type": "password", "client_id": salesChannelID, "username": "a@b.c", "password": "x"}, 400, "invalid_grant"},
		{"bad refresh", map[string]any{"grant_type": "refresh_token", "client_id": salesChannelID, "refresh_token": "nope"}, 400, "invalid_grant"},
		{"malformed", "{", 400, "invalid_request"},
	}
	for _, tc := range cases {
		res := sb.Do(t, "POST", "/oauth/token", tc.body)
		var body struct {
			Errors []struct {
				Title, Detail, Code string
				Status              any
			}
		}
		if err := json.Unmarshal(res.Body, &body); err != nil || res.Status != tc.status || len(body.Errors) != 1 ||
			body.Errors[0].Title != tc.title || body.Errors[0].Status != float64(tc.status) || body.Errors[0].Detail == "" {
			t.Errorf("%s: %d %s", tc.name, res.Status, res.Body)
		}
	}
}

func TestExpiredBadAndRevokedTokens(t *testing.T) {
	sb := start(t)
	sc := salesChannel(t, sb, "market:code:EU")
	sc.must(200, "GET", "/api/skus", nil)

	// Four hours later on the organization's clock the token is dead.
	sb.Advance(t, org, 4*time.Hour+time.Second)
	e := sc.fails(401, "INVALID_TOKEN", "GET", "/api/skus", nil)
	if e["title"] != "Invalid token" || e["detail"] != "The access token you provided is invalid." {
		t.Errorf("error: %v", e)
	}

	// A token that is not ours, one with a forged signature, none at all.
	fresh := salesChannel(t, sb, "")
	parts := strings.Split(fresh.token, ".")
	for _, bad := range []string{"abc", parts[0] + "." + parts[1] + ".AAAA", ""} {
		(&api{t: t, sb: sb, token: bad}).fails(401, "INVALID_TOKEN", "GET", "/api/skus", nil)
	}

	// Revoked.
	fresh.must(200, "GET", "/api/markets", nil)
	res := sb.Do(t, "POST", "/oauth/revoke", map[string]any{"client_id": salesChannelID, "token": fresh.token})
	if res.Status != 200 || string(res.Body) != "{}" {
		t.Fatalf("revoke: %d %s", res.Status, res.Body)
	}
	fresh.fails(401, "INVALID_TOKEN", "GET", "/api/markets", nil)
}

func TestCustomerPasswordAndRefresh(t *testing.T) {
	sb := start(t)
	sc := salesChannel(t, sb, "market:code:EU")
	cu := sc.must(201, "POST", "/api/customers", create("customers", attrs("email", "jane@example.com", "password", "secret"), nil))
	if cu.str("status") != "prospect" || cu.attr("has_password") != true {
		t.Fatalf("customer: %v", cu)
	}
	// The sales channel alone cannot read customers nor list orders.
	sc.fails(401, "UNAUTHORIZED", "GET", "/api/customers/"+cu.id(), nil)
	sc.fails(401, "UNAUTHORIZED", "GET", "/api/orders", nil)

	tok := tokenFor(t, sb, map[string]any{"grant_type": "password", "client_id": salesChannelID, "username": "jane@example.com",
		"password": "secret", "scope": "market:code:EU"})
	if tok["owner_id"] != cu.id() || tok["owner_type"] != "customer" || tok["refresh_token"] == "" {
		t.Fatalf("password token: %v", tok)
	}
	c := claims(t, tok["access_token"].(string))
	if c["owner"].(map[string]any)["id"] != cu.id() {
		t.Errorf("owner claim: %v", c)
	}
	me := &api{t: t, sb: sb, token: tok["access_token"].(string)}
	mine := me.cart(tshirt, 1)
	if mine.str("customer_email") != "jane@example.com" {
		t.Errorf("the customer's order: %v", mine.data()["attributes"])
	}
	sc.cart(mug, 1) // a guest order, not Jane's
	list := me.must(200, "GET", "/api/orders", nil)
	if len(list.list()) != 1 || list.list()[0].(map[string]any)["id"] != mine.id() {
		t.Fatalf("a customer lists only its orders: %v", list)
	}
	me.must(200, "GET", "/api/customers/"+cu.id(), nil)

	// Refresh: a new pair; the old refresh token is spent.
	refreshed := tokenFor(t, sb, map[string]any{"grant_type": "refresh_token", "client_id": salesChannelID, "refresh_token": tok["refresh_token"]})
	if refreshed["refresh_token"] == tok["refresh_token"] || refreshed["owner_id"] != cu.id() {
		t.Fatalf("refresh: %v", refreshed)
	}
	res := sb.Do(t, "POST", "/oauth/token", map[string]any{"grant_type": "refresh_token", "client_id": salesChannelID, "refresh_token": tok["refresh_token"]})
	if res.Status != 400 {
		t.Errorf("spent refresh token: %d %s", res.Status, res.Body)
	}
}

func TestSalesChannelRestrictions(t *testing.T) {
	sb := start(t)
	sc := salesChannel(t, sb, "market:code:EU")
	o := sc.cart(tshirt, 1)
	id := o.id()
	sc.fails(401, "UNAUTHORIZED", "GET", "/api/orders", nil)
	for _, trigger := range []string{"_approve", "_capture", "_refund", "_approve_and_capture", "_cancel"} {
		e := sc.fails(401, "UNAUTHORIZED", "PATCH", "/api/orders/"+id, update("orders", id, attrs(trigger, true), nil))
		if e["title"] != "Access denied" {
			t.Errorf("%s: %v", trigger, e)
		}
	}
	sc.fails(401, "UNAUTHORIZED", "GET", "/api/webhooks", nil)
	sc.fails(401, "UNAUTHORIZED", "GET", "/api/authorizations", nil)
	sc.fails(401, "UNAUTHORIZED", "GET", "/api/klarna_gateways", nil)
	// Without a market in its scope a sales channel only reads.
	noMarket := salesChannel(t, sb, "")
	noMarket.must(200, "GET", "/api/skus", nil)
	noMarket.fails(401, "UNAUTHORIZED", "POST", "/api/orders", create("orders", nil, nil))
	// Single orders stay readable by id.
	sc.must(200, "GET", "/api/orders/"+id, nil)
	// The integration may do all of it; it names the market of an order.
	in := integration(t, sb)
	in.must(200, "GET", "/api/orders", nil)
	in.fails(422, "VALIDATION_ERROR", "POST", "/api/orders", create("orders", nil, nil))
	if us := in.must(201, "POST", "/api/orders", create("orders", nil, map[string]any{"market": rel("markets", marketUS)})); us.str("currency_code") != "USD" {
		t.Errorf("integration order: %v", us.data()["attributes"])
	}
	in.must(200, "GET", "/api/webhooks", nil)
}

func TestOrganizationFromHostAndReset(t *testing.T) {
	sb := start(t)
	// acme.localhost names another organization with the same default world.
	u, _ := url.Parse(sb.URL)
	res := do(t, sb, "POST", "/oauth/token", `{"grant_type":"client_credentials","client_id":"`+salesChannelID+`","scope":"market:code:US"}`,
		"acme.localhost:"+u.Port(), "Content-Type", "application/json")
	if res.Status != 200 {
		t.Fatalf("acme token: %d %s", res.Status, res.Body)
	}
	var tok map[string]any
	_ = json.Unmarshal(res.Body, &tok)
	c := claims(t, tok["access_token"].(string))
	if c["organization"].(map[string]any)["slug"] != "acme" || c["iss"] != "https://auth.localhost:"+u.Port() {
		t.Fatalf("acme claims: %v", c)
	}
	acme := &api{t: t, sb: sb, token: tok["access_token"].(string)}
	o := acme.cart(mug, 1)
	if o.str("currency_code") != "USD" {
		t.Errorf("acme US order: %v", o.data()["attributes"])
	}
	// Its data is its own.
	in := integration(t, sb)
	in.fails(404, "RECORD_NOT_FOUND", "GET", "/api/orders/"+o.id(), nil)

	// A reset organization comes back with the default world, and old tokens die.
	if res := sb.Do(t, "POST", "/_sandbox/tenants/acme/reset", nil); res.Status != 200 {
		t.Fatalf("reset: %d %s", res.Status, res.Body)
	}
	acme.fails(401, "INVALID_TOKEN", "GET", "/api/skus", nil)
	res = do(t, sb, "POST", "/oauth/token", `{"grant_type":"client_credentials","client_id":"`+salesChannelID+`"}`,
		"acme.localhost:"+u.Port(), "Content-Type", "application/json")
	_ = json.Unmarshal(res.Body, &tok)
	again := &api{t: t, sb: sb, token: tok["access_token"].(string)}
	skus := again.must(200, "GET", "/api/skus", nil)
	if skus.meta("record_count") != float64(5) {
		t.Errorf("default world after reset: %v", skus["meta"])
	}
}

// do sends a request to another host name (the emulator's address, another Host).
func do(t *testing.T, sb *sandboxtest.Sandbox, method, path, body, host string, header ...string) *sandboxtest.Response {
	t.Helper()
	req, err := http.NewRequest(method, sb.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := sb.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return &sandboxtest.Response{Status: resp.StatusCode, Header: resp.Header, Body: raw}
}

// A customer's token writes only onto what it may read: not another
// customer's account, through a relationship, on create or update.
func TestCustomerWritesOnlyItsOwn(t *testing.T) {
	sb := start(t)
	sc := salesChannel(t, sb, "market:code:EU")
	jane := sc.must(201, "POST", "/api/customers", create("customers", attrs("email", "jane@example.com", "password", "secret"), nil))
	bob := sc.must(201, "POST", "/api/customers", create("customers", attrs("email", "bob@example.com", "password", "secret"), nil))
	tok := tokenFor(t, sb, map[string]any{"grant_type": "password", "client_id": salesChannelID, "username": "jane@example.com",
		"password": "secret", "scope": "market:code:EU"})
	me := &api{t: t, sb: sb, token: tok["access_token"].(string)}
	in := integration(t, sb)
	addr := in.must(201, "POST", "/api/addresses", create("addresses", italianAddress("jane@example.com"), nil))
	on := func(customer string) map[string]any {
		return map[string]any{"customer": rel("customers", customer), "address": rel("addresses", addr.id())}
	}

	e := me.fails(404, "RECORD_NOT_FOUND", "POST", "/api/customer_addresses",
		create("customer_addresses", attrs("customer_email", "bob@example.com"), on(bob.id())))
	if src, _ := e["source"].(map[string]any); src["pointer"] != "/data/relationships/customer" {
		t.Errorf("error: %v", e)
	}
	mine := me.must(201, "POST", "/api/customer_addresses", create("customer_addresses", attrs("customer_email", "jane@example.com"), on(jane.id())))
	me.fails(404, "RECORD_NOT_FOUND", "PATCH", "/api/customer_addresses/"+mine.id(),
		update("customer_addresses", mine.id(), nil, map[string]any{"customer": rel("customers", bob.id())}))
	if got := in.must(200, "GET", "/api/customer_addresses?filter[q][customer_id_eq]="+bob.id(), nil); len(got.list()) != 0 {
		t.Fatalf("Bob's addresses: %v", got)
	}
	// The integration may attach to any customer.
	in.must(201, "POST", "/api/customer_addresses", create("customer_addresses", attrs("customer_email", "bob@example.com"), on(bob.id())))
}

// A guest's token sees every cart (a storefront without sign-in) and adds
// to any of them; a customer's token sees and adds only to its own: not to
// another customer's cart, by the line's order relationship or by GET.
func TestCartsOfGuestsAndCustomers(t *testing.T) {
	sb := start(t)
	guest := salesChannel(t, sb, "market:code:EU")
	for _, email := range []string{"jane@example.com", "bob@example.com"} {
		guest.must(201, "POST", "/api/customers", create("customers", attrs("email", email, "password", "secret"), nil))
	}
	as := func(email string) *api {
		tok := tokenFor(t, sb, map[string]any{"grant_type": "password", "client_id": salesChannelID, "username": email,
			"password": "secret", "scope": "market:code:EU"})
		return &api{t: t, sb: sb, token: tok["access_token"].(string)}
	}
	jane, bob := as("jane@example.com"), as("bob@example.com")
	line := func(orderID string) map[string]any {
		return create("line_items", attrs("sku_code", mug, "quantity", 1), map[string]any{"order": rel("orders", orderID)})
	}
	janes := jane.must(201, "POST", "/api/orders", create("orders", nil, nil)).id()
	jane.must(201, "POST", "/api/line_items", line(janes))
	e := bob.fails(404, "RECORD_NOT_FOUND", "POST", "/api/line_items", line(janes))
	if src, _ := e["source"].(map[string]any); src["pointer"] != "/data/relationships/order" {
		t.Errorf("error: %v", e)
	}
	bob.fails(404, "RECORD_NOT_FOUND", "GET", "/api/orders/"+janes, nil)
	guests := guest.cart(mug, 1).id()
	guest.must(201, "POST", "/api/line_items", line(guests))
	guest.must(200, "GET", "/api/orders/"+janes, nil)
	if got := jane.must(200, "GET", "/api/orders/"+janes+"?include=line_items", nil); len(got["included"].([]any)) != 1 {
		t.Fatalf("Jane's cart: %v", got)
	}
	if got := guest.must(200, "GET", "/api/orders/"+guests, nil); got.cents("skus_count") != 2 {
		t.Fatalf("the guest's cart: %v", got)
	}
}
