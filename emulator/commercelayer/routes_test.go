package commercelayer_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/paysandbox/paysandbox/emulator/commercelayer/catalogue"
	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
)

// raw sends a JSON:API request as do does, without the response check: for
// the answers to paths and methods our OpenAPI file has no operation for
// (Commerce Layer's 404 and 405).
func (a *api) raw(method, path string, body any) *sandboxtest.Response {
	a.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			a.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, a.sb.URL+path, rd)
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Accept", "application/vnd.api+json")
	req.Header.Set("Authorization", "Bearer "+a.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/vnd.api+json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	return &sandboxtest.Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// rawFails is fails without the response check.
func (a *api) rawFails(status int, code, method, path string, body any) map[string]any {
	a.t.Helper()
	return expectError(a.t, a.raw(method, path, body), status, code)
}

// surfaceTable is routes.go's generated table: path -> actions.
func surfaceTable(t *testing.T) map[string][]string {
	t.Helper()
	src, err := os.ReadFile("routes.go")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(src), "@@SURFACE@@\n")
	table, _, ok2 := strings.Cut(table, "@@END SURFACE@@")
	if !ok || !ok2 {
		t.Fatal("routes.go has no @@SURFACE@@ table")
	}
	out := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(table), "\n") {
		f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), "//"))
		if len(f) == 0 {
			continue // the end marker's line
		}
		if len(f) < 2 || !strings.HasPrefix(f[0], "/api/") {
			t.Fatalf("routes.go: bad table line %q", line)
		}
		out[f[0]] = f[1:]
	}
	return out
}

// The surface table in routes.go is what the router serves: every type
// answers at its paths exactly the methods of its actions (HEAD with GET),
// any other method there with Commerce Layer's 405, and a path with no
// action at all with its 404.
func TestTheRoutesServeTheSurfaceTable(t *testing.T) {
	sb := start(t)
	a := integration(t, sb)
	singleton := map[string]bool{}
	for _, r := range catalogue.Load().Resources {
		if r.Singleton {
			singleton["/api/"+r.Name] = true
		}
	}
	table := surfaceTable(t)
	if len(table) < 130 {
		t.Fatalf("%d types in the table", len(table))
	}
	for path, actions := range table {
		served := map[string]map[string]bool{path: {}, path + "/{id}": {}} // path -> methods
		for _, act := range actions {
			switch {
			case singleton[path] && act == "retrieve":
				served[path]["GET"] = true
			case act == "list":
				served[path]["GET"] = true
			case act == "create":
				served[path]["POST"] = true
			case act == "retrieve":
				served[path+"/{id}"]["GET"] = true
			case act == "update":
				served[path+"/{id}"]["PATCH"] = true
			case act == "delete":
				served[path+"/{id}"]["DELETE"] = true
			default:
				t.Fatalf("%s: unknown action %s", path, act)
			}
		}
		for tpl, methods := range served {
			url := strings.Replace(tpl, "{id}", "none", 1)
			var getStatus int
			for _, m := range []string{"GET", "HEAD", "POST", "PATCH", "DELETE", "PUT"} {
				var body any
				if m == "POST" || m == "PATCH" || m == "PUT" {
					body = map[string]any{}
				}
				served := methods[m] || m == "HEAD" && methods["GET"]
				var res *sandboxtest.Response
				if served {
					res = a.do(m, url, body) // an operation of our OpenAPI file: its answer is checked
				} else {
					res = a.raw(m, url, body)
				}
				if m == "GET" {
					getStatus = res.Status
				}
				routeNotFound := res.Status == http.StatusNotFound && strings.Contains(string(res.Body), `"code":"NOT_FOUND"`)
				switch {
				case m == "HEAD" && res.Status != getStatus:
					t.Errorf("HEAD %s: %d, GET %d", url, res.Status, getStatus)
				case len(methods) == 0:
					if !routeNotFound && m != "HEAD" {
						t.Errorf("%s %s (no action): %d %.200s, want the route's 404", m, url, res.Status, res.Body)
					}
				case served:
					if res.Status == http.StatusMethodNotAllowed || routeNotFound {
						t.Errorf("%s %s (%v): %d %.200s, want its handler", m, url, actions, res.Status, res.Body)
					}
				default:
					if res.Status != http.StatusMethodNotAllowed {
						t.Errorf("%s %s (%v): %d %.200s, want 405", m, url, actions, res.Status, res.Body)
					} else if m != "HEAD" {
						expectError(t, res, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED")
					}
				}
			}
		}
	}
}

// The paths around the resource families keep their answers: unknown types
// and odd forms of a path get Commerce Layer's 404, an encoded slash stays
// in the id, a type with only list and retrieve refuses writes with 405,
// HEAD answers as GET without the body, and the relationship routes after
// the families still serve.
func TestResourcePathsAroundTheFamilies(t *testing.T) {
	sb := start(t)
	a := salesChannel(t, sb, "market:code:EU")
	order := a.must(http.StatusCreated, "POST", "/api/orders", create("orders", nil, nil)).id()

	for _, path := range []string{"/api/unknown", "/api/unknown/x", "/api/unknown/x/line_items", "/api/Orders",
		"/api/ord%65rs", "/api/orders/", "/api/orders/" + order + "/", "/api/orders//", "/api//orders", "/api/",
		"/api/orders%2F" + order, "/api/application/x", "/api/event_stores", "/api/orders/" + order + "/line_items/x/y"} {
		e := a.rawFails(http.StatusNotFound, "NOT_FOUND", "GET", path, nil)
		if e["title"] != "Not found" || e["detail"] != "The requested resource could not be found." {
			t.Errorf("GET %s: %v", path, e)
		}
	}
	e := a.fails(http.StatusNotFound, "RECORD_NOT_FOUND", "GET", "/api/orders/a%2Fb", nil)
	if e["detail"] != "The record identified by a%2Fb could not be found." {
		t.Errorf("an encoded slash: %v", e)
	}

	// discount_engines: list and retrieve only.
	a.must(http.StatusOK, "GET", "/api/discount_engines", nil)
	a.fails(http.StatusNotFound, "RECORD_NOT_FOUND", "GET", "/api/discount_engines/none", nil)
	a.rawFails(http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "POST", "/api/discount_engines", create("discount_engines", nil, nil))
	a.rawFails(http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "PATCH", "/api/discount_engines/none", update("discount_engines", "none", nil, nil))
	a.rawFails(http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "DELETE", "/api/discount_engines/none", nil)
	a.rawFails(http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "PUT", "/api/orders/"+order, update("orders", order, nil, nil))
	a.rawFails(http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "DELETE", "/api/orders", nil)
	a.rawFails(http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "POST", "/api/application", map[string]any{})

	for _, path := range []string{"/api/orders/" + order, "/api/skus", "/api/application"} {
		get, head := a.do("GET", path, nil), a.do("HEAD", path, nil)
		if get.Status != http.StatusOK || head.Status != http.StatusOK || len(head.Body) != 0 ||
			head.Header.Get("Content-Type") != get.Header.Get("Content-Type") {
			t.Errorf("HEAD %s: %d %q %q, GET: %d %q", path, head.Status, head.Body, head.Header.Get("Content-Type"), get.Status, get.Header.Get("Content-Type"))
		}
	}
	if got := a.must(http.StatusOK, "GET", "/api/orders/"+order, nil).id(); got != order {
		t.Errorf("GET order: id %s", got)
	}
	a.must(http.StatusOK, "GET", "/api/orders/"+order+"/line_items", nil)
	a.must(http.StatusOK, "GET", "/api/orders/"+order+"/relationships/line_items", nil)
}
