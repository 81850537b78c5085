// Package admin is the emulator's own control surface under /_sandbox: a
// separate surface from the providers', with an origin check on
// state-changing calls and an optional bearer token (after Caddy's admin API).
package admin

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"strings"
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
	Store     *store.Store
	Clock     *clock.Clock
	Scheduler *clock.Scheduler
	Journal   *journal.Journal
	Webhooks  *webhook.Sender
	Contract  *contract.Set
	Version   string
	// Ready reports whether the emulator serves (false while draining).
	Ready func() bool
	// Token, when set, guards every endpoint but health and version.
	Token string
	// Origins may make state-changing calls from a browser besides the
	// emulator's own origin.
	Origins []string
	// OnReset lets providers drop in-memory state ("" = every tenant).
	OnReset []func(tenant string)
}

// API serves /_sandbox.
type API struct{ d Deps }

// New returns the admin API.
func New(d Deps) *API { return &API{d: d} }

// Routes mounts the admin endpoints on r; the whole surface is here.
func (a *API) Routes(r *mux.Router) {
	byPath := map[string]map[string]http.Handler{}
	var order []string
	add := func(path, method string, h http.Handler) {
		if byPath[path] == nil {
			byPath[path] = map[string]http.Handler{}
			order = append(order, path)
		}
		byPath[path][method] = h
	}
	open := func(path, method string, h http.HandlerFunc) { add(path, method, a.guard(false, h)) }
	guarded := func(path, method string, h http.HandlerFunc) { add(path, method, a.guard(true, h)) }
	defer func() {
		for _, path := range order {
			methods := byPath[path]
			r.Handle(path, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if h, ok := methods[r.Method]; ok {
					h.ServeHTTP(w, r)
					return
				}
				a.MethodNotAllowed(w, r)
			}))
		}
	}()

	open("/_sandbox/health", http.MethodGet, a.health)
	open("/_sandbox/version", http.MethodGet, a.version)
	guarded("/_sandbox/reset", http.MethodPost, a.resetAll)
	guarded("/_sandbox/tenants", http.MethodGet, a.tenants)
	guarded("/_sandbox/tenants/{tenant}/reset", http.MethodPost, a.resetTenant)
	guarded("/_sandbox/clock", http.MethodGet, a.getClock)
	guarded("/_sandbox/clock/advance", http.MethodPost, a.advanceClock)
	guarded("/_sandbox/requests", http.MethodGet, a.requests)
	guarded("/_sandbox/webhooks", http.MethodGet, a.webhooks)
	guarded("/_sandbox/openapi", http.MethodGet, a.openapiList)
	guarded("/_sandbox/openapi/{name}", http.MethodGet, a.openapiFile)
}

// NotFound answers unknown /_sandbox paths in the admin error format.
func (a *API) NotFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, http.StatusNotFound, "not_found", "no admin endpoint "+r.Method+" "+r.URL.Path)
}

// MethodNotAllowed answers a known path with the wrong method.
func (a *API) MethodNotAllowed(w http.ResponseWriter, r *http.Request) {
	writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", r.Method+" is not allowed on "+r.URL.Path)
}

// Guard gives h the admin API's checks (token, origin), for admin endpoints
// mounted by other packages (the scenario engine's /_sandbox/scenarios).
func (a *API) Guard(needToken bool, h http.HandlerFunc) http.Handler { return a.guard(needToken, h) }

func (a *API) guard(needToken bool, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if info := platform.Info(r.Context()); info != nil {
			info.Provider = "sandbox"
		}
		if needToken && a.d.Token != "" && !a.tokenOK(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="paysandbox admin"`)
			writeError(w, http.StatusUnauthorized, "unauthorized", "this admin API needs Authorization: Bearer <admin token>")
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead && !a.originOK(r) {
			writeError(w, http.StatusForbidden, "forbidden_origin", "origin "+r.Header.Get("Origin")+" may not change the emulator's state (see --admin-origins)")
			return
		}
		h(w, r)
	})
}

func (a *API) tokenOK(r *http.Request) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		got = r.Header.Get("X-Sandbox-Admin-Token")
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(a.d.Token)) == 1
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
	if err := a.d.Store.ResetAll(); err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "reset failed")
		return
	}
	_ = a.d.Clock.Reset("")
	a.d.Journal.Clear("")
	for _, f := range a.d.OnReset {
		f("")
	}
	writeJSON(w, http.StatusOK, map[string]any{"reset": "all"})
}

func (a *API) resetTenant(w http.ResponseWriter, r *http.Request) {
	tenant := mux.Vars(r)["tenant"]
	if err := a.d.Store.ResetTenant(tenant); err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "reset failed")
		return
	}
	_ = a.d.Clock.Reset(tenant)
	a.d.Journal.Clear(tenant)
	for _, f := range a.d.OnReset {
		f(tenant)
	}
	writeJSON(w, http.StatusOK, map[string]any{"reset": tenant})
}

func (a *API) tenants(w http.ResponseWriter, r *http.Request) {
	ts, err := a.d.Store.Tenants()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "listing tenants failed")
		return
	}
	if ts == nil {
		ts = []string{}
	}
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
	writeJSON(w, http.StatusOK, a.clockView(r.URL.Query().Get("tenant")))
}

func (a *API) advanceClock(w http.ResponseWriter, r *http.Request) {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		writeError(w, http.StatusUnsupportedMediaType, "unsupported_media_type", "send application/json")
		return
	}
	var body struct {
		Duration string `json:"duration"`
		Tenant   string `json:"tenant"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, "too_large", "the body is over 64 KiB")
			return
		}
		writeError(w, http.StatusBadRequest, "bad_request", "the body must be JSON like {\"duration\":\"49h\",\"tenant\":\"...\"}")
		return
	}
	d, err := ParseDuration(body.Duration)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_duration", err.Error())
		return
	}
	if err := a.d.Clock.Advance(body.Tenant, d); err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "could not save the clock")
		return
	}
	// Run what fell due before answering, so the caller sees its effects.
	ran := a.d.Scheduler.RunDue(r.Context())
	v := a.clockView(body.Tenant)
	v["jobs_run"] = ran
	writeJSON(w, http.StatusOK, v)
}

// ParseDuration takes a Go duration or whole days ("28d"); it must be positive.
func ParseDuration(s string) (time.Duration, error) {
	var d time.Duration
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil {
			return 0, fmt.Errorf("duration %q: use a Go duration like 90m or 49h, or days like 28d", s)
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("duration %q: use a Go duration like 90m or 49h, or days like 28d", s)
		}
	}
	if d <= 0 {
		return 0, fmt.Errorf("duration %q: the clock only moves forward", s)
	}
	if d > 100*365*24*time.Hour {
		return 0, fmt.Errorf("duration %q: at most 100 years", s)
	}
	return d, nil
}

func limitParam(w http.ResponseWriter, r *http.Request) (int, bool) {
	s := r.URL.Query().Get("limit")
	if s == "" {
		return 100, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 1000 {
		writeError(w, http.StatusBadRequest, "bad_limit", "limit is a number from 1 to 1000")
		return 0, false
	}
	return n, true
}

func (a *API) requests(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, ok := limitParam(w, r)
	if !ok {
		return
	}
	f := journal.Filter{Provider: q.Get("provider"), Tenant: q.Get("tenant"), Method: q.Get("method"), PathPrefix: q.Get("path_prefix"), Limit: limit}
	if s := q.Get("status"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 100 || n > 599 {
			writeError(w, http.StatusBadRequest, "bad_status", "status is an HTTP status code")
			return
		}
		f.Status = n
	}
	writeJSON(w, http.StatusOK, map[string]any{"requests": a.d.Journal.List(f)})
}

type deliveryView struct {
	webhook.Delivery
	Body string `json:"body,omitempty"`
}

func (a *API) webhooks(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, ok := limitParam(w, r)
	if !ok {
		return
	}
	if s := q.Get("status"); s != "" && s != webhook.Pending && s != webhook.Delivered && s != webhook.Failed {
		writeError(w, http.StatusBadRequest, "bad_status", "status is pending, delivered or failed")
		return
	}
	ds, err := a.d.Webhooks.List(webhook.Filter{Provider: q.Get("provider"), Tenant: q.Get("tenant"), Status: q.Get("status"), Limit: limit})
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "listing webhooks failed")
		return
	}
	out := make([]deliveryView, len(ds))
	for i, d := range ds {
		out[i] = deliveryView{Delivery: d, Body: string(d.Body)}
	}
	writeJSON(w, http.StatusOK, map[string]any{"webhooks": out})
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
	_, _ = w.Write(sp.Raw)
}

func writeJSON(w http.ResponseWriter, status int, v any) { platform.WriteJSON(w, status, v) }

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}
