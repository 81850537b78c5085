package scenario

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paysandbox/paysandbox/emulator/webhook"
)

// Webhook chaos. The sender consults the engine before each attempt. A
// delivery is disturbed when it carries a scenario (the request that
// enqueued it asked for one in its header: the store tags that request's
// writes, and webhook.Enqueue copies the tag into the delivery in the same
// transaction) or when a webhook scenario is armed for its tenant. The
// delivery names the scenario, its step and parameters, so the decision is
// rebuilt from the scenario files after a restart; drops, delays and
// reorders under way are kept in memory.

type dropState struct {
	left int // attempts still to drop; -1: every one
	name string
}

// ref names the step applied, for a delivery to carry: "name", or
// "name#step?param=value" when not the first step or with parameters.
func (a *application) ref() string {
	ref := a.sc.Name
	if a.step > 0 || len(a.params) > 0 {
		ref += "#" + strconv.Itoa(a.step+1)
	}
	if len(a.params) > 0 {
		v := url.Values{}
		for k, p := range a.params {
			v.Set(k, p)
		}
		ref += "?" + v.Encode()
	}
	return ref
}

// fromRef rebuilds the application a delivery's scenario names (nil when
// the scenario is gone or the reference unreadable).
func (e *Engine) fromRef(ref string) *application {
	name, rest, _ := strings.Cut(ref, "#")
	stepStr, query, _ := strings.Cut(rest, "?")
	step := 0
	if stepStr != "" {
		n, err := strconv.Atoi(stepStr)
		if err != nil || n < 1 {
			return nil
		}
		step = n - 1
	}
	sc := e.set.Get(name)
	if sc == nil || !sc.Webhook || step >= len(sc.Steps) {
		return nil
	}
	params := map[string]string{}
	if query != "" {
		v, err := url.ParseQuery(query)
		if err != nil {
			return nil
		}
		for k := range v {
			params[k] = v.Get(k)
		}
	}
	comp, err := sc.Steps[step].compile(params)
	if err != nil {
		return nil
	}
	return &application{sc: sc, step: step, c: comp, params: params, via: "header"}
}

// chaos is the webhook sender's hook.
func (e *Engine) chaos(d *webhook.Delivery, now time.Time) (dec webhook.ChaosDecision) {
	if d.Scenario == "" && e.armedWeb.Load() == 0 && !e.watching() {
		return dec
	}
	e.wmu.Lock()
	defer e.wmu.Unlock()
	// Deliveries held back for reordering go right after this one (unless
	// this one is held back too).
	holding := false
	defer func() {
		if held := e.held[d.Tenant]; !holding && len(held) > 0 && !slices.Contains(held, d.ID) {
			dec.Release = held
			delete(e.held, d.Tenant)
		}
	}()
	if e.passNext[d.ID] {
		delete(e.passNext, d.ID)
		e.held[d.Tenant] = slices.DeleteFunc(e.held[d.Tenant], func(id string) bool { return id == d.ID })
		if len(e.held[d.Tenant]) == 0 {
			delete(e.held, d.Tenant)
		}
		return dec
	}
	if ds, ok := e.drops[d.ID]; ok {
		if ds.left == 0 {
			delete(e.drops, d.ID)
			return dec
		}
		if ds.left > 0 {
			ds.left--
		}
		e.drops[d.ID] = ds
		dec.Drop = "dropped by scenario " + ds.name
		return dec
	}
	if len(d.Attempts) > 0 {
		return dec
	}
	var app *application
	if d.Scenario != "" {
		app = e.fromRef(d.Scenario)
	}
	if app == nil && e.armedWeb.Load() > 0 {
		app = e.takeArmedDelivery(d)
	}
	if app == nil || app.c.step.Webhook == nil {
		return dec
	}
	c := app.c.step.Webhook
	switch c.Kind {
	case ChaosDrop:
		dec.Drop = "dropped by scenario " + app.sc.Name
		switch c.Attempts {
		case 0:
			e.drops[d.ID] = dropState{left: -1, name: app.sc.Name}
		case 1:
		default:
			e.drops[d.ID] = dropState{left: c.Attempts - 1, name: app.sc.Name}
		}
	case ChaosDuplicate:
		dec.Duplicate = true
	case ChaosDelay:
		dec.Delay = c.By
		e.passNext[d.ID] = true
	case ChaosReorder:
		holding = true
		dec.Delay = c.Hold
		e.held[d.Tenant] = append(e.held[d.Tenant], d.ID)
		e.passNext[d.ID] = true
	}
	e.count([]string{app.sc.Name}, d.Tenant)
	return dec
}

func (e *Engine) watching() bool {
	e.wmu.Lock()
	defer e.wmu.Unlock()
	return len(e.drops) > 0 || len(e.passNext) > 0 || len(e.held) > 0
}

// takeArmedDelivery takes a step of the first webhook scenario armed for the
// delivery's tenant (or "*") that matches it.
func (e *Engine) takeArmedDelivery(d *webhook.Delivery) *application {
	e.mu.Lock()
	app := e.takeArmedDeliveryLocked(d)
	e.mu.Unlock()
	e.saveLogged()
	return app
}

func (e *Engine) takeArmedDeliveryLocked(d *webhook.Delivery) *application {
	var cands []*armed
	for _, a := range e.armed {
		if a.sc.Webhook && a.sc.appliesTo(d.Provider) && (a.Tenant == "*" || a.Tenant == d.Tenant) && matchDelivery(a.sc.Match, d.Tenant, d.Event) {
			cands = append(cands, a)
		}
	}
	slices.SortFunc(cands, func(a, b *armed) int { return strings.Compare(a.Tenant+"/"+a.Name, b.Tenant+"/"+b.Name) })
	for _, a := range cands {
		if app := e.takeLocked(a); app != nil {
			return app
		}
	}
	return nil
}
