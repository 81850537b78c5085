package commercelayer

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/paysandbox/paysandbox/emulator/platform"
)

// Routes mounts the whole surface at Commerce Layer's own paths: the Core
// API under /api (every resource type of the model through the same JSON:API
// handlers; openapi/commercelayer.yaml is generated from the same catalogue),
// and the authentication endpoints.
func (cl *CommerceLayer) Routes(r *mux.Router) {
	render := apiRenderer{cl.p.Log}
	api := cl.p.Surface(r, platform.SurfaceConfig{
		Provider: provider, Spec: provider, Authenticate: cl.auth.authenticate, Renderer: render,
	})
	api.Use(cors, cl.rate.middleware(cl.p.Clock), negotiate(render))
	// Every resource type of Commerce Layer's model at its own path, with
	// exactly the actions the model gives it: catalogue/catalogue.json (135
	// types, generated from the research facts; the table below is the
	// generator's list). Types with behaviour are in kinds.go; every other
	// type is stored data checked against the model.
	for _, res := range clModel.Resources {
		typ := res.Type
		if res.Singleton {
			api.Handle(http.MethodGet, "/api/"+res.Name, cl.serveSingleton(typ))
			continue
		}
		if res.Has("list") {
			api.Handle(http.MethodGet, "/api/"+typ, cl.serveList(typ))
		}
		if res.Has("create") {
			api.Handle(http.MethodPost, "/api/"+typ, cl.serveCreate(typ))
		}
		if res.Has("retrieve") {
			api.Handle(http.MethodGet, "/api/"+typ+"/{id}", cl.serveGet(typ))
		}
		if res.Has("update") {
			api.Handle(http.MethodPatch, "/api/"+typ+"/{id}", cl.serveUpdate(typ))
		}
		if res.Has("delete") {
			api.Handle(http.MethodDelete, "/api/"+typ+"/{id}", cl.serveDelete(typ))
		}
	}
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
