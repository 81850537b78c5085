package emulator

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/paysandbox/paysandbox/emulator/commercelayer"
	"github.com/paysandbox/paysandbox/emulator/dashboard"
	"github.com/paysandbox/paysandbox/emulator/klarna"
	"github.com/paysandbox/paysandbox/emulator/multisafepay"
	"github.com/paysandbox/paysandbox/emulator/platform"
	"github.com/paysandbox/paysandbox/emulator/scenario"
	"github.com/paysandbox/paysandbox/emulator/snapshot"
)

// buildProviders builds every emulated vendor, each mounted at its own
// paths by routes. Commerce Layer reaches Klarna only through the narrow
// interface it declares, satisfied by *klarna.Klarna.
func buildProviders(p *platform.Platform) ([]Provider, error) {
	kl, err := klarna.New(p)
	if err != nil {
		return nil, err
	}
	msp, err := multisafepay.New(p)
	if err != nil {
		return nil, err
	}
	cl, err := commercelayer.New(p, kl)
	if err != nil {
		return nil, err
	}
	return []Provider{kl, msp, cl}, nil
}

// ScenarioCatalogue is what scenario files may name: the providers, in the
// order they are listed, and the actions each documents.
func ScenarioCatalogue() scenario.Catalogue {
	var actions []platform.ActionDoc
	for _, docs := range [][]platform.ActionDoc{klarna.ScenarioActionDocs, multisafepay.ScenarioActionDocs, commercelayer.ScenarioActionDocs} {
		actions = append(actions, docs...)
	}
	return scenario.Catalogue{Providers: []string{"klarna", "multisafepay", "commercelayer"}, Actions: actions}
}

// apiRoutes mounts every endpoint our OpenAPI files describe: each
// provider's, then the admin, scenario and snapshot APIs. Providers first:
// the router tries routes in order, and provider calls are the hot path
// (each provider's routes sit in per-prefix groups).
func (e *Emulator) apiRoutes(r *mux.Router) {
	for _, p := range e.providers {
		p.Routes(r)
	}
	e.admin.Routes(r)
	e.scenarios.Routes(e.admin.Surface(r, platform.SurfaceConfig{}))
	// A snapshot is a document of its own, up to MaxSize, whose records the
	// loader keeps raw: the size bounds it, not the count of its values.
	e.snapshots.Routes(e.admin.Surface(r, platform.SurfaceConfig{MaxBody: snapshot.MaxSize, MaxValues: snapshot.MaxSize}))
}

// routes is the whole surface: each provider at its vendor's own paths, then
// the admin, scenario and snapshot APIs and the dashboard under /_sandbox.
func (e *Emulator) routes() http.Handler {
	r := mux.NewRouter()
	r.UseEncodedPath()
	r.SkipClean(true) // a vendor answers "//" paths with its own 404, not a redirect
	e.apiRoutes(r)
	e.dashboard.Routes(r)
	if e.cfg.Pprof {
		e.pprofRoutes(r)
	}
	r.PathPrefix("/_sandbox/").HandlerFunc(e.admin.NotFound)
	// "/" sends a browser to the dashboard; API clients keep the JSON 404.
	r.Path("/").Handler(dashboard.RedirectHTML(http.HandlerFunc(e.admin.NotFound)))
	r.NotFoundHandler = http.HandlerFunc(e.admin.NotFound)
	r.MethodNotAllowedHandler = http.HandlerFunc(e.admin.MethodNotAllowed)
	return e.middleware(r)
}
