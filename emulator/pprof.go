package emulator

import (
	"net/http"
	"net/http/pprof"

	"github.com/gorilla/mux"

	"github.com/paysandbox/paysandbox/emulator/admin"
)

// pprofRoutes mounts Go's profiling handlers under /_sandbox/debug/pprof/
// (only with --pprof), behind the admin guard: a profile shows what the
// instance is doing, and a CPU profile keeps a core busy for its duration.
// Without --pprof the path is the admin API's 404.
func (e *Emulator) pprofRoutes(r *mux.Router) {
	const base = "/_sandbox/debug/pprof/"
	// The operator's (global) token only: a team's token sees its own
	// tenants, and a profile is the whole process.
	guard := func(h http.HandlerFunc) http.Handler {
		return e.admin.Guard(true, func(w http.ResponseWriter, r *http.Request) {
			if admin.RefuseTenant(w, r, "*") {
				return
			}
			h(w, r)
		})
	}
	r.Handle(base+"cmdline", guard(pprof.Cmdline))
	r.Handle(base+"profile", guard(pprof.Profile))
	r.Handle(base+"symbol", guard(pprof.Symbol))
	r.Handle(base+"trace", guard(pprof.Trace))
	// Index serves the named profiles (heap, goroutine, allocs, ...) too;
	// it expects the path under /debug/pprof/.
	r.PathPrefix(base).Handler(guard(func(w http.ResponseWriter, req *http.Request) {
		name := req.URL.Path[len(base):]
		if name == "" {
			pprof.Index(w, req)
			return
		}
		pprof.Handler(name).ServeHTTP(w, req)
	}))
}
