package dashboard

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/paysandbox/paysandbox/emulator/journal"
	"github.com/paysandbox/paysandbox/emulator/store"
	"github.com/paysandbox/paysandbox/emulator/webhook"
)

// The records are read from the store as the providers keep them
// (tenants/<tenant>/<provider>/<collection>/<id>, JSON), never through a
// provider's internals. What to show first, and under which name, is data.

type collection struct{ Key, Label, Note string }

type vendor struct {
	Key, Name string
	// Featured collections come first, in this order; any other the tenant
	// holds follows under its own name.
	Featured []collection
}

var vendors = []vendor{
	{Key: "klarna", Name: "Klarna", Featured: []collection{
		{"sessions", "Payment sessions", "Payments API sessions"},
		{"authorizations", "Authorizations", "authorization tokens from the widget or the SDK stand-in"},
		{"orders", "Orders", "Order Management orders, with their captures and refunds"},
		{"customer_tokens", "Customer tokens", ""},
		{"hpp_sessions", "HPP sessions", "Hosted Payment Page sessions"},
	}},
	{Key: "multisafepay", Name: "MultiSafepay", Featured: []collection{
		{"orders", "Orders", "orders with their transactions and refunds; notifications are below"},
	}},
	{Key: "commercelayer", Name: "Commerce Layer", Featured: []collection{
		{"organization", "Organization", ""},
		{"orders", "Orders", "orders; line items, payments and shipments link to them"},
		{"line_items", "Line items", ""},
		{"klarna_payments", "Klarna payments", ""},
		{"payment_methods", "Payment methods", ""},
		{"shipments", "Shipments", ""},
		{"customers", "Customers", ""},
	}},
}

// hidden collections are indexes, caches or secrets, not objects: a payment
// page session id pointing at an order id, idempotent answers, the keys that
// sign client tokens and access tokens, refresh tokens.
var hidden = map[string]map[string]bool{
	"klarna":        {"keys": true, "idempotency": true, "redirects": true},
	"multisafepay":  {"sessions": true, "psp": true},
	"commercelayer": {"signing_keys": true, "refresh_tokens": true, "revoked_tokens": true},
}

func vendorByKey(key string) (vendor, bool) {
	for _, v := range vendors {
		if v.Key == key {
			return v, true
		}
	}
	return vendor{}, false
}

func vendorName(key string) string {
	if v, ok := vendorByKey(key); ok {
		return v.Name
	}
	if key == "sandbox" {
		return "paysandbox admin"
	}
	return key
}

func (v vendor) label(col string) string {
	for _, c := range v.Featured {
		if c.Key == col {
			return c.Label
		}
	}
	return strings.ReplaceAll(col, "_", " ")
}

// one names a single object of col ("Orders" -> "Order").
func (v vendor) one(col string) string {
	l := v.label(col)
	if strings.HasSuffix(l, "ies") {
		return strings.TrimSuffix(l, "ies") + "y"
	}
	return strings.TrimSuffix(l, "s")
}

// collectionsOf lists what the tenant holds of vendor v, featured first.
func (u *UI) collectionsOf(tenant string, v vendor) ([]collectionCount, error) {
	all, err := u.d.Store.Collections(tenant)
	if err != nil {
		return nil, err
	}
	return countsOf(all[v.Key], v), nil
}

// countsOf orders one vendor's collection counts: featured first.
func countsOf(have map[string]int, v vendor) []collectionCount {
	var out []collectionCount
	for _, c := range v.Featured {
		if n, ok := have[c.Key]; ok {
			out = append(out, collectionCount{collection: c, Count: n, Featured: true})
		}
	}
	var rest []string
	for k := range have {
		if !slices.ContainsFunc(v.Featured, func(c collection) bool { return c.Key == k }) && !hidden[v.Key][k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	for _, k := range rest {
		out = append(out, collectionCount{collection: collection{Key: k, Label: v.label(k)}, Count: have[k]})
	}
	return out
}

type collectionCount struct {
	collection
	Count    int
	Featured bool
}

// record is one stored object.
type record struct {
	Provider, Tenant, Collection, ID string
	Raw                              []byte
	Fields                           map[string]any
}

func (r record) Link() string {
	return objectLink(r.Tenant, r.Provider, r.Collection, r.ID)
}

func objectLink(tenant, provider, col, id string) string {
	return Prefix + "/t/" + url_(tenant) + "/" + url_(provider) + "/" + url_(col) + "/" + url_(id)
}

func (u *UI) list(ctx context.Context, tenant, provider, col string, limit int) ([]record, int, error) {
	var out []record
	total := 0
	err := u.d.Store.View(ctx, provider, tenant, func(tx *store.Tx) error {
		total = tx.Count(col)
		// From the end: the newest records of a collection kept in creation
		// order (Klarna's sessions), whatever the others' key order.
		return tx.ListBack(col, func(id string, raw []byte) (bool, error) {
			out = append(out, decode(provider, tenant, col, id, raw))
			return len(out) < limit, nil
		})
	})
	// Newest first where records say when they were made.
	sort.SliceStable(out, func(i, j int) bool { return out[i].Created().After(out[j].Created()) })
	return out, total, err
}

func (u *UI) get(ctx context.Context, tenant, provider, col, id string) (record, error) {
	var raw json.RawMessage
	err := u.d.Store.View(ctx, provider, tenant, func(tx *store.Tx) error { return tx.Get(col, id, &raw) })
	if err != nil {
		return record{}, err
	}
	return decode(provider, tenant, col, id, raw), nil
}

func decode(provider, tenant, col, id string, raw []byte) record {
	r := record{Provider: provider, Tenant: tenant, Collection: col, ID: id, Raw: append([]byte(nil), raw...)}
	_ = json.Unmarshal(raw, &r.Fields) // not an object: Fields stays nil, Raw shows
	return r
}

// field finds a value at the top level or in JSON:API style "attributes".
func (r record) field(keys ...string) any {
	for _, k := range keys {
		if v, ok := r.Fields[k]; ok && v != nil {
			return v
		}
		if a, ok := r.Fields["attributes"].(map[string]any); ok {
			if v, ok := a[k]; ok && v != nil {
				return v
			}
		}
	}
	return nil
}

func (r record) str(keys ...string) string {
	switch v := r.field(keys...).(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	default:
		return fmt.Sprint(v)
	}
}

// Status is the record's state, in the vendor's words.
func (r record) Status() string {
	return r.str("status", "financial_status")
}

// Fraud is Klarna's fraud_status.
func (r record) Fraud() string { return r.str("fraud_status") }

// Amount is the amount in minor units with its currency, when it has one.
func (r record) Amount() string {
	amt := r.str("order_amount", "amount", "total_amount_cents", "total_cents", "amount_cents", "captured_amount")
	if amt == "" {
		return ""
	}
	cur := r.str("purchase_currency", "currency", "currency_code")
	return strings.TrimSpace(cur + " " + minor(amt))
}

func minor(s string) string {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return s
	}
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	return fmt.Sprintf("%s%d.%02d", sign, n/100, n%100)
}

// Label is a human name for the record: its number, reference, name.
func (r record) Label() string {
	return r.str("number", "merchant_reference1", "reference", "klarna_reference", "name", "description", "code", "sku_code", "email", "customer_email")
}

// Created is when the record was made (zero when it does not say).
func (r record) Created() time.Time {
	t, _ := parseTime(r.str("created_at", "created"))
	return t
}

func parseTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil && t.Year() > 1 {
			return t, true
		}
	}
	return time.Time{}, false
}

// aliases are the strings that name this object in requests and webhooks:
// its id and the ids it was made under (a payment page's session, an
// authorization token, a transaction id, a checkout token).
func (r record) aliases() []string {
	out := []string{r.ID}
	for _, k := range []string{"session_id", "authorization_token", "transaction_id", "token", "klarna_reference", "order_id"} {
		if s := r.str(k); len(s) >= 6 && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// --- related objects

type link struct {
	Label, Href, Note string
}

// related finds the objects this one names (its *_id fields) and the ones
// that name it (a line item's order_id).
func (u *UI) related(ctx context.Context, r record) (refs, children []link) {
	cols, _ := u.d.Store.Collections(r.Tenant)
	have := cols[r.Provider]
	v, _ := vendorByKey(r.Provider)
	for k, val := range r.Fields {
		s, ok := val.(string)
		if !ok || s == "" || s == r.ID {
			continue
		}
		base, ok := strings.CutSuffix(k, "_id")
		if !ok {
			base, ok = strings.CutSuffix(k, "_token")
		}
		if !ok {
			continue
		}
		for _, col := range []string{base + "s", base + "es", base, base + "_tokens"} {
			if _, exists := have[col]; !exists || hidden[r.Provider][col] {
				continue
			}
			if _, err := u.get(ctx, r.Tenant, r.Provider, col, s); err == nil {
				refs = append(refs, link{Label: v.one(col) + " " + s, Href: objectLink(r.Tenant, r.Provider, col, s), Note: k})
				break
			}
		}
	}
	sort.Slice(refs, func(i, j int) bool { return refs[i].Label < refs[j].Label })
	// Children: records whose <singular>_id is this id.
	key := strings.TrimSuffix(r.Collection, "s") + "_id"
	for col := range have {
		if col == r.Collection || hidden[r.Provider][col] {
			continue
		}
		_ = u.d.Store.View(ctx, r.Provider, r.Tenant, func(tx *store.Tx) error {
			return tx.List(col, func(id string, raw []byte) error {
				if len(children) >= 200 || !strings.Contains(string(raw), r.ID) {
					return nil
				}
				c := decode(r.Provider, r.Tenant, col, id, raw)
				if c.str(key) == r.ID {
					children = append(children, link{Label: v.one(col) + " " + id, Href: c.Link(), Note: strings.TrimSpace(c.Label() + " " + c.Status())})
				}
				return nil
			})
		})
	}
	sort.Slice(children, func(i, j int) bool { return children[i].Label < children[j].Label })
	return refs, children
}

// --- what touched an object

// names reports whether any of texts contains any of the object's aliases.
func names(aliases []string, texts ...string) bool {
	for _, a := range aliases {
		for _, s := range texts {
			if strings.Contains(s, a) {
				return true
			}
		}
	}
	return false
}

func mentions(e journal.Entry, aliases []string) bool {
	return names(aliases, e.Path, e.Query, e.RequestBody, e.ResponseBody, e.ResponseHeader["Location"])
}

// requestsFor lists journal entries that name the object, newest first.
// Credential-less browser pages (a payment page) carry no tenant; they count
// when they name the object.
func (u *UI) requestsFor(r record) []journal.Entry {
	aliases := r.aliases()
	out := u.d.Journal.Since(0, 1000, func(e journal.Entry) bool {
		return e.Provider == r.Provider && (e.Tenant == r.Tenant || e.Tenant == "") && mentions(e, aliases)
	})
	slices.Reverse(out)
	return out
}

func (u *UI) webhooksFor(ctx context.Context, r record) []webhook.Delivery {
	aliases := r.aliases()
	ds, _ := u.d.Webhooks.List(ctx, webhook.Filter{Provider: r.Provider, Tenant: r.Tenant, Limit: 100000})
	var out []webhook.Delivery
	for _, d := range ds {
		if names(aliases, d.URL, string(d.Body)) {
			out = append(out, d)
		}
	}
	return out
}

// jobsFor lists scheduled jobs of the tenant that name the object (a fraud
// review, an expiry).
func (u *UI) jobsFor(ctx context.Context, r record) []store.Job {
	aliases := r.aliases()
	var out []store.Job
	for _, j := range u.jobs(ctx, r.Tenant) {
		if j.Provider == r.Provider && names(aliases, j.ID, string(j.Payload)) {
			out = append(out, j)
		}
	}
	return out
}

// maxJobs is how many scheduled jobs a page lists (per tenant).
const maxJobs = 5000

// jobs lists the scheduled jobs of tenant ("" = all), soonest first.
func (u *UI) jobs(ctx context.Context, tenant string) []store.Job {
	var out []store.Job
	u.eachJob(ctx, func(j store.Job) bool {
		if tenant == "" || j.Tenant == tenant {
			out = append(out, j)
		}
		return len(out) < maxJobs
	})
	soonestFirst(out)
	return out
}

// jobsByTenant is jobs(t) for every tenant t, from one pass over the jobs.
func (u *UI) jobsByTenant(ctx context.Context) map[string][]store.Job {
	out := map[string][]store.Job{}
	u.eachJob(ctx, func(j store.Job) bool {
		if len(out[j.Tenant]) < maxJobs {
			out[j.Tenant] = append(out[j.Tenant], j)
		}
		return true
	})
	for _, js := range out {
		soonestFirst(js)
	}
	return out
}

// eachJob calls f with each readable scheduled job, in id order, while f
// returns true.
func (u *UI) eachJob(ctx context.Context, f func(store.Job) bool) {
	_ = u.d.Store.SysView(ctx, func(tx *store.Tx) error {
		return tx.Sys(store.JobsBucket).List(false, func(_ string, raw []byte) (bool, error) {
			var j store.Job
			if json.Unmarshal(raw, &j) != nil {
				return true, nil
			}
			return f(j), nil
		})
	})
}

func soonestFirst(js []store.Job) {
	sort.SliceStable(js, func(i, j int) bool { return js[i].At.Before(js[j].At) })
}

// runJobNow makes one scheduled job due at the tenant's present and runs
// what is due: a pending fraud review decides, an expiry happens.
func (u *UI) runJobNow(ctx context.Context, id string) (store.Job, error) {
	var j store.Job
	err := u.d.Store.SysUpdate(ctx, func(tx *store.Tx) error {
		if err := tx.GetJob(id, &j); err != nil {
			return err
		}
		if now := u.d.Clock.Now(j.Tenant); j.At.After(now) {
			j.At = now
			return tx.PutJob(j) // moves its entry in the due-time index too
		}
		return nil
	})
	if err != nil {
		return j, err
	}
	u.d.Scheduler.RunDue(ctx)
	return j, nil
}

// --- history

type event struct {
	At     time.Time
	What   string
	Status string // the state after this event, when it says
	Href   string
	Change bool // the state differs from the one before
}

// history is the object's timeline on the tenant's virtual clock: the times
// the record itself keeps, the requests that touched it (with the state
// their answers showed) and the webhooks it caused.
func (u *UI) history(r record, reqs []journal.Entry, hooks []webhook.Delivery) []event {
	var evs []event
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, val := range x {
				p := k
				if prefix != "" {
					p = prefix + "." + k
				}
				if s, ok := val.(string); ok && (strings.HasSuffix(k, "_at") || k == "created" || k == "modified" || k == "completed") {
					if t, ok := parseTime(s); ok && !strings.HasPrefix(k, "expires") && k != "updated_at" && k != "modified" {
						evs = append(evs, event{At: t, What: strings.ReplaceAll(strings.TrimSuffix(p, "_at"), "_", " ")})
					}
					continue
				}
				walk(p, val)
			}
		case []any:
			for i, val := range x {
				walk(fmt.Sprintf("%s[%d]", prefix, i), val)
			}
		}
	}
	walk("", r.Fields)
	for _, e := range reqs {
		ev := event{At: e.Time, What: fmt.Sprintf("%s %s → %d", e.Method, e.Path, e.Status), Href: Prefix + "/requests/" + strconv.FormatUint(e.ID, 10)}
		if e.Status < 400 {
			ev.Status = statusIn(e.ResponseBody, r.ID)
		}
		evs = append(evs, ev)
	}
	for _, d := range hooks {
		evs = append(evs, event{At: d.CreatedAt, What: "webhook " + d.Event + " (" + d.Status + ")", Href: Prefix + "/webhooks/" + url_(d.ID)})
	}
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].At.Before(evs[j].At) })
	last := ""
	for i := range evs {
		if evs[i].Status != "" {
			evs[i].Change = evs[i].Status != last
			last = evs[i].Status
		}
	}
	return evs
}

// statusIn reads the state an answer shows: status and fraud_status at the
// top, in "data" (MultiSafepay) or in JSON:API attributes.
func statusIn(body, id string) string {
	var m map[string]any
	if json.Unmarshal([]byte(body), &m) != nil {
		return ""
	}
	if d, ok := m["data"].(map[string]any); ok {
		if a, ok := d["attributes"].(map[string]any); ok {
			if d["id"] != nil && d["id"] != id {
				return ""
			}
			m = a
		} else {
			m = d
		}
	}
	var parts []string
	for _, k := range []string{"status", "fraud_status", "financial_status", "payment_status", "fulfillment_status"} {
		if s, ok := m[k].(string); ok && s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " · ")
}
