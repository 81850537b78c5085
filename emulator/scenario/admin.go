package scenario

import (
	"errors"
	"net/http"
	"strings"

	"github.com/paysandbox/paysandbox/emulator/admin"
	"github.com/paysandbox/paysandbox/emulator/platform"
)

// Routes mounts /_sandbox/scenarios on s, an admin surface (admin.API.Surface:
// the guard, openapi/sandbox.yaml, the admin error format); the handlers ask
// admin.RefuseTenant before they touch a tenant.
func (e *Engine) Routes(s *platform.Surface) {
	s.Handle(http.MethodGet, "/_sandbox/scenarios", e.handleList)
	s.Handle(http.MethodGet, "/_sandbox/scenarios/armed", e.handleArmed)
	s.Handle(http.MethodGet, "/_sandbox/scenarios/coverage", e.handleCoverage)
	s.Handle(http.MethodGet, "/_sandbox/scenarios/{name}", e.handleGet)
	s.Handle(http.MethodPost, "/_sandbox/scenarios/{name}/arm", e.handleArm)
	s.Handle(http.MethodPost, "/_sandbox/scenarios/{name}/disarm", e.handleDisarm)
}

// ScenarioView is a scenario as the admin API lists it.
type ScenarioView struct {
	Name        string            `json:"name"`
	Provider    string            `json:"provider"`
	Description string            `json:"description"`
	Builtin     bool              `json:"builtin"`
	File        string            `json:"file"`
	Line        int               `json:"line"`
	Steps       int               `json:"steps"`
	Webhook     bool              `json:"webhook"`
	Params      map[string]string `json:"params,omitempty"`
	Available   bool              `json:"available"`
	Unavailable string            `json:"unavailable,omitempty"`
	Source      string            `json:"source,omitempty"`
}

func (e *Engine) view(sc *Scenario, withSource bool) ScenarioView {
	ok, why := e.Available(sc)
	v := ScenarioView{
		Name: sc.Name, Provider: sc.Provider, Description: sc.Description, Builtin: sc.Builtin, File: sc.File, Line: sc.Line,
		Steps: len(sc.Steps), Webhook: sc.Webhook, Params: sc.Params, Available: ok, Unavailable: why,
	}
	if withSource {
		v.Source = sc.Source
	}
	return v
}

func (e *Engine) handleList(w http.ResponseWriter, r *http.Request) {
	out := []ScenarioView{}
	for _, sc := range e.set.All() {
		out = append(out, e.view(sc, false))
	}
	platform.WriteJSON(w, http.StatusOK, map[string]any{"scenarios": out})
}

func (e *Engine) handleGet(w http.ResponseWriter, r *http.Request) {
	name := platform.PathVar(r, "name")
	sc := e.set.Get(name)
	if sc == nil {
		admin.WriteError(w, http.StatusNotFound, "not_found", "no scenario named "+name+" (GET /_sandbox/scenarios lists them)")
		return
	}
	platform.WriteJSON(w, http.StatusOK, e.view(sc, true))
}

func (e *Engine) handleArmed(w http.ResponseWriter, r *http.Request) {
	tenant := r.URL.Query().Get("tenant")
	if tenant != "" && admin.RefuseTenant(w, r, tenant) {
		return
	}
	acc := admin.AccessOf(r)
	out := []ArmedView{}
	for _, a := range e.Armed(tenant) {
		// A team token sees its tenants' armings, not those for "*".
		if acc.MayAct(a.Tenant) {
			out = append(out, a)
		}
	}
	platform.WriteJSON(w, http.StatusOK, map[string]any{"armed": out})
}

func (e *Engine) handleCoverage(w http.ResponseWriter, r *http.Request) {
	tenant := r.URL.Query().Get("tenant")
	// Coverage summed over every tenant is the global token's to read.
	if admin.RefuseTenant(w, r, tenant) {
		return
	}
	cov := e.Coverage(tenant)
	exercised := 0
	for _, c := range cov {
		if c.Applied > 0 {
			exercised++
		}
	}
	platform.WriteJSON(w, http.StatusOK, map[string]any{"scenarios": cov, "exercised": exercised, "total": len(cov)})
}

// armRequest is POST /_sandbox/scenarios/{name}/arm.
type armRequest struct {
	Tenant      string            `json:"tenant"`
	Times       *int              `json:"times"`
	Probability *float64          `json:"probability"`
	Seed        *uint64           `json:"seed"`
	Params      map[string]string `json:"params"`
}

func (e *Engine) handleArm(w http.ResponseWriter, r *http.Request) {
	var in armRequest
	if !admin.Decode(w, r, &in) {
		return
	}
	if in.Tenant != "" && admin.RefuseTenant(w, r, in.Tenant) {
		return
	}
	v, err := e.Arm(platform.PathVar(r, "name"), in.Tenant, ArmOptions{Times: in.Times, Probability: in.Probability, Seed: in.Seed, Params: in.Params})
	if !armError(w, err) {
		return
	}
	platform.WriteJSON(w, http.StatusOK, v)
}

type disarmRequest struct {
	Tenant string `json:"tenant"`
}

func (e *Engine) handleDisarm(w http.ResponseWriter, r *http.Request) {
	var in disarmRequest
	if !admin.Decode(w, r, &in) {
		return
	}
	// No tenant disarms for every tenant: the global token's call.
	if admin.RefuseTenant(w, r, in.Tenant) {
		return
	}
	n, err := e.Disarm(platform.PathVar(r, "name"), in.Tenant)
	if !armError(w, err) {
		return
	}
	platform.WriteJSON(w, http.StatusOK, map[string]any{"disarmed": n})
}

// armError answers err, or reports true when there is none.
func armError(w http.ResponseWriter, err error) bool {
	switch {
	case err == nil:
		return true
	case errors.Is(err, ErrUnknownScenario):
		admin.WriteError(w, http.StatusNotFound, "not_found", err.Error())
	case errors.Is(err, ErrBadArm):
		admin.WriteError(w, http.StatusBadRequest, "bad_request", strings.TrimPrefix(err.Error(), ErrBadArm.Error()+": "))
	default:
		admin.WriteError(w, http.StatusInternalServerError, "internal", "saving the armed scenario failed")
	}
	return false
}
