package platform

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"github.com/paysandbox/paysandbox/emulator/clock"
	"github.com/paysandbox/paysandbox/emulator/contract"
)

// echoRenderer answers violations with their kind, so that a test can tell
// a 404 of the catch-all from a 405 of a path.
type echoRenderer struct{}

func (echoRenderer) RenderViolation(w http.ResponseWriter, _ *http.Request, v *contract.Violation) {
	switch v.Kind {
	case contract.MethodNotAllowed:
		http.Error(w, "violation method_not_allowed", http.StatusMethodNotAllowed)
	case contract.NoOperation:
		http.Error(w, "violation no_operation", http.StatusNotFound)
	default:
		http.Error(w, "violation "+v.Reason, http.StatusBadRequest)
	}
}

func (echoRenderer) RenderError(w http.ResponseWriter, _ *http.Request, err error) {
	http.Error(w, err.Error(), http.StatusUnauthorized)
}

// familyTable is a surface whose member paths are registered either as a
// route each (as before families) or through two families, in the same
// place among the routes around them (a literal route before, variable
// routes and a catch-all after).
func familyTable(t *testing.T, families bool) (http.Handler, *Platform) {
	t.Helper()
	r := mux.NewRouter()
	r.UseEncodedPath() // as emulator/routes.go
	r.SkipClean(true)
	p := &Platform{Scheduler: &clock.Scheduler{}}
	s := &Surface{p: p, r: r, c: SurfaceConfig{Renderer: echoRenderer{}, NoContract: true, MaxBody: 1 << 20, MaxValues: MaxValues},
		routes: map[string]map[string]http.Handler{}}
	p.surfaces = append(p.surfaces, s)
	answer := func(name string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			vars := mux.Vars(r)
			keys := make([]string, 0, len(vars))
			for k := range vars {
				keys = append(keys, k+"="+vars[k])
			}
			slices.Sort(keys)
			fmt.Fprintf(w, "%s %s %s", name, r.Method, strings.Join(keys, ","))
		}
	}
	s.Handle(http.MethodGet, "/api/first", answer("first"))
	type member struct{ method, path string }
	lists := []member{{"GET", "/api/orders"}, {"POST", "/api/orders"}, {"GET", "/api/skus"}, {"GET", "/api/app"}}
	items := []member{{"GET", "/api/orders/{id}"}, {"PATCH", "/api/orders/{id}"}, {"DELETE", "/api/orders/{id}"},
		{"GET", "/api/skus/{id}"}, {"GET", "/api/events/{id}"}}
	notes := []member{{"GET", "/api/orders/{id}/notes/{note}"}, {"PATCH", "/api/skus/{id}/notes/{note}"}}
	deep := []member{{"GET", "/v1/json/orders/{order_id}"}, {"GET", "/v1/json/gateways/{order_id}"}}
	register := func(shape string, ms []member) {
		if !families {
			for _, m := range ms {
				s.Handle(m.method, m.path, answer(m.path))
			}
			return
		}
		f := s.Family(shape)
		for _, m := range ms {
			f.Handle(m.method, m.path, answer(m.path))
		}
	}
	register("/api/*", lists)
	register("/api/*/{id}", items)
	register("/api/*/{id}/notes/{note}", notes)
	s.Handle(http.MethodGet, "/api/{type}/{id}/{rel}", answer("rel"))
	s.Handle(http.MethodGet, "/api/{type}/{id}/relationships/{rel}", answer("relationship"))
	s.NotFound("/api/")
	register("/v1/json/*/{order_id}", deep)
	s.NotFound("/v1/")
	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "router 404", http.StatusNotFound) })
	return r, p
}

// A family finds exactly what a route per path in its place found: the same
// handler with the same variables, the same 405 for a method the path lacks
// (HEAD answered as GET), the same 404s, for the members, their neighbours
// and the odd forms: trailing slashes, empty, encoded and other-case
// segments, extra segments.
func TestFamilyRoutesAsARoutePerPath(t *testing.T) {
	before, pb := familyTable(t, false)
	after, pa := familyTable(t, true)
	if b, a := pb.Operations(), pa.Operations(); !slices.Equal(b, a) || len(a) != 16 {
		t.Fatalf("route tables differ:\n%v\n%v", b, a)
	}
	var paths []string
	for _, base := range []string{"/api", "/v1/json", "/apix", ""} {
		for _, seg := range []string{"orders", "skus", "events", "app", "first", "gateways", "unknown", "Orders", "ord%65rs", "orders%2Fx", "", "%2A", "*", "{id}"} {
			for _, tail := range []string{"", "/", "/x", "/x/", "/a%2Fb", "/%7Bid%7D", "//", "/x/notes", "/x/notes/n", "/x/notes/", "/x//n", "/x/relationships/r", "/x/y", "/x/y/z/w"} {
				paths = append(paths, base+"/"+seg+tail)
			}
		}
	}
	paths = append(paths, "/api", "/", "/v1/json", "/api/orders?id=1", "/api/orders/x?x=/y")
	seen := map[int]int{}
	for _, path := range paths {
		for _, method := range []string{"GET", "HEAD", "POST", "PATCH", "DELETE", "PUT", "OPTIONS"} {
			var got [2]*httptest.ResponseRecorder
			for i, h := range []http.Handler{before, after} {
				req := httptest.NewRequest(method, "http://sandbox.test"+path, nil)
				got[i] = httptest.NewRecorder()
				h.ServeHTTP(got[i], req)
			}
			b, a := got[0], got[1]
			if b.Code != a.Code || b.Body.String() != a.Body.String() {
				t.Errorf("%s %s: a route per path answered %d %q, the family %d %q", method, path, b.Code, b.Body, a.Code, a.Body)
			}
			seen[a.Code]++
		}
	}
	// The battery reaches every kind of answer (else it proves little).
	if seen[200] < 30 || seen[405] < 30 || seen[404] < 1000 {
		t.Errorf("answers by status: %v", seen)
	}
	// And the answers are the expected ones where it matters.
	for _, c := range []struct{ method, path, want string }{
		{"GET", "/api/orders/a%2Fb", "/api/orders/{id} GET id=a%2Fb"},
		{"HEAD", "/api/skus/x", "/api/skus/{id} HEAD id=x"},
		{"PATCH", "/api/skus/x/notes/n", "/api/skus/{id}/notes/{note} PATCH id=x,note=n"},
		{"GET", "/api/skus/x/notes", "rel GET id=x,rel=notes,type=skus"},
		{"GET", "/v1/json/gateways/g", "/v1/json/gateways/{order_id} GET order_id=g"},
		{"POST", "/api/skus", "violation method_not_allowed\n"},
		{"GET", "/api/events", "violation no_operation\n"},
		{"GET", "/api/orders/", "violation no_operation\n"},
	} {
		rec := httptest.NewRecorder()
		after.ServeHTTP(rec, httptest.NewRequest(c.method, "http://sandbox.test"+c.path, nil))
		if rec.Body.String() != c.want {
			t.Errorf("%s %s: %d %q, want %q", c.method, c.path, rec.Code, rec.Body, c.want)
		}
	}
}

// A shape or a member that does not fit is a wiring bug, found at start.
func TestFamilyRejectsWhatItCannotMatch(t *testing.T) {
	_, p := familyTable(t, true)
	s := p.surfaces[0]
	for _, shape := range []string{"api/*", "/api/{type}/*", "/api/x*", "/api/*/{id:[0-9]+}", "/api/*/{id}/*", "/api/*/", "/api", "/api/*/{a}/{b}/{c}/{d}/{e}"} {
		if !panics(func() { s.Family(shape) }) {
			t.Errorf("Family(%q) was accepted", shape)
		}
	}
	f := s.Family("/api/*/{id}")
	for _, path := range []string{"/api/orders", "/api/orders/{id}/x", "/api/{type}/{id}", "/api//{id}", "/v1/orders/{id}", "/api/orders/{order_id}", "/api/a/b/{id}"} {
		if !panics(func() { f.Handle(http.MethodGet, path, func(http.ResponseWriter, *http.Request) {}) }) {
			t.Errorf("Handle(%q) was accepted by /api/*/{id}", path)
		}
	}
}

func panics(f func()) (yes bool) {
	defer func() { yes = recover() != nil }()
	f()
	return false
}
