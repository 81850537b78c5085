package scenario

import (
	"fmt"
	"strings"

	"github.com/paysandbox/paysandbox/emulator/platform"
)

// AddActions registers a provider's actions; each must be in the set's Catalogue.
func (e *Engine) AddActions(actions []platform.ScenarioAction) error {
	for _, a := range actions {
		info, ok := e.set.cat.find(a.Provider, a.Name)
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

func skipReason(err error) string {
	if msg := err.Error(); msg != platform.ErrActionSkipped.Error() {
		return strings.TrimSuffix(msg, ": "+platform.ErrActionSkipped.Error())
	}
	return "nothing to act on"
}

// advanceClock is the neutral action that moves the tenant's clock.
func (e *Engine) advanceClock(c *platform.ActionCall) error {
	if c.Tenant == "" {
		return fmt.Errorf("advance-clock needs a tenant (this endpoint has no credentials): %w", platform.ErrActionSkipped)
	}
	d, err := platform.ParseDuration(c.Params["by"])
	if err != nil || d <= 0 {
		return fmt.Errorf("advance-clock: by %q is not a positive duration: %w", c.Params["by"], platform.ErrActionSkipped)
	}
	if err := e.p.Clock.Advance(c.Tenant, d); err != nil {
		return err
	}
	e.p.Scheduler.RunDue(c.Request.Context())
	return nil
}
