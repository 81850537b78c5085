package snapshot_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/paysandbox/paysandbox/emulator"
	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
)

type obj = map[string]any

const (
	public = "http://pay.demo.test" // both instances hand out the same links
	ktn    = "PK_TEST_snap"
	mspKey = "snap-msp-key"
)

var billing = obj{"given_name": "Testperson-se", "family_name": "Approved", "email": "customer@email.se", "street_address": "Stårgatan 1",
	"postal_code": "12345", "city": "Ankeborg", "country": "SE", "phone": "+46765260000"}

func basic(user string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":secret"))
}

func start(t *testing.T, seed int64, token string) *sandboxtest.Sandbox {
	return sandboxtest.Start(t, sandboxtest.WithConfig(func(c *emulator.Config) {
		c.PublicURL, c.Seed, c.AdminToken = public, seed, token
	}))
}

func want(t *testing.T, r *sandboxtest.Response, status int) *sandboxtest.Response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	return r
}

// checkout runs a Klarna checkout (session, authorization, order, a
// capture) and a MultiSafepay order paid on its payment page, advances the
// Klarna tenant's clock and arms a scenario for it; it returns the GETs
// whose bodies a snapshot must reproduce.
func checkout(t *testing.T, sb *sandboxtest.Sandbox, admin ...string) []string {
	t.Helper()
	kauth := []string{"Authorization", basic(ktn)}
	cart := obj{"acquiring_channel": "ECOMMERCE", "intent": "buy", "purchase_country": "SE", "purchase_currency": "SEK",
		"locale": "en-SE", "order_amount": 9500, "order_tax_amount": 1900, "order_lines": []any{obj{"type": "physical",
			"reference": "19-402", "name": "Battery Power Pack", "quantity": 2, "unit_price": 5000, "tax_rate": 2500,
			"total_amount": 9500, "total_discount_amount": 500, "total_tax_amount": 1900}},
		"merchant_urls": obj{"confirmation": "https://shop.example/thanks?oid={order.id}"}}
	s := want(t, sb.Do(t, http.MethodPost, "/payments/v1/sessions", cart, kauth...), 200).JSON(t)
	sid, ct := s["session_id"].(string), s["client_token"].(string)
	a := want(t, sb.Do(t, http.MethodPost, "/_sandbox/klarna/authorizations", obj{"client_token": ct, "billing_address": billing}), 200).JSON(t)
	o := want(t, sb.Do(t, http.MethodPost, "/payments/v1/authorizations/"+a["authorization_token"].(string)+"/order", cart, kauth...), 200).JSON(t)
	oid := o["order_id"].(string)
	if !strings.HasPrefix(o["redirect_url"].(string), public+"/") {
		t.Fatalf("redirect_url %v does not use the public URL", o["redirect_url"])
	}
	want(t, sb.Do(t, http.MethodPost, "/ordermanagement/v1/orders/"+oid+"/captures", obj{"captured_amount": 4000}, kauth...), 201)

	m := want(t, sb.Do(t, http.MethodPost, "/v1/json/orders", obj{"type": "redirect", "order_id": "snap-1", "currency": "EUR",
		"amount": 1000, "description": "Snapshot order"}, "api_key", mspKey), 200).JSON(t)
	pu, _ := url.Parse(m["data"].(obj)["payment_url"].(string))
	if pu.Scheme+"://"+pu.Host != public {
		t.Fatalf("payment_url %s does not use the public URL", pu)
	}
	form := url.Values{"outcome": {"completed"}, "gateway": {"IDEAL"}}.Encode()
	if r := sb.Do(t, http.MethodPost, pu.RequestURI(), form, "Content-Type", "application/x-www-form-urlencoded"); r.Status >= 400 {
		t.Fatalf("payment page: %d %s", r.Status, r.Body)
	}

	want(t, sb.Do(t, http.MethodPost, "/_sandbox/clock/advance", obj{"duration": "2h", "tenant": ktn}, admin...), 200)
	want(t, sb.Do(t, http.MethodPost, "/_sandbox/scenarios/klarna-rejected/arm", obj{"tenant": ktn, "times": 3}, admin...), 200)
	return []string{
		"/payments/v1/sessions/" + sid,
		"/ordermanagement/v1/orders/" + oid,
		"/ordermanagement/v1/orders/" + oid + "/captures",
		"/v1/json/orders/snap-1",
	}
}

func headers(path string) []string {
	if strings.HasPrefix(path, "/v1/json/") {
		return []string{"api_key", mspKey}
	}
	return []string{"Authorization", basic(ktn)}
}

func bodies(t *testing.T, sb *sandboxtest.Sandbox, paths []string, admin ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, p := range paths {
		out[p] = string(want(t, sb.Do(t, http.MethodGet, p, nil, headers(p)...), 200).Body)
	}
	out["armed"] = string(want(t, sb.Do(t, http.MethodGet, "/_sandbox/scenarios/armed?tenant="+ktn, nil, admin...), 200).Body)
	c := want(t, sb.Do(t, http.MethodGet, "/_sandbox/clock?tenant="+ktn, nil, admin...), 200).JSON(t)
	out["clock offset"] = c["offset"].(string)
	return out
}

func TestSnapshotAfterCheckoutLoadsIntoAFreshInstance(t *testing.T) {
	admin := []string{"Authorization", "Bearer adm"}
	sb := start(t, 1, "adm")
	paths := checkout(t, sb, admin...)
	before := bodies(t, sb, paths, admin...)
	if before["clock offset"] != "2h0m0s" || !strings.Contains(before["armed"], `"klarna-rejected"`) {
		t.Fatalf("setup: %v", before)
	}

	// Taking a snapshot is guarded like every admin call.
	want(t, sb.Do(t, http.MethodPost, "/_sandbox/snapshots", nil), 401)
	snap := want(t, sb.Do(t, http.MethodPost, "/_sandbox/snapshots", nil, admin...), 200)
	if cd := snap.Header.Get("Content-Disposition"); cd != `attachment; filename="paysandbox-all.snapshot.json"` {
		t.Fatalf("Content-Disposition %q", cd)
	}
	var head struct {
		Kind    string `json:"kind"`
		Version int    `json:"version"`
		Tenant  string `json:"tenant"`
	}
	if err := json.Unmarshal(snap.Body, &head); err != nil || head.Kind != "paysandbox-snapshot" || head.Version != 1 || head.Tenant != "*" {
		t.Fatalf("snapshot head %+v %v", head, err)
	}

	// Another seed, so ids made after the load do not repeat the first
	// instance's stream.
	fresh := start(t, 2, "adm")
	want(t, fresh.Do(t, http.MethodPut, "/_sandbox/snapshots/*", snap.Body), 401)
	r := want(t, fresh.Do(t, http.MethodPut, "/_sandbox/snapshots/*", snap.Body, admin...), 200).JSON(t)
	if r["loaded"] != "*" || r["records"].(float64) < 5 {
		t.Fatalf("load answer %v", r)
	}
	after := bodies(t, fresh, paths, admin...)
	for k, v := range before {
		if after[k] != v {
			t.Errorf("%s differs after the load:\nbefore %s\nafter  %s", k, v, after[k])
		}
	}
	// The armed scenario acts in the new instance: the tenant's next order
	// is rejected.
	cart := obj{"purchase_country": "SE", "purchase_currency": "SEK", "locale": "en-SE", "order_amount": 1000, "order_tax_amount": 0,
		"order_lines": []any{obj{"name": "Socks", "quantity": 1, "unit_price": 1000, "tax_rate": 0, "total_amount": 1000, "total_tax_amount": 0}}}
	s := want(t, fresh.Do(t, http.MethodPost, "/payments/v1/sessions", cart, "Authorization", basic(ktn)), 200).JSON(t)
	a := want(t, fresh.Do(t, http.MethodPost, "/_sandbox/klarna/authorizations", obj{"client_token": s["client_token"], "billing_address": billing}), 200).JSON(t)
	rej := fresh.Do(t, http.MethodPost, "/payments/v1/authorizations/"+a["authorization_token"].(string)+"/order", cart, "Authorization", basic(ktn))
	if rej.Status != 403 || !strings.Contains(string(rej.Body), "REJECTED") {
		t.Errorf("the loaded armed scenario did not act: %d %s", rej.Status, rej.Body)
	}
	if got := want(t, fresh.Do(t, http.MethodGet, "/_sandbox/snapshots/*", nil, admin...), 200); !bytes.Contains(got.Body, []byte(`"klarna-rejected"`)) {
		t.Fatalf("re-snapshot lost the armed scenario")
	}
}

func TestTenantSnapshotReplacesOnlyThatTenant(t *testing.T) {
	sb := start(t, 1, "")
	paths := checkout(t, sb)
	before := bodies(t, sb, paths)
	snap := want(t, sb.Do(t, http.MethodPost, "/_sandbox/snapshots", obj{"tenant": ktn}), 200)
	if cd := snap.Header.Get("Content-Disposition"); !strings.Contains(cd, "paysandbox-"+ktn+".snapshot.json") {
		t.Fatalf("Content-Disposition %q", cd)
	}
	if bytes.Contains(snap.Body, []byte("snap-1")) {
		t.Fatal("a Klarna tenant's snapshot holds the MultiSafepay tenant's order")
	}

	target := start(t, 3, "")
	// The target has its own tenants; one of them has the same name and other data.
	other := want(t, target.Do(t, http.MethodPost, "/v1/json/orders", obj{"type": "redirect", "order_id": "keep-1", "currency": "EUR",
		"amount": 500, "description": "Stays"}, "api_key", "other-key"), 200)
	_ = other
	want(t, target.Do(t, http.MethodPost, "/_sandbox/clock/advance", obj{"duration": "5h", "tenant": ktn}), 200)

	// Wrong scope: refused, nothing changes.
	bad := want(t, target.Do(t, http.MethodPut, "/_sandbox/snapshots/someone-else", snap.Body), 409).JSON(t)
	if e := bad["error"].(obj); e["code"] != "scope_mismatch" || !strings.Contains(e["message"].(string), "/_sandbox/snapshots/"+ktn) {
		t.Fatalf("scope mismatch: %v", bad)
	}
	want(t, target.Do(t, http.MethodPut, "/_sandbox/snapshots/"+ktn, snap.Body), 200)
	after := bodies(t, target, paths[:3])
	for _, k := range append(paths[:3], "armed", "clock offset") {
		if after[k] != before[k] {
			t.Errorf("%s differs after the load:\nbefore %s\nafter  %s", k, before[k], after[k])
		}
	}
	// The other tenant's order is still there; the MultiSafepay tenant of
	// the first instance was not part of the snapshot.
	want(t, target.Do(t, http.MethodGet, "/v1/json/orders/keep-1", nil, "api_key", "other-key"), 200)
	if r := target.Do(t, http.MethodGet, "/v1/json/orders/snap-1", nil, "api_key", mspKey); r.Status == 200 {
		t.Fatalf("an order outside the tenant snapshot appeared: %s", r.Body)
	}
}

func TestIncompatibleSnapshotsAreRefusedAndChangeNothing(t *testing.T) {
	sb := start(t, 1, "")
	paths := checkout(t, sb)
	snap := want(t, sb.Do(t, http.MethodPost, "/_sandbox/snapshots", obj{"tenant": ktn}), 200)
	var doc map[string]any
	if err := json.Unmarshal(snap.Body, &doc); err != nil {
		t.Fatal(err)
	}
	mutate := func(f func(d map[string]any)) []byte {
		var d map[string]any
		_ = json.Unmarshal(snap.Body, &d)
		f(d)
		b, _ := json.Marshal(d)
		return b
	}

	target := start(t, 3, "")
	tpaths := checkout(t, target)
	before := bodies(t, target, tpaths)

	cases := []struct {
		name, body, code, msg string
		status                int
	}{
		{"newer version", string(mutate(func(d map[string]any) { d["version"] = 2 })), "incompatible_snapshot", "snapshot version 2", 400},
		{"not a snapshot", `{"hello":"world"}`, "incompatible_snapshot", "not a paysandbox snapshot", 400},
		{"malformed", `{"kind":`, "incompatible_snapshot", "not a paysandbox snapshot", 400},
		{"other store format", string(mutate(func(d map[string]any) { d["data"].(map[string]any)["format"] = "paysandbox/9" })), "incompatible_snapshot", `"paysandbox/9"`, 400},
		{"unknown scenario armed", strings.ReplaceAll(string(snap.Body), `"klarna-rejected"`, `"no-such-scenario"`), "incompatible_snapshot", `"no-such-scenario"`, 400},
		// A tenant snapshot that smuggles another tenant's system record fails
		// part-way through the transaction: nothing of it stays.
		{"another tenant's record", string(mutate(func(d map[string]any) {
			sys := d["data"].(map[string]any)["sys"].(map[string]any)
			b, _ := sys["buckets"].(map[string]any)
			if b == nil {
				b = map[string]any{}
				sys["buckets"] = b
			}
			b["zz-extra"] = map[string]any{"records": map[string]any{"x": map[string]any{"tenant": "victim"}}}
		})), "incompatible_snapshot", "another tenant", 400},
	}
	for _, c := range cases {
		r := target.Do(t, http.MethodPut, "/_sandbox/snapshots/"+ktn, c.body)
		if r.Status != c.status {
			t.Fatalf("%s: status %d: %s", c.name, r.Status, r.Body)
		}
		e := r.JSON(t)["error"].(obj)
		if e["code"] != c.code || !strings.Contains(e["message"].(string), c.msg) {
			t.Errorf("%s: %v", c.name, e)
		}
	}
	want(t, target.Do(t, http.MethodPut, "/_sandbox/snapshots/"+ktn, string(snap.Body), "Content-Type", "text/plain"), 415)
	after := bodies(t, target, tpaths)
	for k, v := range before {
		if after[k] != v {
			t.Errorf("%s changed after refused loads:\nbefore %s\nafter  %s", k, v, after[k])
		}
	}
	_ = paths
}

// A team token (scoped to some tenants) takes and loads snapshots of its
// tenants only, and never of the whole instance.
func TestRefuseKeepsATeamToItsTenants(t *testing.T) {
	sb := start(t, 1, "root1,"+ktn+"=team1")
	root := []string{"Authorization", "Bearer root1"}
	team := []string{"Authorization", "Bearer team1"}
	checkout(t, sb, root...)
	own := want(t, sb.Do(t, http.MethodPost, "/_sandbox/snapshots", obj{"tenant": ktn}, team...), 200)
	want(t, sb.Do(t, http.MethodPut, "/_sandbox/snapshots/"+ktn, own.Body, team...), 200)
	want(t, sb.Do(t, http.MethodPost, "/_sandbox/snapshots", nil, team...), 403)
	want(t, sb.Do(t, http.MethodPost, "/_sandbox/snapshots", obj{"tenant": mspKey}, team...), 403)
	want(t, sb.Do(t, http.MethodGet, "/_sandbox/snapshots/*", nil, team...), 403)
	want(t, sb.Do(t, http.MethodGet, "/_sandbox/snapshots/"+mspKey, nil, team...), 403)
	want(t, sb.Do(t, http.MethodPut, "/_sandbox/snapshots/*", own.Body, team...), 403)
	// The own tenant's file put at another tenant's path: refused before it is read.
	if r := want(t, sb.Do(t, http.MethodPut, "/_sandbox/snapshots/"+mspKey, own.Body, team...), 403); !strings.Contains(string(r.Body), "forbidden_tenant") {
		t.Fatalf("body %s", r.Body)
	}
}

// A snapshot is bounded by its size, not by how many values its records
// hold: the loader keeps records raw, so the 100,000-value limit of API
// bodies would refuse a demo instance's file.
func TestLargeSnapshotsLoad(t *testing.T) {
	sb := start(t, 1, "")
	checkout(t, sb)
	snap := want(t, sb.Do(t, http.MethodPost, "/_sandbox/snapshots", obj{"tenant": ktn}), 200)
	var d map[string]any
	if err := json.Unmarshal(snap.Body, &d); err != nil {
		t.Fatal(err)
	}
	tenant := d["data"].(map[string]any)["tenants"].(map[string]any)[ktn].(map[string]any)
	buckets, _ := tenant["buckets"].(map[string]any)
	if buckets == nil {
		buckets = map[string]any{}
		tenant["buckets"] = buckets
	}
	big := make([]int, 150_000)
	buckets["zz-large"] = map[string]any{"records": map[string]any{"r": map[string]any{"values": big}}}
	body, _ := json.Marshal(d)
	r := want(t, sb.Do(t, http.MethodPut, "/_sandbox/snapshots/"+ktn, body), 200).JSON(t)
	if r["loaded"] != ktn {
		t.Fatalf("%v", r)
	}
}
