// Package admin is the emulator's own control surface under /_sandbox: a
// separate surface from the providers', with a Host allow-list (hosts.go), an
// origin check on state-changing calls and optional bearer tokens, global or
// per tenant pattern (access.go; after Caddy's admin API).
package admin

import (
	"bytes"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/mux"

	"github.com/paysandbox/paysandbox/emulator/clock"
	"github.com/paysandbox/paysandbox/emulator/contract"
	"github.com/paysandbox/paysandbox/emulator/journal"
	"github.com/paysandbox/paysandbox/emulator/platform"
	"github.com/paysandbox/paysandbox/emulator/store"
	"github.com/paysandbox/paysandbox/emulator/webhook"
)

// Deps is what the admin API works on.
type Deps struct {
	// Platform carries the request chain the admin endpoints go through.
	Platform  *platform.Platform
	Store     *store.Store
	Clock     *clock.Clock
	Scheduler *clock.Scheduler
	Journal   *journal.Journal
	Webhooks  *webhook.Sender
	Contract  *contract.Set
	Version   string
	// Ready reports whether the emulator serves (false while draining).
	Ready func() bool
	// Tokens, when set, guard every endpoint but health and version; a
	// team token acts only on the tenants its pattern matches.
	Tokens []Token
	// Origins may make state-changing calls from a browser besides the
	// emulator's own origin.
	Origins []string
	// Hosts are Host names besides the built-in ones (hosts.go) under which
	// the admin API answers: listen addresses, the public URL, --admin-hosts.
	Hosts []string
	// OnReset lets providers drop in-memory state ("" = every tenant).
	OnReset []func(tenant string)
}

// API serves /_sandbox.
type API struct {
	d      Deps
	tokens []Token
	hosts  *hostList
	// clockMu makes check-then-advance one step, so two advances cannot
	// together pass the clock's bounds.
	clockMu sync.Mutex
}

// New returns the admin API.
func New(d Deps) *API { return &API{d: d, tokens: d.Tokens, hosts: newHostList(d.Hosts)} }

// Routes mounts the admin endpoints on r; the whole surface is here. Every
// endpoint goes through the platform's request chain against
// openapi/sandbox.yaml; all but health and version behind the guard
// (Surface).
func (a *API) Routes(r *mux.Router) {
	// Health and version take nothing and answer at once at start-up, before
	// the OpenAPI files are parsed; the guard and the contract leave them be.
	open := a.surface(r, platform.SurfaceConfig{NoContract: true}, false)
	open.Handle(http.MethodGet, "/_sandbox/health", a.health)
	open.Handle(http.MethodGet, "/_sandbox/version", a.version)

	s := a.Surface(r, platform.SurfaceConfig{})
	s.Handle(http.MethodPost, "/_sandbox/reset", a.resetAll)
	s.Handle(http.MethodGet, "/_sandbox/tenants", a.tenants)
	s.Handle(http.MethodPost, "/_sandbox/tenants/{tenant}/reset", a.resetTenant)
	s.Handle(http.MethodGet, "/_sandbox/clock", a.getClock)
	s.Handle(http.MethodPost, "/_sandbox/clock/advance", a.advanceClock)
	s.Handle(http.MethodGet, "/_sandbox/requests", a.requests)
	s.Handle(http.MethodGet, "/_sandbox/webhooks", a.webhooks)
	s.Handle(http.MethodGet, "/_sandbox/openapi", a.openapiList)
	s.Handle(http.MethodGet, "/_sandbox/openapi/{name}", a.openapiFile)
}

// Surface starts a group of guarded admin endpoints on r, for this package
// and the admin APIs other packages serve (scenarios, snapshots): the
// request chain every provider endpoint has, against openapi/sandbox.yaml,
// answering in the admin error format, with the guard (Host, token, Origin)
// first, before the method and the body are looked at. Handlers then ask
// RefuseTenant before they touch a tenant. c may set MaxBody (0: MaxBody)
// and MaxValues; the rest is the admin API's.
func (a *API) Surface(r *mux.Router, c platform.SurfaceConfig) *platform.Surface {
	return a.surface(r, c, true)
}

func (a *API) surface(r *mux.Router, c platform.SurfaceConfig, guarded bool) *platform.Surface {
	if c.MaxBody == 0 {
		c.MaxBody = MaxBody
	}
	rd := &renderer{spec: a.d.Platform.Contract.Spec("sandbox"), maxBody: c.MaxBody}
	c.Provider, c.Spec, c.Renderer, c.NoInterceptor = "sandbox", "sandbox", rd, true
	s := a.d.Platform.Surface(r, c)
	s.Use(rd.carry)
	if guarded {
		s.Use(func(next http.Handler) http.Handler { return a.guard(true, next.ServeHTTP) })
	}
	s.Use(jsonBody)
	return s
}

// NotFound answers unknown /_sandbox paths in the admin error format.
func (a *API) NotFound(w http.ResponseWriter, r *http.Request) { notFound(w, r) }

// MethodNotAllowed answers a known path with the wrong method.
func (a *API) MethodNotAllowed(w http.ResponseWriter, r *http.Request) { methodNotAllowed(w, r) }

func notFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, http.StatusNotFound, "not_found", "no admin endpoint "+r.Method+" "+r.URL.Path)
}

func methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", r.Method+" is not allowed on "+r.URL.Path)
}

// Guard gives h the admin API's checks, for admin endpoints mounted by other
// packages (the scenario engine's /_sandbox/scenarios, the dashboard). With
// needToken, in this order: the Host allow-list (skipped for a request with a
// valid token), the token, the Origin of state-changing calls. h then asks
// MayAct(r, tenant) (or AccessOf(r)) before it touches a tenant's state.
// Without needToken (health, version) nothing is checked and h acts on nothing.
func (a *API) Guard(needToken bool, h http.HandlerFunc) http.Handler { return a.guard(needToken, h) }

func (a *API) guard(needToken bool, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if info := platform.Info(r.Context()); info != nil {
			info.Provider = "sandbox"
		}
		if !needToken {
			h(w, r)
			return
		}
		acc, ok := a.access(r)
		if !(ok && len(a.tokens) > 0) && !a.hosts.allowed(r.Host) {
			writeError(w, http.StatusForbidden, "forbidden_host", "the admin API does not answer to Host "+quoteShort(r.Host)+
				"; add the name with --admin-hosts (PAYSANDBOX_ADMIN_HOSTS) or send the admin token")
			return
		}
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="paysandbox admin"`)
			writeError(w, http.StatusUnauthorized, "unauthorized", "this admin API needs Authorization: Bearer <admin token>")
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead && !a.originOK(r) {
			writeError(w, http.StatusForbidden, "forbidden_origin", "origin "+quoteShort(r.Header.Get("Origin"))+" may not change the emulator's state (see --admin-origins)")
			return
		}
		h(w, withAccess(r, acc))
	})
}

// quoteShort quotes a client's string for a message, cut to a sane length.
func quoteShort(s string) string {
	if len(s) > 100 {
		s = s[:100] + "…"
	}
	return strconv.Quote(s)
}

// RefuseTenant answers 403 forbidden_tenant when r's token may not act on
// tenant ("" or "*": every tenant at once) and reports whether it answered.
func RefuseTenant(w http.ResponseWriter, r *http.Request, tenant string) bool {
	acc := AccessOf(r)
	if acc.MayAct(tenant) {
		return false
	}
	what := "tenant " + quoteShort(tenant)
	if tenant == "" || tenant == "*" {
		what = "every tenant at once (name a tenant)"
	}
	writeError(w, http.StatusForbidden, "forbidden_tenant", "this admin token may not act on "+what+
		"; it acts on tenants matching "+strings.Join(acc.Patterns(), ", "))
	return true
}

// originOK: clients that are not browsers send no Origin; a browser page may
// only change state from the emulator's own origin or an allowed one.
func (a *API) originOK(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return r.Header.Get("Sec-Fetch-Site") != "cross-site"
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	if u.Host == r.Host {
		return true
	}
	return slices.Contains(a.d.Origins, origin) || slices.Contains(a.d.Origins, "*")
}

func (a *API) health(w http.ResponseWriter, r *http.Request) {
	status, code := "ready", http.StatusOK
	if a.d.Ready != nil && !a.d.Ready() {
		status, code = "stopping", http.StatusServiceUnavailable
	}
	writeJSON(w, code, map[string]any{"status": status, "version": a.d.Version, "data_file": a.d.Store.Path()})
}

func (a *API) version(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"version": a.d.Version, "go": runtime.Version()})
}

func (a *API) resetAll(w http.ResponseWriter, r *http.Request) {
	if RefuseTenant(w, r, "") {
		return
	}
	// A body here is someone naming what to reset ({"tenant": ...}):
	// answering by resetting every tenant would do what they did not ask.
	if len(bytes.TrimSpace(platform.Body(r))) > 0 {
		writeError(w, http.StatusBadRequest, "bad_request", "POST /_sandbox/reset takes no body and resets every tenant; POST /_sandbox/tenants/{tenant}/reset resets one")
		return
	}
	a.reset(w, "", "all")
}

func (a *API) resetTenant(w http.ResponseWriter, r *http.Request) {
	tenant, err := url.PathUnescape(mux.Vars(r)["tenant"])
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "the tenant in the path is not a valid escaped name")
		return
	}
	if RefuseTenant(w, r, tenant) {
		return
	}
	a.reset(w, tenant, tenant)
}

// Reset empties the tenant's store, clock offset, journal and providers'
// memory ("" = every tenant): what the admin API's resets and the
// dashboard's do.
func (a *API) Reset(tenant string) error {
	var err error
	if tenant == "" {
		err = a.d.Store.ResetAll()
	} else {
		err = a.d.Store.ResetTenant(tenant)
	}
	if err == nil {
		err = a.d.Clock.Reset(tenant)
	}
	if err != nil {
		return err
	}
	a.d.Journal.Clear(tenant)
	for _, f := range a.d.OnReset {
		f(tenant)
	}
	return nil
}

// reset answers a reset request with {"reset": name}.
func (a *API) reset(w http.ResponseWriter, tenant, name string) {
	if err := a.Reset(tenant); err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "reset failed")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"reset": name})
}

func (a *API) tenants(w http.ResponseWriter, r *http.Request) {
	ts, err := a.d.Store.Tenants()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "listing tenants failed")
		return
	}
	acc := AccessOf(r)
	shown := []string{}
	for _, t := range ts {
		if acc.MayAct(t) {
			shown = append(shown, t)
		}
	}
	ts = shown
	writeJSON(w, http.StatusOK, map[string]any{"tenants": ts})
}

func (a *API) clockView(tenant string) map[string]any {
	off := a.d.Clock.Offset(tenant)
	v := map[string]any{
		"now":            a.d.Clock.Now(tenant),
		"real_now":       time.Now().UTC(),
		"offset":         off.String(),
		"offset_seconds": off.Seconds(),
	}
	if tenant != "" {
		v["tenant"] = tenant
	}
	return v
}

func (a *API) getClock(w http.ResponseWriter, r *http.Request) {
	tenant := r.URL.Query().Get("tenant")
	// The global clock is no tenant's state: any token may read it.
	if tenant != "" && RefuseTenant(w, r, tenant) {
		return
	}
	writeJSON(w, http.StatusOK, a.clockView(tenant))
}

func (a *API) advanceClock(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Duration string `json:"duration"`
		Tenant   string `json:"tenant"`
	}
	if !Decode(w, r, &body) {
		return
	}
	d, err := ParseDuration(body.Duration)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_duration", err.Error())
		return
	}
	if RefuseTenant(w, r, body.Tenant) {
		return
	}
	a.clockMu.Lock()
	if err := a.clockRoom(body.Tenant, d); err != nil {
		a.clockMu.Unlock()
		writeError(w, http.StatusBadRequest, "clock_out_of_range", err.Error())
		return
	}
	err = a.d.Clock.Advance(body.Tenant, d)
	a.clockMu.Unlock()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "could not save the clock")
		return
	}
	// Run what fell due before answering, so the caller sees its effects.
	ran := a.d.Scheduler.RunDue(r.Context())
	v := a.clockView(body.Tenant)
	v["jobs_run"] = ran
	writeJSON(w, http.StatusOK, v)
}

// latest is the last instant a virtual clock may show.
var latest = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)

// clockRoom refuses a move that would take a clock past year 9999 or past
// what its offset (a time.Duration, about 292 years) can hold: unchecked, the
// offset wraps around and the clock lands before 1970. A global move is
// checked against the clock furthest ahead.
func (a *API) clockRoom(tenant string, d time.Duration) error {
	off := a.d.Clock.Offset(tenant)
	if tenant == "" {
		off = a.d.Clock.MaxOffset()
	}
	const maxOffset = time.Duration(math.MaxInt64)
	real := a.d.Clock.Now("").Add(-a.d.Clock.Offset(""))
	room := maxOffset - off
	if toLatest := latest.Sub(real.Add(off)); toLatest < room {
		room = toLatest
	}
	if d > room {
		return fmt.Errorf("moving the clock by %s would take it past what it can show (it may move at most %s more, to %s)",
			d, room.Truncate(time.Second), real.Add(off).Add(room).Format("2006-01-02"))
	}
	return nil
}

// ParseDuration takes a Go duration or whole days ("28d"); it must be positive.
func ParseDuration(s string) (time.Duration, error) {
	d, err := platform.ParseDuration(s)
	if err != nil {
		return 0, err
	}
	if d <= 0 {
		return 0, fmt.Errorf("duration %q: the clock only moves forward", s)
	}
	if d > 100*365*24*time.Hour {
		return 0, fmt.Errorf("duration %q: at most 100 years", s)
	}
	return d, nil
}

// limitParam is ?limit=, which sandbox.yaml bounds to 1..1000 (default 100).
func limitParam(r *http.Request) int {
	if n, err := strconv.Atoi(r.URL.Query().Get("limit")); err == nil {
		return n
	}
	return 100
}

func (a *API) requests(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := journal.Filter{Provider: q.Get("provider"), Tenant: q.Get("tenant"), Method: q.Get("method"), PathPrefix: q.Get("path_prefix"), Limit: limitParam(r)}
	acc := AccessOf(r)
	if !acc.Global() {
		if f.Tenant != "" && RefuseTenant(w, r, f.Tenant) {
			return
		}
		f.Allow = acc.MayAct
	}
	f.Status, _ = strconv.Atoi(q.Get("status")) // 100..599 or none (sandbox.yaml)
	writeJSON(w, http.StatusOK, map[string]any{"requests": a.d.Journal.List(f)})
}

type deliveryView struct {
	webhook.Delivery
	Body string `json:"body,omitempty"`
}

func (a *API) webhooks(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := webhook.Filter{Provider: q.Get("provider"), Tenant: q.Get("tenant"), Status: q.Get("status"), Limit: limitParam(r)}
	acc := AccessOf(r)
	if !acc.Global() {
		if f.Tenant != "" && RefuseTenant(w, r, f.Tenant) {
			return
		}
		f.Allow = acc.MayAct
	}
	ds, err := a.d.Webhooks.List(r.Context(), f)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "listing webhooks failed")
		return
	}
	out := []deliveryView{}
	for _, d := range ds {
		out = append(out, maskDelivery(d))
	}
	writeJSON(w, http.StatusOK, map[string]any{"webhooks": out})
}

// maskDelivery masks a delivery as the journal masks an entry.
func maskDelivery(d webhook.Delivery) deliveryView {
	path := d.URL
	if u, err := url.Parse(d.URL); err == nil {
		path = u.Path
	}
	v := deliveryView{Delivery: d, Body: journal.MaskBody(d.Provider, path, string(d.Body))}
	v.Tenant = journal.MaskTenant(d.Provider, d.Tenant)
	v.URL = journal.MaskString(d.URL)
	v.Header = journal.MaskHeader(d.Header)
	v.Attempts = make([]webhook.Attempt, len(d.Attempts))
	for i, at := range d.Attempts {
		at.URL = journal.MaskString(at.URL)
		at.RequestHeader = journal.MaskHeader(at.RequestHeader)
		v.Attempts[i] = at
	}
	return v
}

func (a *API) openapiList(w http.ResponseWriter, r *http.Request) {
	files := []map[string]string{}
	for _, n := range a.d.Contract.Names() {
		files = append(files, map[string]string{"name": n, "url": platform.BaseURL(r) + "/_sandbox/openapi/" + n + ".yaml"})
	}
	writeJSON(w, http.StatusOK, map[string]any{"files": files})
}

func (a *API) openapiFile(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimSuffix(mux.Vars(r)["name"], ".yaml")
	sp := a.d.Contract.Spec(name)
	if sp == nil {
		writeError(w, http.StatusNotFound, "not_found", "no OpenAPI file named "+name)
		return
	}
	w.Header().Set("Content-Type", "application/yaml")
	_, _ = w.Write(sp.Source())
}

func writeJSON(w http.ResponseWriter, status int, v any) { platform.WriteJSON(w, status, v) }

func writeError(w http.ResponseWriter, status int, code, msg string) {
	WriteError(w, status, code, msg)
}
