package scenario

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/paysandbox/paysandbox/emulator/store"
)

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

	// Stored first, then armed: an arming the store refused is not armed.
	e.saveMu.Lock()
	defer e.saveMu.Unlock()
	rec, err := a.record()
	if err == nil {
		err = e.write(map[string][]byte{sysKey(tenant, name): rec}, nil)
	}
	if err != nil {
		return ArmedView{}, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
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
	e.saveMu.Lock()
	defer e.saveMu.Unlock()
	e.mu.Lock()
	var gone []*armed
	var keys []string
	for k, a := range e.armed {
		if k.name == name && (tenant == "" || k.tenant == tenant) {
			gone = append(gone, a)
			keys = append(keys, sysKey(k.tenant, k.name))
		}
	}
	e.mu.Unlock()
	if err := e.write(nil, keys); err != nil {
		return 0, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, a := range gone {
		if e.armed[armKey{a.Tenant, a.Name}] == a { // not used up meanwhile
			e.forgetLocked(a)
		}
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
	apps := e.takeArmedLocked(provider, tenant, rv)
	e.mu.Unlock()
	e.saveLogged()
	return apps
}

func (e *Engine) takeArmedLocked(provider, tenant string, rv *reqView) []*application {
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
	for _, a := range cands {
		if !matchAny(a.sc.Match, rv) {
			continue
		}
		if app := e.takeLocked(a); app != nil {
			apps = append(apps, app)
		}
	}
	return apps
}

// takeLocked draws for one armed scenario and, on a hit, takes its next
// step; what changed is marked for the next save.
func (e *Engine) takeLocked(a *armed) *application {
	drew := a.Probability < 1
	if !hit(a.rng, a.Probability) {
		if drew {
			e.dirtyLocked(a)
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
	e.dirtyLocked(a)
	if done {
		e.forgetLocked(a)
		app.removed = true
	}
	return app
}

// refund gives back an armed step that did not apply.
func (e *Engine) refund(app *application) {
	if app.via != "armed" {
		return
	}
	e.mu.Lock()
	a, key := app.arm, armKey{app.arm.Tenant, app.arm.Name}
	switch cur := e.armed[key]; {
	case cur == a:
	case cur == nil && app.removed:
		e.armed[key] = a // used up by this request: armed again where it was
		e.counter(a).Add(1)
	default:
		e.mu.Unlock()
		return // disarmed or re-armed meanwhile
	}
	a.progress = app.prev
	a.Applied--
	e.dirtyLocked(a)
	e.mu.Unlock()
	e.saveLogged()
}

func sysKey(tenant, name string) string { return tenant + "\x00" + name }

// Armed state is written outside the engine's mutex, so requests do not
// queue behind the store: under the mutex a change only marks its arming
// dirty, and save writes, one writer at a time (saveMu), the state each
// dirty arming has when save reads it. Writes therefore land in the order
// of the states they carry, and the store never goes back to an older one.

func (e *Engine) dirtyLocked(a *armed) { e.dirty[armKey{a.Tenant, a.Name}] = true }

// save writes the dirty armings (deleting those no longer armed); after a
// failed write they stay dirty for the next save.
func (e *Engine) save() error {
	e.saveMu.Lock()
	defer e.saveMu.Unlock()
	e.mu.Lock()
	if len(e.dirty) == 0 {
		e.mu.Unlock()
		return nil
	}
	puts, keys := map[string][]byte{}, make([]armKey, 0, len(e.dirty))
	var dels []string
	var err error
	for k := range e.dirty {
		keys = append(keys, k)
		a := e.armed[k]
		if a == nil {
			dels = append(dels, sysKey(k.tenant, k.name))
			continue
		}
		var rec []byte
		if rec, err = a.record(); err != nil {
			break
		}
		puts[sysKey(k.tenant, k.name)] = rec
	}
	if err == nil {
		clear(e.dirty)
	}
	e.mu.Unlock()
	if err != nil {
		return err
	}
	if err := e.write(puts, dels); err != nil {
		e.mu.Lock()
		for _, k := range keys {
			e.dirty[k] = true
		}
		e.mu.Unlock()
		return err
	}
	return nil
}

func (e *Engine) saveLogged() {
	if err := e.save(); err != nil {
		e.log.Error("scenario: saving armed state", "err", err)
	}
}

// record is the arming as stored, with its generator's state.
func (a *armed) record() ([]byte, error) {
	rng, err := a.pcg.MarshalBinary()
	if err != nil {
		return nil, err
	}
	a.RNG = rng
	return json.Marshal(a)
}

// write puts and deletes stored armings in one transaction.
func (e *Engine) write(puts map[string][]byte, dels []string) error {
	if len(puts) == 0 && len(dels) == 0 {
		return nil
	}
	// The armings in memory have changed already: the store must follow,
	// whatever becomes of the request that changed them.
	return e.p.Store.SysUpdate(context.Background(), func(tx *store.Tx) error {
		sys := tx.Sys(sysBucket)
		for k, rec := range puts {
			if err := sys.Put(k, json.RawMessage(rec)); err != nil {
				return err
			}
		}
		for _, k := range dels {
			if err := sys.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
}

// loadArmed reads tenant's armings ("" for every tenant's) from the store
// into the engine, at start-up and after a snapshot load. The caller holds
// e.mu, or has the engine to itself.
func (e *Engine) loadArmed(tenant string) error {
	// Not the request's context: the engine's memory must follow the store
	// (after a snapshot load) whatever becomes of the request.
	return e.p.Store.SysView(context.Background(), func(tx *store.Tx) error {
		return tx.Sys(sysBucket).List(false, func(_ string, raw []byte) (bool, error) {
			a, err := e.decodeArmed(raw)
			if err != nil {
				e.log.Warn("scenario: ignoring an armed scenario", "err", err)
				return true, nil
			}
			if tenant != "" && a.Tenant != tenant {
				return true, nil
			}
			key := armKey{a.Tenant, a.Name}
			if old := e.armed[key]; old != nil {
				e.forgetLocked(old)
			}
			e.armed[key] = a
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
