package emulator

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/paysandbox/paysandbox/emulator/klarna"
	"github.com/paysandbox/paysandbox/emulator/platform"
)

// providers builds every emulated vendor; one line each.
var providers = []func(p *platform.Platform) (Provider, error){
	func(p *platform.Platform) (Provider, error) { return klarna.New(p) },
}

// routes is the whole surface: the admin API under /_sandbox, then each
// provider at its vendor's own paths.
func (e *Emulator) routes() http.Handler {
	r := mux.NewRouter()
	r.UseEncodedPath()
	e.admin.Routes(r)
	for _, p := range e.providers {
		p.Routes(r)
	}
	r.PathPrefix("/_sandbox/").HandlerFunc(e.admin.NotFound)
	r.NotFoundHandler = http.HandlerFunc(e.admin.NotFound)
	r.MethodNotAllowedHandler = http.HandlerFunc(e.admin.MethodNotAllowed)
	return e.middleware(r)
}
