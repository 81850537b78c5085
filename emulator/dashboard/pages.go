package dashboard

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/paysandbox/paysandbox/emulator/admin"
	"github.com/paysandbox/paysandbox/emulator/contract"
	"github.com/paysandbox/paysandbox/emulator/journal"
	"github.com/paysandbox/paysandbox/emulator/platform"
	"github.com/paysandbox/paysandbox/emulator/scenario"
	"github.com/paysandbox/paysandbox/emulator/store"
	"github.com/paysandbox/paysandbox/emulator/webhook"
)

type ctxKey struct{}

func contextWithSID(ctx context.Context, sid string) context.Context {
	return context.WithValue(ctx, ctxKey{}, sid)
}

func sidFrom(r *http.Request) string {
	s, _ := r.Context().Value(ctxKey{}).(string)
	return s
}

func url_(s string) string { return url.PathEscape(s) }

var funcs = template.FuncMap{
	"vendor": vendorName,
	"time": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05")
	},
	"timep": func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05")
	},
	"pretty": pretty,
	"statusClass": func(code int) string {
		switch {
		case code >= 500:
			return "bad"
		case code >= 400:
			return "warn"
		case code >= 300:
			return "info"
		}
		return "ok"
	},
	"stateClass": func(s string) string {
		switch strings.ToLower(s) {
		case "delivered", "completed", "captured", "accepted", "approved", "placed", "paid", "authorized", "complete", "ready":
			return "ok"
		case "failed", "declined", "rejected", "cancelled", "canceled", "expired", "void", "stopping":
			return "bad"
		case "pending", "initialized", "uncleared", "draft", "incomplete":
			return "warn"
		}
		return "info"
	},
	"keys":   sortedKeys,
	"scalar": isScalar,
	"show":   show,
	"table":  asTable,
	"link":   objectLink,
	"esc":    url.QueryEscape,
	"path":   url.PathEscape,
	"ms": func(f float64) string {
		return strconv.FormatFloat(f, 'f', 1, 64) + " ms"
	},
	"str":  func(b []byte) string { return string(b) },
	"add1": func(i int) int { return i + 1 },
	"dur":  human,
}

// human writes a duration as days, hours, minutes and seconds: "7d",
// "1d 1h30m".
func human(d time.Duration) string {
	d = d.Round(time.Second)
	if d <= 0 {
		return "0"
	}
	parts := []struct {
		unit time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}}
	out := ""
	for _, p := range parts {
		if n := d / p.unit; n > 0 {
			if p.name == "h" && out != "" {
				out += " "
			}
			out += strconv.FormatInt(int64(n), 10) + p.name
			d -= n * p.unit
		}
	}
	return out
}

// pretty indents JSON; anything else shows as it is.
func pretty(s string) string {
	t := strings.TrimSpace(s)
	if t == "" {
		return ""
	}
	var buf bytes.Buffer
	if (t[0] == '{' || t[0] == '[') && json.Indent(&buf, []byte(t), "", "  ") == nil {
		return buf.String()
	}
	if strings.Contains(t, "=") && !strings.ContainsAny(t, " \n<") {
		if q, err := url.ParseQuery(t); err == nil {
			var b strings.Builder
			for _, k := range sortedKeys(q) {
				for _, v := range q[k] {
					fmt.Fprintf(&b, "%s = %s\n", k, v)
				}
			}
			return b.String()
		}
	}
	return s
}

func sortedKeys(m any) []string {
	var out []string
	switch x := m.(type) {
	case map[string]any:
		for k := range x {
			out = append(out, k)
		}
	case map[string]string:
		for k := range x {
			out = append(out, k)
		}
	case url.Values:
		for k := range x {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func isScalar(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return false
	}
	return true
}

func show(v any) string {
	switch x := v.(type) {
	case nil:
		return "—"
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

// table turns a list of objects (order lines, captures, refunds) into rows
// under the union of their scalar keys; nested values show as JSON.
type table struct {
	Cols []string
	Rows [][]string
}

func asTable(v any) *table {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return nil
	}
	var cols []string
	for _, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			return nil
		}
		for k := range m {
			if !slices.Contains(cols, k) {
				cols = append(cols, k)
			}
		}
	}
	sort.SliceStable(cols, func(i, j int) bool {
		return colRank(cols[i]) < colRank(cols[j]) || (colRank(cols[i]) == colRank(cols[j]) && cols[i] < cols[j])
	})
	t := &table{Cols: cols}
	for _, item := range list {
		m := item.(map[string]any)
		row := make([]string, len(cols))
		for i, c := range cols {
			if val, ok := m[c]; ok {
				row[i] = show(val)
			}
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

func colRank(c string) int {
	switch {
	case strings.HasSuffix(c, "_id") || c == "id" || c == "reference":
		return 0
	case c == "name" || c == "type" || c == "status":
		return 1
	case strings.Contains(c, "amount") || c == "quantity":
		return 2
	}
	return 3
}

// --- overview

type vendorInfo struct {
	Key, Name, Base, Credentials string
}

type tenantRow struct {
	Tenant  string
	Vendors []tenantVendor
	Clock   time.Time
	Offset  time.Duration
}

type tenantVendor struct {
	Key, Name string
	Counts    []collectionCount
	Total     int
}

func (u *UI) base(r *http.Request) string {
	if u.d.Listeners != nil {
		if ls := u.d.Listeners(); len(ls) > 0 {
			for _, l := range ls {
				if strings.HasPrefix(l, "http://") {
					return l
				}
			}
			return ls[0]
		}
	}
	return platform.BaseURL(r)
}

func (u *UI) tenantRows() ([]tenantRow, error) {
	ts, err := u.d.Store.Tenants()
	if err != nil {
		return nil, err
	}
	var rows []tenantRow
	for _, t := range ts {
		row := tenantRow{Tenant: t, Clock: u.d.Clock.Now(t), Offset: u.d.Clock.Offset(t)}
		all, err := u.d.Store.Collections(t)
		if err != nil {
			return nil, err
		}
		for _, v := range vendors {
			cs := countsOf(all[v.Key], v)
			if len(cs) == 0 {
				continue
			}
			tv := tenantVendor{Key: v.Key, Name: v.Name}
			for _, c := range cs {
				if c.Featured {
					tv.Counts = append(tv.Counts, c)
				}
				tv.Total += c.Count
			}
			row.Vendors = append(row.Vendors, tv)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

func (u *UI) overview(w http.ResponseWriter, r *http.Request) {
	base := u.base(r)
	var vs []vendorInfo
	for _, p := range u.d.Providers {
		key := ""
		for _, v := range vendors {
			if v.Name == p.Name {
				key = v.Key
			}
		}
		vs = append(vs, vendorInfo{Key: key, Name: p.Name, Base: base + strings.TrimSuffix(p.BasePath, "/"), Credentials: p.Credentials})
	}
	rows, err := u.tenantRows()
	if err != nil {
		u.fail(w, r, http.StatusInternalServerError, "Reading the data file failed.")
		return
	}
	var listeners []string
	if u.d.Listeners != nil {
		listeners = u.d.Listeners()
	}
	if len(listeners) == 0 {
		listeners = []string{platform.BaseURL(r)}
	}
	counts := map[string]int{}
	if ds, err := u.d.Webhooks.List(r.Context(), webhook.Filter{Limit: 100000}); err == nil {
		for _, d := range ds {
			counts[d.Status]++
		}
	}
	health := "ready"
	if !u.d.Ready() {
		health = "stopping"
	}
	u.render(w, r, http.StatusOK, "overview", "Overview", map[string]any{
		"Base": base, "Listeners": listeners, "Vendors": vs, "Tenants": rows,
		"SDK":      base + "/kp/lib/v1/api.js",
		"Checkout": "PAYSANDBOX_URL=" + base + " go run ./examples/checkout",
		"Health":   health, "DataFile": u.d.Store.Path(), "Uptime": time.Since(u.d.Started).Round(time.Second).String(),
		"Started": u.d.Started, "Webhooks": counts, "Armed": len(u.d.Scenarios.Armed("")), "Requests": u.d.Journal.Last(),
		"Admin": base + "/_sandbox/health", "Token": u.signIn(),
	})
}

// --- per vendor and tenant

func (u *UI) vendor(w http.ResponseWriter, r *http.Request) {
	tenant, key := platform.PathVar(r, "tenant"), platform.PathVar(r, "provider")
	v, ok := vendorByKey(key)
	if !ok {
		u.notFound(w, r)
		return
	}
	cs, err := u.collectionsOf(tenant, v)
	if err != nil {
		u.fail(w, r, http.StatusInternalServerError, "Reading the data file failed.")
		return
	}
	type section struct {
		collectionCount
		Records []record
		More    int
	}
	var secs []section
	for _, c := range cs {
		limit := 50
		if !c.Featured {
			limit = 20
		}
		recs, total, _ := u.list(r.Context(), tenant, v.Key, c.Key, limit)
		secs = append(secs, section{collectionCount: c, Records: recs, More: total - len(recs)})
	}
	hooks, _ := u.d.Webhooks.List(r.Context(), webhook.Filter{Provider: v.Key, Tenant: tenant, Limit: 50})
	u.render(w, r, http.StatusOK, "vendor", v.Name+" · "+tenant, map[string]any{
		"Vendor": v, "Tenant": tenant, "Sections": secs, "Webhooks": hooks, "Clock": u.d.Clock.Now(tenant),
		"Requests": u.d.Journal.List(journal.Filter{Provider: v.Key, Tenant: tenant, Limit: 10}),
	})
}

func (u *UI) object(w http.ResponseWriter, r *http.Request) {
	tenant, key, col, id := platform.PathVar(r, "tenant"), platform.PathVar(r, "provider"), platform.PathVar(r, "collection"), platform.PathVar(r, "id")
	v, ok := vendorByKey(key)
	if !ok || hidden[key][col] {
		u.notFound(w, r)
		return
	}
	rec, err := u.get(r.Context(), tenant, key, col, id)
	if errors.Is(err, store.ErrNotFound) {
		u.fail(w, r, http.StatusNotFound, v.Name+" has no "+v.label(col)+" "+id+" for tenant "+tenant+".")
		return
	}
	if err != nil {
		u.fail(w, r, http.StatusInternalServerError, "Reading the data file failed.")
		return
	}
	reqs := u.requestsFor(rec)
	hooks := u.webhooksFor(r.Context(), rec)
	refs, children := u.related(r.Context(), rec)
	data := map[string]any{
		"Vendor": v, "Tenant": tenant, "Collection": col, "Label": v.one(col), "Plural": v.label(col), "Record": rec,
		"Requests": reqs, "Webhooks": hooks, "History": u.history(rec, reqs, hooks), "Refs": refs, "Children": children,
		"Jobs": u.jobsFor(r.Context(), rec), "Clock": u.d.Clock.Now(tenant), "Raw": pretty(string(rec.Raw)),
	}
	if key == "multisafepay" && col == "orders" && rec.Status() == "initialized" && rec.str("session_id") != "" {
		data["MSPOutcome"] = map[string]any{
			"Outcomes": []string{"completed", "uncleared", "declined", "cancelled", "expired"},
			"Gateway":  rec.str("gateway"), "Page": "/multisafepay/connect/" + url_(rec.str("session_id")) + "/",
		}
	}
	u.render(w, r, http.StatusOK, "object", v.Name+" "+v.one(col)+" "+id, data)
}

// --- requests

type reqFilter struct {
	Provider, Tenant, Status, Path, Scenario string
}

func readFilter(q url.Values) reqFilter {
	return reqFilter{Provider: q.Get("provider"), Tenant: q.Get("tenant"), Status: q.Get("status"), Path: q.Get("path"), Scenario: q.Get("scenario")}
}

// keep reports whether e passes the filter. Status takes a code (404) or a
// class (4xx).
func (f reqFilter) keep(e journal.Entry) bool {
	if f.Provider != "" && e.Provider != f.Provider {
		return false
	}
	if f.Tenant != "" && e.Tenant != f.Tenant {
		return false
	}
	if f.Path != "" && !strings.Contains(e.Path, f.Path) {
		return false
	}
	if f.Scenario != "" && !strings.Contains(e.Scenario, f.Scenario) {
		return false
	}
	if s := strings.ToLower(f.Status); s != "" {
		code := strconv.Itoa(e.Status)
		if len(s) == 3 && strings.HasSuffix(s, "xx") {
			return code[0] == s[0]
		}
		return code == s
	}
	return true
}

func (f reqFilter) Query() string {
	q := url.Values{}
	for k, v := range map[string]string{"provider": f.Provider, "tenant": f.Tenant, "status": f.Status, "path": f.Path, "scenario": f.Scenario} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q.Encode()
}

type row struct {
	ID       uint64  `json:"id"`
	Time     string  `json:"time"`
	Vendor   string  `json:"vendor"`
	Provider string  `json:"provider"`
	Tenant   string  `json:"tenant"`
	Method   string  `json:"method"`
	Path     string  `json:"path"`
	Status   int     `json:"status"`
	Class    string  `json:"class"`
	Millis   float64 `json:"ms"`
	Scenario string  `json:"scenario"`
	Href     string  `json:"href"`
}

func toRow(e journal.Entry) row {
	class := funcs["statusClass"].(func(int) string)(e.Status)
	return row{ID: e.ID, Time: e.Time.UTC().Format("2006-01-02 15:04:05"), Vendor: vendorName(e.Provider), Provider: e.Provider, Tenant: e.Tenant,
		Method: e.Method, Path: e.Path, Status: e.Status, Class: class, Millis: e.DurationMillis, Scenario: e.Scenario,
		Href: Prefix + "/requests/" + strconv.FormatUint(e.ID, 10)}
}

func (u *UI) requests(w http.ResponseWriter, r *http.Request) {
	f := readFilter(r.URL.Query())
	// Filter first, mask only what shows.
	entries := u.d.Journal.Since(0, 200, f.keep)
	rows := make([]row, 0, len(entries))
	for i := len(entries) - 1; i >= 0; i-- {
		rows = append(rows, toRow(entries[i]))
	}
	tenants, _ := u.d.Store.Tenants()
	u.render(w, r, http.StatusOK, "requests", "Requests", map[string]any{
		"Rows": rows, "Filter": f, "Last": u.d.Journal.Last(), "Vendors": vendors, "Tenants": tenants,
		"Stream": Prefix + "/requests/stream?" + f.Query(),
	})
}

// stream is the live journal: server-sent events, one "request" event per
// new entry that passes the filter, as JSON the page turns into a row with
// textContent (never HTML). It polls the journal's sequence, which is one
// lock and a compare when nothing is new.
func (u *UI) stream(w http.ResponseWriter, r *http.Request) {
	f := readFilter(r.URL.Query())
	after, _ := strconv.ParseUint(r.URL.Query().Get("after"), 10, 64)
	if id := r.Header.Get("Last-Event-ID"); id != "" {
		after, _ = strconv.ParseUint(id, 10, 64)
	}
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{}) // a stream outlives any write timeout
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 1000\n\n")
	if rc.Flush() != nil {
		return
	}
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	idle := 0
	for {
		if last := u.d.Journal.Last(); last > after {
			for _, e := range u.d.Journal.Since(after, 200, f.keep) {
				b, _ := json.Marshal(toRow(e))
				fmt.Fprintf(w, "id: %d\nevent: request\ndata: %s\n\n", e.ID, b)
			}
			after = last
			if rc.Flush() != nil {
				return
			}
			idle = 0
		} else if idle++; idle >= 75 { // a comment every 15 s keeps proxies from closing it
			fmt.Fprint(w, ": keep-alive\n\n")
			if rc.Flush() != nil {
				return
			}
			idle = 0
		}
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
			if !u.d.Ready() {
				return
			}
		}
	}
}

func (u *UI) request(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseUint(mux.Vars(r)["id"], 10, 64)
	e, ok := u.d.Journal.Get(id)
	if !ok {
		u.fail(w, r, http.StatusNotFound, "The journal no longer holds request "+strconv.FormatUint(id, 10)+" (it keeps the most recent ones).")
		return
	}
	data := map[string]any{"E": e, "Vendor": vendorName(e.Provider), "ReqBody": pretty(e.RequestBody), "RespBody": pretty(e.ResponseBody)}
	if e.Status >= 400 && e.Status < 500 {
		if v := u.violation(e); v != nil {
			data["Violation"] = v
		}
	}
	u.render(w, r, http.StatusOK, "request", e.Method+" "+e.Path, data)
}

type violationView struct {
	Kind, In, Name, Pointer, Reason string
}

// violation re-checks a refused request against the vendor's OpenAPI file,
// to say which rule refused it. (Credentials in the journal are masked, so a
// rule about their shape may read differently; the answer above is what the
// client got.)
func (u *UI) violation(e journal.Entry) *violationView {
	if u.d.Contract == nil {
		return nil
	}
	spec := u.d.Contract.Spec(e.Provider)
	if spec == nil {
		return nil
	}
	target := e.Path
	if e.Query != "" {
		target += "?" + e.Query
	}
	req := httptest.NewRequest(e.Method, "http://paysandbox.local"+target, strings.NewReader(e.RequestBody))
	req.Header = http.Header{}
	for k, v := range e.RequestHeader {
		req.Header.Set(k, v)
	}
	v := spec.Validate(req, []byte(e.RequestBody))
	if v == nil {
		return nil
	}
	return &violationView{Kind: kindName(v.Kind), In: v.In, Name: v.Name, Pointer: "/" + strings.Join(v.Pointer, "/"), Reason: v.Reason}
}

func kindName(k contract.ViolationKind) string {
	switch k {
	case contract.Body:
		return "body breaks the schema"
	case contract.Malformed:
		return "body is not valid JSON"
	case contract.TooLarge:
		return "body too large"
	case contract.Parameter:
		return "parameter"
	case contract.NoOperation:
		return "no such operation"
	case contract.MethodNotAllowed:
		return "method not allowed"
	case contract.UnsupportedMediaType:
		return "unsupported media type"
	case contract.MissingBody:
		return "body missing"
	}
	return k.String()
}

// --- webhooks

func (u *UI) webhooks(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	state := q.Get("state")
	if state != "" && state != webhook.Pending && state != webhook.Delivered && state != webhook.Failed {
		state = ""
	}
	ds, err := u.d.Webhooks.List(r.Context(), webhook.Filter{Provider: q.Get("provider"), Tenant: q.Get("tenant"), Status: state, Limit: 200})
	if err != nil {
		u.fail(w, r, http.StatusInternalServerError, "Listing webhooks failed.")
		return
	}
	u.render(w, r, http.StatusOK, "webhooks", "Webhooks", map[string]any{"Deliveries": ds, "State": state, "Provider": q.Get("provider"), "Tenant": q.Get("tenant"), "Vendors": vendors})
}

// signatures says how each vendor signs, for the delivery page.
var signatures = map[string]string{
	"multisafepay":  "MultiSafepay signs a POST notification in the Auth header: base64 of \"timestamp:hex(HMAC-SHA512(key=API key, message=timestamp + \":\" + raw body))\". Verify by splitting the decoded header at the colon, recomputing the HMAC with your API key over the timestamp, a colon and the exact body bytes, and comparing in constant time.",
	"commercelayer": "Commerce Layer signs the body in X-CommerceLayer-Signature: base64 of HMAC-SHA256(key=the webhook's shared secret, message=raw body). Verify by recomputing it over the exact body bytes and comparing in constant time.",
	"klarna":        "Klarna's push and notification callbacks carry no signature: verify them by reading the order back from the Order Management API with your credentials.",
}

func (u *UI) webhook(w http.ResponseWriter, r *http.Request) {
	d, err := u.d.Webhooks.Get(r.Context(), platform.PathVar(r, "id"))
	if errors.Is(err, webhook.ErrNoDelivery) {
		u.fail(w, r, http.StatusNotFound, "There is no webhook delivery "+platform.PathVar(r, "id")+".")
		return
	}
	if err != nil {
		u.fail(w, r, http.StatusInternalServerError, "Reading the delivery failed.")
		return
	}
	var sig []string
	for k := range d.Header {
		sig = append(sig, k)
	}
	for _, a := range d.Attempts {
		for k := range a.RequestHeader {
			lk := strings.ToLower(k)
			if (strings.Contains(lk, "signature") || lk == "auth" || strings.Contains(lk, "hmac") || strings.Contains(lk, "timestamp")) && !slices.Contains(sig, k) {
				sig = append(sig, k)
			}
		}
	}
	sort.Strings(sig)
	u.render(w, r, http.StatusOK, "webhook", "Webhook "+d.ID, map[string]any{
		"D": d, "Vendor": vendorName(d.Provider), "Body": pretty(string(d.Body)), "SigHeaders": sig, "HowToVerify": signatures[d.Provider],
		"Flash": r.URL.Query().Get("resent"),
	})
}

func (u *UI) resend(w http.ResponseWriter, r *http.Request) {
	id := platform.PathVar(r, "id")
	att, err := u.d.Webhooks.Resend(r.Context(), id)
	if errors.Is(err, webhook.ErrNoDelivery) {
		u.fail(w, r, http.StatusNotFound, "There is no webhook delivery "+id+".")
		return
	}
	if err != nil {
		u.fail(w, r, http.StatusInternalServerError, "Recording the attempt failed.")
		return
	}
	result := "failed"
	if att.Succeeded {
		result = "succeeded"
	}
	http.Redirect(w, r, Prefix+"/webhooks/"+url_(id)+"?resent="+result, http.StatusSeeOther)
}

// --- clock and jobs

type clockRow struct {
	Tenant string
	Now    time.Time
	Offset time.Duration
	Jobs   []store.Job
}

func (u *UI) clockData(ctx context.Context, tenant string) map[string]any {
	ts, _ := u.d.Store.Tenants()
	jobs := u.jobsByTenant(ctx)
	var rows []clockRow
	for _, t := range ts {
		rows = append(rows, clockRow{Tenant: t, Now: u.d.Clock.Now(t), Offset: u.d.Clock.Offset(t), Jobs: jobs[t]})
	}
	return map[string]any{"Tenants": ts, "Rows": rows, "Tenant": tenant, "Global": u.d.Clock.Now(""), "Presets": []string{"1m", "15m", "1h", "6h", "1d", "7d", "28d"}}
}

func (u *UI) clockPage(w http.ResponseWriter, r *http.Request) {
	u.render(w, r, http.StatusOK, "clock", "Clock", u.clockData(r.Context(), r.URL.Query().Get("tenant")))
}

func (u *UI) advance(w http.ResponseWriter, r *http.Request) {
	tenant := r.PostForm.Get("tenant")
	dur := r.PostForm.Get("duration")
	if dur == "" {
		dur = strings.TrimSpace(r.PostForm.Get("custom"))
	}
	d, err := admin.ParseDuration(dur) // the admin API's rules: positive, at most 100 years
	if err != nil {
		data := u.clockData(r.Context(), tenant)
		data["Error"] = err.Error()
		u.render(w, r, http.StatusBadRequest, "clock", "Clock", data)
		return
	}
	before := u.jobs(r.Context(), tenant)
	hooksBefore, _ := u.d.Webhooks.List(r.Context(), webhook.Filter{Tenant: tenant, Limit: 100000})
	if err := u.d.Clock.Advance(tenant, d); err != nil {
		u.fail(w, r, http.StatusInternalServerError, "Saving the clock failed.")
		return
	}
	ran := u.d.Scheduler.RunDue(r.Context())
	after := u.jobs(r.Context(), tenant)
	var fell []store.Job
	for _, j := range before {
		if !slices.ContainsFunc(after, func(a store.Job) bool { return a.ID == j.ID && a.At.Equal(j.At) }) {
			fell = append(fell, j)
		}
	}
	hooksAfter, _ := u.d.Webhooks.List(r.Context(), webhook.Filter{Tenant: tenant, Limit: 100000})
	data := u.clockData(r.Context(), tenant)
	who := "every tenant"
	if tenant != "" {
		who = tenant
	}
	data["Result"] = map[string]any{"Who": who, "By": human(d), "Now": u.d.Clock.Now(tenant), "Ran": ran, "Fell": fell,
		"NewWebhooks": len(hooksAfter) - len(hooksBefore)}
	u.render(w, r, http.StatusOK, "clock", "Clock", data)
}

func (u *UI) runJob(w http.ResponseWriter, r *http.Request) {
	id := r.PostForm.Get("job")
	j, err := u.runJobNow(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		u.fail(w, r, http.StatusNotFound, "That scheduled job is gone (it ran already, or the tenant was reset).")
		return
	}
	if err != nil {
		u.fail(w, r, http.StatusInternalServerError, "Running the job failed.")
		return
	}
	back := safeNext(r.PostForm.Get("back"))
	if back == Prefix {
		back = Prefix + "/clock?tenant=" + url.QueryEscape(j.Tenant)
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// --- scenarios

type scenarioRow struct {
	*scenario.Scenario
	Applied int
	Armed   []scenario.ArmedView
	Params  []string
}

func (u *UI) scenarioData(tenant string) map[string]any {
	cov := map[string]int{}
	for _, c := range u.d.Scenarios.Coverage(tenant) {
		cov[c.Name] = c.Applied
	}
	armed := u.d.Scenarios.Armed(tenant)
	var rows []scenarioRow
	used := 0
	for _, sc := range u.d.Scenarios.Set().All() {
		row := scenarioRow{Scenario: sc, Applied: cov[sc.Name], Params: sortedKeys(anyMap(sc.Params))}
		for _, a := range armed {
			if a.Name == sc.Name {
				row.Armed = append(row.Armed, a)
			}
		}
		if row.Applied > 0 {
			used++
		}
		rows = append(rows, row)
	}
	ts, _ := u.d.Store.Tenants()
	return map[string]any{"Rows": rows, "Tenant": tenant, "Tenants": ts, "Armed": armed, "Used": used, "Total": len(rows)}
}

func anyMap(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func (u *UI) scenariosPage(w http.ResponseWriter, r *http.Request) {
	u.render(w, r, http.StatusOK, "scenarios", "Scenarios", u.scenarioData(r.URL.Query().Get("tenant")))
}

func (u *UI) arm(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	name, tenant := f.Get("name"), strings.TrimSpace(f.Get("tenant"))
	opt := scenario.ArmOptions{Params: map[string]string{}}
	if s := strings.TrimSpace(f.Get("times")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			u.armFailed(w, r, tenant, "times is a whole number (0: until disarmed)")
			return
		}
		opt.Times = &n
	}
	if s := strings.TrimSpace(f.Get("probability")); s != "" {
		p, err := strconv.ParseFloat(s, 64)
		if err != nil {
			u.armFailed(w, r, tenant, "probability is a number above 0 and at most 1")
			return
		}
		opt.Probability = &p
	}
	if sc := u.d.Scenarios.Set().Get(name); sc != nil {
		for k, def := range sc.Params {
			if v, ok := f["param."+k]; ok && v[0] != def {
				opt.Params[k] = v[0]
			}
		}
	}
	if _, err := u.d.Scenarios.Arm(name, tenant, opt); err != nil {
		u.armFailed(w, r, tenant, err.Error())
		return
	}
	http.Redirect(w, r, Prefix+"/scenarios?tenant="+url.QueryEscape(tenantOrAll(tenant))+"#sc-"+url.QueryEscape(name), http.StatusSeeOther)
}

func tenantOrAll(t string) string {
	if t == "*" {
		return ""
	}
	return t
}

func (u *UI) armFailed(w http.ResponseWriter, r *http.Request, tenant, msg string) {
	data := u.scenarioData(tenantOrAll(tenant))
	data["Error"] = msg
	u.render(w, r, http.StatusBadRequest, "scenarios", "Scenarios", data)
}

func (u *UI) disarm(w http.ResponseWriter, r *http.Request) {
	name, tenant := r.PostForm.Get("name"), r.PostForm.Get("tenant")
	if _, err := u.d.Scenarios.Disarm(name, tenant); err != nil {
		u.armFailed(w, r, tenant, err.Error())
		return
	}
	http.Redirect(w, r, Prefix+"/scenarios?tenant="+url.QueryEscape(tenantOrAll(r.PostForm.Get("back"))), http.StatusSeeOther)
}

// --- reset

func (u *UI) resetConfirm(w http.ResponseWriter, r *http.Request) {
	tenant := r.URL.Query().Get("tenant")
	var cols map[string]map[string]int
	if tenant != "" {
		cols, _ = u.d.Store.Collections(tenant)
	}
	total := 0
	for _, cs := range cols {
		for _, n := range cs {
			total += n
		}
	}
	ts, _ := u.d.Store.Tenants()
	u.render(w, r, http.StatusOK, "reset", "Reset", map[string]any{"Tenant": tenant, "Records": total, "Tenants": ts})
}

func (u *UI) reset(w http.ResponseWriter, r *http.Request) {
	tenant := r.PostForm.Get("tenant")
	if r.PostForm.Get("confirm") != "yes" {
		u.fail(w, r, http.StatusBadRequest, "Tick the box to confirm the reset.")
		return
	}
	if tenant == "" && r.PostForm.Get("all") != "yes" {
		u.fail(w, r, http.StatusBadRequest, "Name a tenant, or confirm resetting everything.")
		return
	}
	if err := u.d.Reset(tenant); err != nil {
		u.fail(w, r, http.StatusInternalServerError, "The reset failed.")
		return
	}
	http.Redirect(w, r, Prefix, http.StatusSeeOther)
}

// --- driving a provider without a shop

// mspOutcome submits MultiSafepay's payment page for an order, through the
// page's own endpoint, as a customer would: the order's status changes and
// the notification goes out.
func (u *UI) mspOutcome(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	tenant, id := f.Get("tenant"), f.Get("order")
	rec, err := u.get(r.Context(), tenant, "multisafepay", "orders", id)
	if err != nil {
		u.fail(w, r, http.StatusNotFound, "MultiSafepay has no order "+id+" for tenant "+tenant+".")
		return
	}
	sid := rec.str("session_id")
	if sid == "" || u.d.Handler == nil {
		u.fail(w, r, http.StatusConflict, "This order has no payment page.")
		return
	}
	form := url.Values{"outcome": {f.Get("outcome")}}
	if g := f.Get("gateway"); g != "" {
		form.Set("gateway", g)
	}
	req := httptest.NewRequest(http.MethodPost, "/multisafepay/connect/"+url_(sid)+"/", strings.NewReader(form.Encode()))
	req.Host = r.Host
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "paysandbox-dashboard")
	rec2 := httptest.NewRecorder()
	u.d.Handler().ServeHTTP(rec2, req.WithContext(context.WithoutCancel(r.Context())))
	if rec2.Code >= 400 {
		msg := pageMessage(rec2.Body.String())
		u.fail(w, r, rec2.Code, "MultiSafepay's payment page refused it: "+msg)
		return
	}
	http.Redirect(w, r, objectLink(tenant, "multisafepay", "orders", id), http.StatusSeeOther)
}

// pageMessage pulls the text of the payment page's error paragraph.
func pageMessage(page string) string {
	for _, tag := range []string{"role=\"alert\">", "<p class=\"error\">", "<p>"} {
		if i := strings.Index(page, tag); i >= 0 {
			rest := page[i+len(tag):]
			if j := strings.Index(rest, "<"); j >= 0 {
				return html.UnescapeString(strings.TrimSpace(rest[:j])) // html/template escapes it again
			}
		}
	}
	return "see the request journal"
}
