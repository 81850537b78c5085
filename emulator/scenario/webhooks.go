package scenario

import (
	"slices"
	"strings"
	"time"

	"github.com/paysandbox/paysandbox/emulator/webhook"
)

// Webhook chaos. The sender consults the engine before each attempt. A
// delivery is disturbed when a webhook scenario is armed for its tenant, or
// when the request that enqueued it carried the scenario in its header: while
// such a request runs, deliveries of its tenant enqueued meanwhile are
// watched (a window), and when it ends they become explicit targets.
// Decisions are kept in memory: a restart forgets disturbances in flight.

type window struct {
	tenant, provider string
	after            string // deliveries with a greater id were enqueued during the request
	app              *application
}

type dropState struct {
	left int // attempts still to drop; -1: every one
	name string
}

func (e *Engine) openWindow(tenant, provider string, app *application) *window {
	w := &window{tenant: tenant, provider: provider, app: app, after: e.lastDelivery()}
	e.wmu.Lock()
	e.windows[w] = struct{}{}
	e.wmu.Unlock()
	return w
}

// lastDelivery is the id of the newest delivery (ids grow).
func (e *Engine) lastDelivery() string {
	ds, err := e.p.Webhooks.List(webhook.Filter{Limit: 1})
	if err != nil || len(ds) == 0 {
		return ""
	}
	return ds[0].ID
}

func (e *Engine) closeWindow(w *window) {
	ds, err := e.p.Webhooks.List(webhook.Filter{Tenant: w.tenant, Provider: w.provider, Limit: 1000})
	e.wmu.Lock()
	defer e.wmu.Unlock()
	delete(e.windows, w)
	if err != nil {
		e.log.Error("scenario: listing webhooks", "err", err)
		return
	}
	for _, d := range ds {
		if d.ID <= w.after {
			break // newest first: the rest are older
		}
		if len(d.Attempts) == 0 && !e.decided(d.ID) {
			e.targets[d.ID] = w.app
		}
	}
}

// decided: the delivery already got its chaos (it is postponed or dropping).
func (e *Engine) decided(id string) bool {
	_, dropping := e.drops[id]
	return e.passNext[id] || dropping
}

func (e *Engine) windowFor(d *webhook.Delivery) *application {
	var best *window
	for w := range e.windows {
		if (w.tenant == "" || w.tenant == d.Tenant) && w.provider == d.Provider && d.ID > w.after {
			if best == nil || w.after > best.after {
				best = w
			}
		}
	}
	if best == nil {
		return nil
	}
	return best.app
}

// chaos is the webhook sender's hook.
func (e *Engine) chaos(d *webhook.Delivery, now time.Time) (dec webhook.ChaosDecision) {
	if e.armedWeb.Load() == 0 && !e.watching() {
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
	app := e.targets[d.ID]
	delete(e.targets, d.ID)
	if app == nil {
		app = e.windowFor(d)
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
	return len(e.windows) > 0 || len(e.targets) > 0 || len(e.drops) > 0 || len(e.passNext) > 0 || len(e.held) > 0
}

// takeArmedDelivery takes a step of the first webhook scenario armed for the
// delivery's tenant (or "*") that matches it.
func (e *Engine) takeArmedDelivery(d *webhook.Delivery) *application {
	e.mu.Lock()
	defer e.mu.Unlock()
	var cands []*armed
	for _, a := range e.armed {
		if a.sc.Webhook && a.sc.appliesTo(d.Provider) && (a.Tenant == "*" || a.Tenant == d.Tenant) && matchDelivery(a.sc.Match, d.Tenant, d.Event) {
			cands = append(cands, a)
		}
	}
	slices.SortFunc(cands, func(a, b *armed) int { return strings.Compare(a.Tenant+"/"+a.Name, b.Tenant+"/"+b.Name) })
	var changed, gone []*armed
	var app *application
	for _, a := range cands {
		if app = e.takeLocked(a, &changed, &gone); app != nil {
			break
		}
	}
	if err := e.persist(changed, gone); err != nil {
		e.log.Error("scenario: saving armed state", "err", err)
	}
	return app
}
