package scenario

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"github.com/paysandbox/paysandbox/emulator/admin"
	"github.com/paysandbox/paysandbox/emulator/platform"
)

// Guard is the admin API's check (host, token, origin) around an endpoint;
// handlers then ask admin.MayAct whether the token may act on a tenant.
type Guard func(needToken bool, h http.HandlerFunc) http.Handler

// Routes mounts /_sandbox/scenarios with the admin API's guard and its answer
// to a wrong method.
func (e *Engine) Routes(r *mux.Router, guard Guard, methodNotAllowed http.HandlerFunc) {
	type route struct {
		path    string
		methods map[string]http.HandlerFunc
	}
	routes := []route{
		{"/_sandbox/scenarios", map[string]http.HandlerFunc{http.MethodGet: e.handleList}},
		{"/_sandbox/scenarios/armed", map[string]http.HandlerFunc{http.MethodGet: e.handleArmed}},
		{"/_sandbox/scenarios/coverage", map[string]http.HandlerFunc{http.MethodGet: e.handleCoverage}},
		{"/_sandbox/scenarios/{name}", map[string]http.HandlerFunc{http.MethodGet: e.handleGet}},
		{"/_sandbox/scenarios/{name}/arm", map[string]http.HandlerFunc{http.MethodPost: e.handleArm}},
		{"/_sandbox/scenarios/{name}/disarm", map[string]http.HandlerFunc{http.MethodPost: e.handleDisarm}},
	}
	for _, rt := range routes {
		guarded := map[string]http.Handler{}
		for m, h := range rt.methods {
			guarded[m] = guard(true, h)
		}
		r.Handle(rt.path, platform.ByMethod(guarded, methodNotAllowed))
	}
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
	sc := e.set.Get(mux.Vars(r)["name"])
	if sc == nil {
		writeError(w, http.StatusNotFound, "not_found", "no scenario named "+mux.Vars(r)["name"]+" (GET /_sandbox/scenarios lists them)")
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
	if !admin.DecodeJSON(w, r, &in, `{"tenant":"PK_TEST_x","times":1,"probability":1,"seed":7,"params":{}}`) {
		return
	}
	if in.Tenant != "" && admin.RefuseTenant(w, r, in.Tenant) {
		return
	}
	v, err := e.Arm(mux.Vars(r)["name"], in.Tenant, ArmOptions{Times: in.Times, Probability: in.Probability, Seed: in.Seed, Params: in.Params})
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
	if r.ContentLength != 0 && !admin.DecodeJSON(w, r, &in, `{"tenant":"PK_TEST_x"}`) {
		return
	}
	// No tenant disarms for every tenant: the global token's call.
	if admin.RefuseTenant(w, r, in.Tenant) {
		return
	}
	n, err := e.Disarm(mux.Vars(r)["name"], in.Tenant)
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
		writeError(w, http.StatusNotFound, "not_found", err.Error())
	case errors.Is(err, ErrBadArm):
		writeError(w, http.StatusBadRequest, "bad_request", strings.TrimPrefix(err.Error(), ErrBadArm.Error()+": "))
	default:
		writeError(w, http.StatusInternalServerError, "internal", "saving the armed scenario failed")
	}
	return false
}

// writeError has the admin API's error shape.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	admin.WriteError(w, status, code, msg)
}
