package commercelayer

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/paysandbox/paysandbox/emulator/platform"
)

// Routes mounts the whole surface at Commerce Layer's own paths: the Core
// API under /api (every resource type through the same JSON:API handlers;
// openapi/commercelayer.yaml says which type takes which method), and the
// authentication endpoints.
func (cl *CommerceLayer) Routes(r *mux.Router) {
	render := apiRenderer{cl.p.Log}
	api := cl.p.Surface(r, platform.SurfaceConfig{
		Provider: provider, Spec: provider, Authenticate: cl.auth.authenticate, Renderer: render,
	})
	api.Use(cors, cl.rate.middleware(cl.p.Clock), negotiate(render))
	api.Handle(http.MethodGet, "/api/{type}", cl.serveList)
	api.Handle(http.MethodPost, "/api/{type}", cl.serveCreate)
	api.Handle(http.MethodGet, "/api/{type}/{id}", cl.serveGet)
	api.Handle(http.MethodPatch, "/api/{type}/{id}", cl.serveUpdate)
	api.Handle(http.MethodDelete, "/api/{type}/{id}", cl.serveDelete)
	api.Handle(http.MethodGet, "/api/{type}/{id}/{rel}", cl.serveRelated)
	api.Handle(http.MethodGet, "/api/{type}/{id}/relationships/{rel}", cl.serveRelationship)
	api.NotFound("/api/")

	// Tokens and keys: no bearer token; errors with a numeric status.
	auth := cl.p.Surface(r, platform.SurfaceConfig{Provider: provider, Spec: provider, Renderer: oauthRenderer{cl.p.Log}, MaxBody: 64 << 10})
	auth.Use(cors, cl.rate.middleware(cl.p.Clock))
	auth.Handle(http.MethodPost, "/oauth/token", cl.serveToken)
	auth.Handle(http.MethodPost, "/oauth/revoke", cl.serveRevoke)
	auth.Handle(http.MethodGet, "/.well-known/jwks.json", cl.serveJWKS)
	auth.NotFound("/oauth/")
}

// cors lets storefronts call the API from the browser, as they do with
// Commerce Layer's sales channel tokens; preflights are answered here.
func cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if origin := r.Header.Get("Origin"); origin != "" {
			h.Set("Access-Control-Allow-Origin", "*")
			h.Set("Access-Control-Expose-Headers", "X-Ratelimit-Limit, X-Ratelimit-Interval, X-Ratelimit-Remaining")
		}
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Set("Access-Control-Allow-Methods", "GET, POST, PATCH, DELETE, OPTIONS")
			allow := r.Header.Get("Access-Control-Request-Headers")
			if allow == "" {
				allow = "Accept, Authorization, Content-Type"
			}
			h.Set("Access-Control-Allow-Headers", allow)
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}
