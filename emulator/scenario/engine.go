package scenario

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paysandbox/paysandbox/emulator/platform"
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
	dirty    map[armKey]bool // armings changed since the last save (armed.go)
	saveMu   sync.Mutex      // one writer of armed state at a time
	armedReq atomic.Int32    // armed request scenarios: the hot path's only check
	armedWeb atomic.Int32    // armed webhook scenarios
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
		dirty:    map[armKey]bool{},
		coverage: map[string]map[string]int{},
		draws:    map[string]uint64{},
		drops:    map[string]dropState{},
		passNext: map[string]bool{},
		held:     map[string][]string{},
		sleep:    sleepCtx,
		closing:  make(chan struct{}),
	}
	e.actions["/advance-clock"] = platform.ScenarioAction{Name: "advance-clock", Before: e.advanceClock}
	if err := e.loadArmed(""); err != nil {
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
