package emulator

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gorilla/mux"
)

// The route table and our OpenAPI files agree: every path a provider, the
// admin API or the scenario API registers is a path of an OpenAPI file, and
// every operation of those files reaches a handler (its method is not
// refused as not allowed). The dashboard's HTML pages are outside the files
// by design. Methods a route registers beyond the files cannot be listed from
// the router (the platform dispatches them); the contract refuses them per
// request.
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

	specPaths := map[string]bool{}
	type op struct{ method, path string }
	var ops []op
	if err := e.platform.Contract.Wait(); err != nil {
		t.Fatal(err)
	}
	for _, name := range e.platform.Contract.Names() {
		doc, err := e.platform.Contract.Spec(name).Doc()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for path, item := range doc.Paths.Map() {
			specPaths[shape(path)] = true
			for method := range item.Operations() {
				ops = append(ops, op{method, path})
			}
		}
	}

	registered := map[string]bool{}
	err = r.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		tpl, err := route.GetPathTemplate()
		if err != nil || route.GetHandler() == nil {
			return nil // a subrouter's prefix
		}
		if isPrefixRoute(route) {
			return nil // a NotFound catch-all under a prefix
		}
		registered[shape(tpl)] = true
		if !specPaths[shape(tpl)] {
			t.Errorf("route %s is in no OpenAPI file", tpl)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(registered) < 50 {
		t.Fatalf("only %d routes registered: is the walk seeing the providers?", len(registered))
	}

	t.Logf("%d routes, %d operations", len(registered), len(ops))
	h := e.middleware(r)
	slices.SortFunc(ops, func(a, b op) int { return strings.Compare(a.path+a.method, b.path+b.method) })
	for _, o := range ops {
		if !registered[shape(o.path)] {
			t.Errorf("%s %s has no route", o.method, o.path)
			continue
		}
		// Dispatch checks the method before credentials, so an anonymous
		// request tells a missing handler (405) from a present one.
		req := httptest.NewRequest(o.method, fill(o.path), nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code == http.StatusMethodNotAllowed {
			t.Errorf("%s %s: no handler (405: %s)", o.method, o.path, truncateBody(rec.Body.String()))
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
