package scenario

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paysandbox/paysandbox/emulator/platform"
	"github.com/paysandbox/paysandbox/emulator/store"
)

// sysBucket holds armed scenarios; each record carries "tenant", so a tenant
// reset removes that tenant's and a full reset every one.
const sysBucket = "scenarios"

// Engine is the scenario engine: the platform's Interceptor, the webhook
// sender's chaos hook and the /_sandbox/scenarios admin endpoints.
type Engine struct {
	set *Set
	p   *platform.Platform
	log *slog.Logger

	actions map[string]platform.ScenarioAction // provider + "/" + name; neutral: "/" + name

	mu       sync.Mutex
	armed    map[armKey]*armed
	armedReq atomic.Int32 // armed request scenarios: the hot path's only check
	armedWeb atomic.Int32 // armed webhook scenarios
	coverage map[string]map[string]int
	draws    map[string]uint64 // header uses per scenario, for reproducible draws

	wmu      sync.Mutex
	drops    map[string]dropState // delivery id -> attempts still to drop
	passNext map[string]bool      // postponed deliveries: their next attempt goes as is
	held     map[string][]string  // tenant -> deliveries held back (reorder)

	// sleep waits d or until ctx ends (false then); tests may replace it.
	sleep   func(ctx context.Context, d time.Duration) bool
	closing chan struct{}
	closed  sync.Once
}

type armKey struct{ tenant, name string }

// armed is one armed scenario, as stored.
type armed struct {
	Tenant string `json:"tenant"`
	Name   string `json:"name"`
	progress
	Probability float64           `json:"probability"`
	Seed        uint64            `json:"seed"`
	Params      map[string]string `json:"params,omitempty"`
	RNG         []byte            `json:"rng"`
	ArmedAt     time.Time         `json:"armed_at"`
	Applied     int               `json:"applied"`

	sc  *Scenario
	pcg *rand.PCG
	rng *rand.Rand
}

// application is one scenario step applied to one request (or delivery).
type application struct {
	sc     *Scenario
	step   int
	c      *compiled
	params map[string]string
	delay  time.Duration
	via    string // "header" or "armed"
	// armed: what to restore when the step turns out not to apply
	arm     *armed
	prev    progress
	removed bool
}

// New builds the engine over the scenarios in set and loads the armed ones
// from the store.
func New(p *platform.Platform, set *Set) (*Engine, error) {
	e := &Engine{
		set: set, p: p, log: p.Log,
		actions:  map[string]platform.ScenarioAction{},
		armed:    map[armKey]*armed{},
		coverage: map[string]map[string]int{},
		draws:    map[string]uint64{},
		drops:    map[string]dropState{},
		passNext: map[string]bool{},
		held:     map[string][]string{},
		sleep:    sleepCtx,
		closing:  make(chan struct{}),
	}
	e.actions["/advance-clock"] = platform.ScenarioAction{Name: "advance-clock", Before: e.advanceClock}
	if err := e.loadArmed(); err != nil {
		return nil, fmt.Errorf("reading armed scenarios: %w", err)
	}
	p.Webhooks.SetChaos(e.chaos)
	return e, nil
}

// Close ends hanging requests.
func (e *Engine) Close() { e.closed.Do(func() { close(e.closing) }) }

// Set is the scenarios the engine knows.
func (e *Engine) Set() *Set { return e.set }

// SetSleep replaces how delays wait (tests record them instead).
func (e *Engine) SetSleep(f func(ctx context.Context, d time.Duration) bool) { e.sleep = f }

func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// AddActions registers a provider's actions; each must be in the Catalogue.
func (e *Engine) AddActions(actions []platform.ScenarioAction) error {
	for _, a := range actions {
		info, ok := catalogued(a.Provider, a.Name)
		if !ok || info.Provider != a.Provider {
			return fmt.Errorf("scenario action %s/%s is not in the scenario catalogue", a.Provider, a.Name)
		}
		e.actions[a.Provider+"/"+a.Name] = a
	}
	return nil
}

// action finds the implementation a scenario of provider calls by name.
func (e *Engine) action(provider, name string) (platform.ScenarioAction, bool) {
	if a, ok := e.actions["/"+name]; ok {
		return a, true
	}
	a, ok := e.actions[provider+"/"+name]
	return a, ok
}

// Available reports whether every action of sc is implemented.
func (e *Engine) Available(sc *Scenario) (bool, string) {
	for _, st := range sc.Steps {
		for _, a := range st.Actions {
			prov := sc.Provider
			if _, ok := e.action(prov, a.Name); !ok {
				return false, fmt.Sprintf("action %s/%s is not available", prov, a.Name)
			}
		}
	}
	return true, ""
}

// Wrap is the platform.Interceptor: it runs after authentication and before
// contract validation, for every provider endpoint.
func (e *Engine) Wrap(c *platform.SurfaceConfig, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The hot path: no header, nothing armed. A map lookup and an atomic load.
		hdr := r.Header[HeaderName]
		if len(hdr) == 0 && e.armedReq.Load() == 0 {
			next.ServeHTTP(w, r)
			return
		}
		e.serve(c, next, w, r, hdr)
	})
}

func (e *Engine) serve(c *platform.SurfaceConfig, next http.Handler, w http.ResponseWriter, r *http.Request, hdr []string) {
	tenant := platform.Tenant(r.Context())
	rv := &reqView{method: r.Method, path: r.URL.Path, tenant: tenant, header: r.Header, rawQuery: r.URL.RawQuery, body: platform.Body(r)}
	var apps []*application
	var skipped []string
	if len(hdr) > 0 {
		refs, bad := parseHeader(hdr)
		skipped = append(skipped, bad...)
		for _, ref := range refs {
			app, why := e.fromHeader(c.Provider, ref, rv)
			if why != "" {
				skipped = append(skipped, ref.name+": "+why)
				continue
			}
			apps = append(apps, app)
		}
	}
	if e.armedReq.Load() > 0 {
		apps = append(apps, e.takeArmed(c.Provider, tenant, rv)...)
	}
	for _, s := range skipped {
		w.Header().Add(SkippedHeader, s)
	}
	if len(apps) == 0 {
		next.ServeHTTP(w, r)
		return
	}
	x := &exchange{e: e, c: c, next: next, w: w, r: r, tenant: tenant}
	x.run(apps)
}

// fromHeader prepares a scenario asked for by the header, or says why not.
func (e *Engine) fromHeader(provider string, ref headerRef, rv *reqView) (*application, string) {
	sc := e.set.Get(ref.name)
	switch {
	case sc == nil:
		return nil, "no such scenario (GET /_sandbox/scenarios lists them)"
	case !sc.appliesTo(provider):
		return nil, "is a " + sc.Provider + " scenario, this is " + provider
	case !sc.Webhook && !matchAny(sc.Match, rv):
		return nil, "does not match " + rv.method + " " + rv.path
	}
	params, err := mergeParams(sc, ref.params)
	if err != nil {
		return nil, err.Error()
	}
	step := max(ref.step, 1) - 1
	if step >= len(sc.Steps) {
		return nil, fmt.Sprintf("has %d steps, not %d", len(sc.Steps), ref.step)
	}
	comp, err := sc.Steps[step].compile(params)
	if err != nil {
		return nil, err.Error()
	}
	// Each header use of a scenario draws from its own reproducible stream.
	e.mu.Lock()
	n := e.draws[sc.Name]
	e.draws[sc.Name]++
	e.mu.Unlock()
	seed := sc.Seed
	if seed == 0 {
		seed = defaultSeed("", sc.Name)
	}
	app := &application{sc: sc, step: step, c: comp, params: params, via: "header"}
	if d := sc.Steps[step].Delay; d != nil {
		app.delay = d.sample(rand.New(rand.NewPCG(seed, n)), comp.fixed)
	}
	return app, ""
}

// exchange is one request the engine shapes.
type exchange struct {
	e      *Engine
	c      *platform.SurfaceConfig
	next   http.Handler
	w      http.ResponseWriter
	r      *http.Request
	tenant string

	applied []*application
}

func (x *exchange) run(apps []*application) {
	var reqApps []*application
	var web *application
	for _, a := range apps {
		if a.sc.Webhook {
			// The request goes on; the deliveries it enqueues carry the
			// scenario (the first one asked for), set in their transaction.
			if web == nil {
				web = a
			}
			x.applied = append(x.applied, a)
			continue
		}
		reqApps = append(reqApps, a)
	}
	if web != nil {
		x.e.p.Store.Within(web.ref(), func() { x.runRequest(reqApps) })
		return
	}
	x.runRequest(reqApps)
}

// runRequest applies the request scenarios.
func (x *exchange) runRequest(reqApps []*application) {
	e, r := x.e, x.r

	// Actions that are not implemented make their step not apply.
	active := reqApps[:0:0]
	for _, a := range reqApps {
		if why := x.missingAction(a); why != "" {
			x.skip(a, why)
			continue
		}
		active = append(active, a)
	}

	var wait time.Duration
	for _, a := range active {
		wait += a.delay
	}
	if wait > 0 && !e.sleep(r.Context(), wait) {
		x.applied = append(x.applied, active...)
		x.mark()
		x.w.WriteHeader(499) // the client gave up while waiting (for the journal)
		return
	}

	// Actions before the handler, in order; an answer ends the request.
	for i := 0; i < len(active); i++ {
		a := active[i]
		answer, skipped := x.before(a)
		if skipped {
			active = slices.Delete(active, i, i+1)
			i--
			continue
		}
		if answer != nil {
			x.applied = append(x.applied, active[:i+1]...)
			x.refundAll(active[i+1:], "another scenario answered first")
			x.headers()
			x.mark()
			answer()
			return
		}
	}
	x.applied = append(x.applied, active...)

	// An error or a fault before the handler answers instead of it.
	for _, a := range active {
		if a.c.err != nil {
			x.headers()
			x.mark()
			x.c.Renderer.RenderError(x.w, r, a.c.err)
			return
		}
		if f := a.c.step.Fault; f != nil && !f.AfterHandler {
			x.headers()
			x.mark()
			x.fault(f, 0, nil)
			return
		}
	}

	var after []*application
	var fault *Fault
	for _, a := range active {
		if x.hasAfter(a) {
			after = append(after, a)
		}
		if f := a.c.step.Fault; f != nil && fault == nil {
			fault = f
		}
	}
	if len(after) == 0 && fault == nil {
		x.headers()
		x.mark()
		x.next.ServeHTTP(x.w, r)
		return
	}

	// The handler runs into a buffer, so after-actions can see and replace
	// its answer and faults can cut it.
	snapshot := x.w.Header().Clone()
	cw := &capture{h: x.w.Header()}
	x.next.ServeHTTP(cw, r)
	status, body := cw.result()
	var replaced error
	for _, a := range after {
		for _, ar := range a.c.actions {
			act, _ := e.action(a.sc.Provider, ar.Name)
			if act.After == nil {
				continue
			}
			call := &platform.ActionCall{Request: r, Tenant: x.tenant, Params: ar.Params, Status: status, Body: body}
			err := act.After(call)
			switch {
			case errors.Is(err, platform.ErrActionSkipped):
				x.applied = slices.DeleteFunc(x.applied, func(b *application) bool { return b == a })
				x.skip(a, skipReason(err))
			case err != nil:
				replaced = err
			default:
				if call.Status != status || !bytes.Equal(call.Body, body) {
					status, body = call.Status, call.Body
					x.w.Header().Del("Content-Length")
				}
			}
			if err != nil {
				break
			}
		}
		if replaced != nil {
			break
		}
	}
	if replaced != nil {
		restoreHeader(x.w.Header(), snapshot)
		x.headers()
		x.mark()
		x.c.Renderer.RenderError(x.w, r, replaced)
		return
	}
	x.headers()
	x.mark()
	if fault != nil {
		x.fault(fault, status, body)
		return
	}
	x.w.WriteHeader(status)
	_, _ = x.w.Write(body)
}

// missingAction names the first action of a's step with no implementation.
func (x *exchange) missingAction(a *application) string {
	for _, ar := range a.c.actions {
		if _, ok := x.e.action(a.sc.Provider, ar.Name); !ok {
			return fmt.Sprintf("action %s/%s is not available", a.sc.Provider, ar.Name)
		}
	}
	return ""
}

func (x *exchange) hasAfter(a *application) bool {
	for _, ar := range a.c.actions {
		if act, _ := x.e.action(a.sc.Provider, ar.Name); act.After != nil {
			return true
		}
	}
	return false
}

// before runs a's before-actions. answer, when not nil, writes the answer
// an action gave (its own, or its error in the provider's format); skipped:
// the step does not apply.
func (x *exchange) before(a *application) (answer func(), skipped bool) {
	for _, ar := range a.c.actions {
		act, _ := x.e.action(a.sc.Provider, ar.Name)
		if act.Before == nil {
			continue
		}
		call := &platform.ActionCall{Request: x.r, Tenant: x.tenant, Params: ar.Params}
		err := act.Before(call)
		switch {
		case errors.Is(err, platform.ErrActionSkipped):
			x.skip(a, skipReason(err))
			return nil, true
		case err != nil:
			return func() { x.c.Renderer.RenderError(x.w, x.r, err) }, false
		case call.Status != 0:
			return func() {
				if len(call.Body) > 0 && x.w.Header().Get("Content-Type") == "" {
					x.w.Header().Set("Content-Type", "application/json")
				}
				x.w.WriteHeader(call.Status)
				_, _ = x.w.Write(call.Body)
			}, false
		}
	}
	return nil, false
}

func skipReason(err error) string {
	if msg := err.Error(); msg != platform.ErrActionSkipped.Error() {
		return strings.TrimSuffix(msg, ": "+platform.ErrActionSkipped.Error())
	}
	return "nothing to act on"
}

// skip gives an armed step back and tells the client why (header uses).
func (x *exchange) skip(a *application, why string) {
	x.e.refund(a)
	x.w.Header().Add(SkippedHeader, a.sc.Name+": "+why)
}

func (x *exchange) refundAll(apps []*application, why string) {
	for _, a := range apps {
		x.skip(a, why)
	}
}

// headers sets the response headers the applied steps ask for.
func (x *exchange) headers() {
	h := x.w.Header()
	for _, a := range x.applied {
		for k, v := range a.c.headers {
			h.Set(k, v)
		}
		if a.c.err != nil && a.c.retryAfter > 0 {
			secs := int((a.c.retryAfter + time.Second - 1) / time.Second)
			h.Set("Retry-After", strconv.Itoa(secs))
		}
		if a.c.err != nil && a.c.err.Status == http.StatusTooManyRequests {
			for k, v := range rateLimitHeaders[x.c.Provider] {
				h.Set(k, v)
			}
		}
	}
}

// rateLimitHeaders are the headers a provider sends with a 429 (besides
// Retry-After). Commerce Layer documents X-Ratelimit-*; Klarna and
// MultiSafepay document none.
var rateLimitHeaders = map[string]map[string]string{
	"commercelayer": {"X-Ratelimit-Limit": "25", "X-Ratelimit-Interval": "10", "X-Ratelimit-Remaining": "0"},
}

// mark records the applied scenarios: a response header, the journal and the
// coverage counts.
func (x *exchange) mark() {
	if len(x.applied) == 0 {
		return
	}
	names := make([]string, 0, len(x.applied))
	var shaped []string // webhook scenarios count when a delivery is disturbed
	for _, a := range x.applied {
		if !slices.Contains(names, a.sc.Name) {
			names = append(names, a.sc.Name)
			if !a.sc.Webhook {
				shaped = append(shaped, a.sc.Name)
			}
		}
	}
	joined := strings.Join(names, ",")
	x.w.Header().Set(AppliedHeader, joined)
	if info := platform.Info(x.r.Context()); info != nil {
		info.Scenario = joined
	}
	x.e.count(shaped, x.tenant)
}

func (e *Engine) count(names []string, tenant string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, n := range names {
		if e.coverage[n] == nil {
			e.coverage[n] = map[string]int{}
		}
		e.coverage[n][tenant]++
	}
}

func restoreHeader(h, snapshot http.Header) {
	for k := range h {
		delete(h, k)
	}
	for k, v := range snapshot {
		h[k] = v
	}
}

// capture buffers a handler's answer; headers go to the real response.
type capture struct {
	h      http.Header
	status int
	body   bytes.Buffer
}

func (c *capture) Header() http.Header { return c.h }

func (c *capture) WriteHeader(status int) {
	if c.status == 0 {
		c.status = status
	}
}

func (c *capture) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	return c.body.Write(b)
}

func (c *capture) result() (int, []byte) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	return c.status, c.body.Bytes()
}

// advanceClock is the neutral action that moves the tenant's clock.
func (e *Engine) advanceClock(c *platform.ActionCall) error {
	if c.Tenant == "" {
		return fmt.Errorf("advance-clock needs a tenant (this endpoint has no credentials): %w", platform.ErrActionSkipped)
	}
	d, err := ParseDuration(c.Params["by"])
	if err != nil || d <= 0 {
		return fmt.Errorf("advance-clock: by %q is not a positive duration: %w", c.Params["by"], platform.ErrActionSkipped)
	}
	if err := e.p.Clock.Advance(c.Tenant, d); err != nil {
		return err
	}
	e.p.Scheduler.RunDue(c.Request.Context())
	return nil
}

// --- armed scenarios

// ArmOptions are the admin API's arm parameters; nil fields take the
// scenario's defaults.
type ArmOptions struct {
	Times       *int
	Probability *float64
	Seed        *uint64
	Params      map[string]string
}

// ArmedView is an armed scenario as the admin API shows it.
type ArmedView struct {
	Name        string            `json:"name"`
	Tenant      string            `json:"tenant"`
	Times       int               `json:"times"`
	Runs        int               `json:"runs"`
	NextStep    int               `json:"next_step"`
	Steps       int               `json:"steps"`
	Probability float64           `json:"probability"`
	Seed        uint64            `json:"seed"`
	Params      map[string]string `json:"params,omitempty"`
	Applied     int               `json:"applied"`
	ArmedAt     time.Time         `json:"armed_at"`
	Webhook     bool              `json:"webhook"`
}

func (a *armed) view() ArmedView {
	return ArmedView{
		Name: a.Name, Tenant: a.Tenant, Times: a.Times, Runs: a.Runs, NextStep: a.Pos + 1, Steps: len(a.sc.Steps),
		Probability: a.Probability, Seed: a.Seed, Params: a.Params, Applied: a.Applied, ArmedAt: a.ArmedAt, Webhook: a.sc.Webhook,
	}
}

// Errors the admin API maps to statuses.
var (
	ErrUnknownScenario = errors.New("no such scenario")
	ErrBadArm          = errors.New("bad arm request")
)

// Arm arms the scenario for tenant ("*" for every tenant), replacing an
// earlier arming of the same scenario for the same tenant.
func (e *Engine) Arm(name, tenant string, opt ArmOptions) (ArmedView, error) {
	sc := e.set.Get(name)
	if sc == nil {
		return ArmedView{}, fmt.Errorf("%w: %q (GET /_sandbox/scenarios lists them)", ErrUnknownScenario, name)
	}
	if tenant == "" {
		return ArmedView{}, fmt.Errorf("%w: tenant is required (the credential's tenant, or \"*\" for every tenant)", ErrBadArm)
	}
	params, err := mergeParams(sc, opt.Params)
	if err != nil {
		return ArmedView{}, fmt.Errorf("%w: %v", ErrBadArm, err)
	}
	for i := range sc.Steps {
		if _, err := sc.Steps[i].compile(params); err != nil {
			return ArmedView{}, fmt.Errorf("%w: step %d: %v", ErrBadArm, i+1, err)
		}
	}
	a := &armed{Tenant: tenant, Name: name, Probability: sc.Probability, Seed: sc.Seed, Params: opt.Params, sc: sc}
	a.Times = 1
	if opt.Times != nil {
		if *opt.Times < 0 {
			return ArmedView{}, fmt.Errorf("%w: times is 1 or more (0: until disarmed)", ErrBadArm)
		}
		a.Times = *opt.Times
	}
	if opt.Probability != nil {
		if p := *opt.Probability; p <= 0 || p > 1 {
			return ArmedView{}, fmt.Errorf("%w: probability is above 0 and at most 1", ErrBadArm)
		}
		a.Probability = *opt.Probability
	}
	if opt.Seed != nil {
		a.Seed = *opt.Seed
	}
	if a.Seed == 0 {
		a.Seed = defaultSeed(tenant, name)
	}
	a.pcg = newPCG(a.Seed)
	a.rng = rand.New(a.pcg)
	a.ArmedAt = e.p.Clock.Now(tenant)

	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.persist([]*armed{a}, nil); err != nil {
		return ArmedView{}, err
	}
	key := armKey{tenant, name}
	if old := e.armed[key]; old != nil {
		e.forgetLocked(old)
	}
	e.armed[key] = a
	e.counter(a).Add(1)
	return a.view(), nil
}

// Disarm removes the scenario's arming for tenant ("" for every tenant) and
// says how many were removed.
func (e *Engine) Disarm(name, tenant string) (int, error) {
	if e.set.Get(name) == nil {
		return 0, fmt.Errorf("%w: %q", ErrUnknownScenario, name)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	var gone []*armed
	for k, a := range e.armed {
		if k.name == name && (tenant == "" || k.tenant == tenant) {
			gone = append(gone, a)
		}
	}
	if err := e.persist(nil, gone); err != nil {
		return 0, err
	}
	for _, a := range gone {
		e.forgetLocked(a)
	}
	return len(gone), nil
}

// Armed lists armed scenarios (of one tenant, or all for ""), by tenant and name.
func (e *Engine) Armed(tenant string) []ArmedView {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := []ArmedView{}
	for _, a := range e.armed {
		if tenant == "" || a.Tenant == tenant {
			out = append(out, a.view())
		}
	}
	slices.SortFunc(out, func(a, b ArmedView) int {
		if c := strings.Compare(a.Tenant, b.Tenant); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}

func (e *Engine) counter(a *armed) *atomic.Int32 {
	if a.sc.Webhook {
		return &e.armedWeb
	}
	return &e.armedReq
}

func (e *Engine) forgetLocked(a *armed) {
	delete(e.armed, armKey{a.Tenant, a.Name})
	e.counter(a).Add(-1)
}

// takeArmed draws and takes the steps of the request scenarios armed for
// tenant (or "*") that match the request.
func (e *Engine) takeArmed(provider, tenant string, rv *reqView) []*application {
	e.mu.Lock()
	defer e.mu.Unlock()
	var cands []*armed
	for _, a := range e.armed {
		if a.sc.Webhook || !a.sc.appliesTo(provider) || (a.Tenant != "*" && a.Tenant != tenant) {
			continue
		}
		cands = append(cands, a)
	}
	if len(cands) == 0 {
		return nil
	}
	slices.SortFunc(cands, func(a, b *armed) int { return strings.Compare(a.Tenant+"/"+a.Name, b.Tenant+"/"+b.Name) })
	var apps []*application
	var changed, gone []*armed
	for _, a := range cands {
		if !matchAny(a.sc.Match, rv) {
			continue
		}
		if app := e.takeLocked(a, &changed, &gone); app != nil {
			apps = append(apps, app)
		}
	}
	if err := e.persist(changed, gone); err != nil {
		e.log.Error("scenario: saving armed state", "err", err)
	}
	return apps
}

// takeLocked draws for one armed scenario and, on a hit, takes its next step.
func (e *Engine) takeLocked(a *armed, changed, gone *[]*armed) *application {
	drew := a.Probability < 1
	if !hit(a.rng, a.Probability) {
		if drew {
			*changed = append(*changed, a)
		}
		return nil
	}
	prev := a.progress
	step, done := a.take(len(a.sc.Steps))
	a.Applied++
	params, _ := mergeParams(a.sc, a.Params)
	comp, err := a.sc.Steps[step].compile(params)
	if err != nil { // validated when armed; a changed scenario file could break it
		e.log.Warn("scenario: armed step does not compile", "scenario", a.Name, "err", err)
		a.progress, a.Applied = prev, a.Applied-1
		return nil
	}
	app := &application{sc: a.sc, step: step, c: comp, params: params, via: "armed", arm: a, prev: prev}
	if d := a.sc.Steps[step].Delay; d != nil {
		app.delay = d.sample(a.rng, comp.fixed)
	}
	if done {
		e.forgetLocked(a)
		app.removed = true
		*gone = append(*gone, a)
	} else {
		*changed = append(*changed, a)
	}
	return app
}

// refund gives back an armed step that did not apply.
func (e *Engine) refund(app *application) {
	if app.via != "armed" {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	a, key := app.arm, armKey{app.arm.Tenant, app.arm.Name}
	switch cur := e.armed[key]; {
	case cur == a:
	case cur == nil && app.removed:
		e.armed[key] = a // used up by this request: armed again where it was
		e.counter(a).Add(1)
	default:
		return // disarmed or re-armed meanwhile
	}
	a.progress = app.prev
	a.Applied--
	if err := e.persist([]*armed{a}, nil); err != nil {
		e.log.Error("scenario: saving armed state", "err", err)
	}
}

func sysKey(tenant, name string) string { return tenant + "\x00" + name }

// persist writes changed armings and deletes gone ones, in one write.
func (e *Engine) persist(changed, gone []*armed) error {
	if len(changed) == 0 && len(gone) == 0 {
		return nil
	}
	for _, a := range changed {
		if b, err := a.pcg.MarshalBinary(); err == nil {
			a.RNG = b
		}
	}
	return e.p.Store.SysUpdate(func(tx *store.Tx) error {
		sys := tx.Sys(sysBucket)
		for _, a := range changed {
			if err := sys.Put(sysKey(a.Tenant, a.Name), a); err != nil {
				return err
			}
		}
		for _, a := range gone {
			if err := sys.Delete(sysKey(a.Tenant, a.Name)); err != nil {
				return err
			}
		}
		return nil
	})
}

func (e *Engine) loadArmed() error {
	return e.p.Store.SysView(func(tx *store.Tx) error {
		return tx.Sys(sysBucket).List(false, func(_ string, raw []byte) (bool, error) {
			a, err := e.decodeArmed(raw)
			if err != nil {
				e.log.Warn("scenario: ignoring an armed scenario", "err", err)
				return true, nil
			}
			e.armed[armKey{a.Tenant, a.Name}] = a
			e.counter(a).Add(1)
			return true, nil
		})
	})
}

func (e *Engine) decodeArmed(raw []byte) (*armed, error) {
	a := &armed{}
	if err := json.Unmarshal(raw, a); err != nil {
		return nil, err
	}
	a.sc = e.set.Get(a.Name)
	if a.sc == nil {
		return nil, fmt.Errorf("scenario %q (armed for %s) is no longer loaded", a.Name, a.Tenant)
	}
	a.pcg = newPCG(a.Seed)
	if len(a.RNG) > 0 {
		if err := a.pcg.UnmarshalBinary(a.RNG); err != nil {
			return nil, err
		}
	}
	a.rng = rand.New(a.pcg)
	return a, nil
}

// Reset forgets armed scenarios, coverage and webhook chaos of tenant (every
// tenant for ""); the store's reset has already removed the records.
func (e *Engine) Reset(tenant string) {
	e.mu.Lock()
	for k, a := range e.armed {
		if tenant == "" || k.tenant == tenant {
			e.forgetLocked(a)
		}
	}
	for name, byTenant := range e.coverage {
		if tenant == "" {
			delete(e.coverage, name)
			continue
		}
		delete(byTenant, tenant)
	}
	if tenant == "" {
		e.draws = map[string]uint64{}
	}
	e.mu.Unlock()
	e.wmu.Lock()
	if tenant == "" {
		e.drops, e.passNext, e.held = map[string]dropState{}, map[string]bool{}, map[string][]string{}
	} else {
		delete(e.held, tenant)
	}
	e.wmu.Unlock()
}

// CoverageEntry tells how often a scenario shaped a response or a delivery.
type CoverageEntry struct {
	Name     string         `json:"name"`
	Provider string         `json:"provider"`
	Builtin  bool           `json:"builtin"`
	Applied  int            `json:"applied"`
	Tenants  map[string]int `json:"tenants"`
}

// Coverage lists every scenario with how often it applied (for tenant, or
// all for ""), since start or the last reset.
func (e *Engine) Coverage(tenant string) []CoverageEntry {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := []CoverageEntry{}
	for _, sc := range e.set.All() {
		ce := CoverageEntry{Name: sc.Name, Provider: sc.Provider, Builtin: sc.Builtin, Tenants: map[string]int{}}
		for t, n := range e.coverage[sc.Name] {
			if tenant == "" || t == tenant {
				ce.Applied += n
				ce.Tenants[t] = n
			}
		}
		out = append(out, ce)
	}
	return out
}
