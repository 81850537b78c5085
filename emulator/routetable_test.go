package emulator

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gorilla/mux"
)

// One route table: every endpoint of a provider, the admin API, the scenario
// API and the snapshot API is registered on a platform.Surface with the
// OpenAPI file that describes it, and the two tables agree. Every route the
// router holds comes from a surface and is a path of an OpenAPI file; every
// method a surface registers is an operation of that surface's own file (the
// admin ones of sandbox.yaml); every operation of every file has a
// handler, which a request reaches (HEAD too, for a GET: the platform
// answers it as GET without the body). The dashboard's HTML pages are
// outside the files by design and not mounted here.
func TestRouteTableMatchesTheOpenAPIFiles(t *testing.T) {
	e, err := New(Config{DataPath: filepath.Join(t.TempDir(), "db"), NoSync: true, Seed: 1, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })

	// The API surface as routes() mounts it, without the dashboard.
	r := mux.NewRouter()
	r.UseEncodedPath()
	e.apiRoutes(r)

	type op struct{ method, path string } // path as shape()
	specOps := map[string]map[op]string{} // file -> operation -> its path as written
	specPaths := map[string]string{}      // shape -> file
	if err := e.platform.Contract.Wait(); err != nil {
		t.Fatal(err)
	}
	for _, name := range e.platform.Contract.Names() {
		doc, err := e.platform.Contract.Spec(name).Doc()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		specOps[name] = map[op]string{}
		for path, item := range doc.Paths.Map() {
			specPaths[shape(path)] = name
			for method := range item.Operations() {
				specOps[name][op{method, shape(path)}] = path
			}
		}
	}

	// What the surfaces registered, against their own file.
	registered := map[string]map[op]bool{}
	surfacePaths := map[string]bool{}
	// (New mounted the surfaces once already, on the emulator's own router.)
	for _, o := range e.platform.Operations() {
		k := op{o.Method, shape(o.Path)}
		if registered[o.Spec] == nil {
			registered[o.Spec] = map[op]bool{}
		}
		if registered[o.Spec][k] {
			continue
		}
		registered[o.Spec][k] = true
		surfacePaths[k.path] = true
		if _, ok := specOps[o.Spec][k]; !ok {
			t.Errorf("%s %s is registered on a surface of openapi/%s.yaml, which has no such operation", o.Method, o.Path, o.Spec)
		}
	}
	n := 0
	for name, ops := range specOps {
		for k, path := range ops {
			n++
			if !registered[name][k] {
				t.Errorf("%s %s (openapi/%s.yaml) has no handler", k.method, path, name)
			}
		}
	}
	if len(registered["sandbox"]) < 15 || len(registered) < 4 {
		t.Fatalf("surfaces registered %d admin operations, %d files: are the surfaces listed?", len(registered["sandbox"]), len(registered))
	}

	// What the router holds: nothing beside the surfaces.
	routes := 0
	err = r.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		tpl, err := route.GetPathTemplate()
		if err != nil || route.GetHandler() == nil {
			return nil // a subrouter's prefix
		}
		if isPrefixRoute(route) {
			return nil // a NotFound catch-all under a prefix
		}
		routes++
		switch {
		case specPaths[shape(tpl)] == "":
			t.Errorf("route %s is in no OpenAPI file", tpl)
		case !surfacePaths[shape(tpl)]:
			t.Errorf("route %s does not go through a platform.Surface", tpl)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d routes, %d operations", routes, n)

	// Every operation reaches its handler: the method is dispatched before
	// credentials are asked for (and the admin guard lets localhost in when
	// no token is set), so 405 means no handler.
	h := e.middleware(r)
	for name, ops := range specOps {
		for k, path := range ops {
			methods := []string{k.method}
			if k.method == http.MethodGet {
				methods = append(methods, http.MethodHead)
			}
			for _, m := range methods {
				req := httptest.NewRequest(m, fill(path), nil)
				req.Host = "localhost"
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code == http.StatusMethodNotAllowed {
					t.Errorf("%s %s (openapi/%s.yaml): no handler (405: %s)", m, path, name, truncateBody(rec.Body.String()))
				}
			}
		}
	}
}

var pathVar = regexp.MustCompile(`\{[^}]*\}`)

// shape is a path template with its variables unnamed.
func shape(tpl string) string { return pathVar.ReplaceAllString(tpl, "{}") }

// fill puts a value in each variable of a template.
func fill(tpl string) string { return pathVar.ReplaceAllString(tpl, "x1") }

// isPrefixRoute reports a PathPrefix route (its regexp is not anchored at
// the end).
func isPrefixRoute(route *mux.Route) bool {
	re, err := route.GetPathRegexp()
	return err == nil && !strings.HasSuffix(re, "$")
}

func truncateBody(s string) string {
	if len(s) > 200 {
		return s[:200]
	}
	return s
}
