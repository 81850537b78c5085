package commercelayer

import (
	"testing"

	"github.com/paysandbox/paysandbox/emulator/commercelayer/jsonapi"
	"github.com/paysandbox/paysandbox/emulator/contract"
)

func TestOrgFromHost(t *testing.T) {
	cases := map[string]string{
		"paysandbox.localhost:8910":  "paysandbox",
		"acme.localhost":             "acme",
		"acme.commercelayer.io":      "acme",
		"acme.eu.commercelayer.io":   "acme",
		"shop-1.lvh.me:8911":         "shop-1",
		"auth.localhost:8911":        "",
		"auth.commercelayer.io":      "",
		"localhost:8910":             "",
		"127.0.0.1:8910":             "",
		"[::1]:8910":                 "",
		"host.docker.internal:8910":  "",
		"Acme.LOCALHOST":             "acme",
		"under_score.localhost:8910": "",
	}
	for host, want := range cases {
		if got := orgFromHost(host); got != want {
			t.Errorf("orgFromHost(%q) = %q, want %q", host, got, want)
		}
	}
}

func TestDomainOf(t *testing.T) {
	cases := []struct{ host, slug, want string }{
		{"paysandbox.localhost:8911", "paysandbox", "localhost:8911"},
		{"auth.localhost:8911", "paysandbox", "localhost:8911"},
		{"127.0.0.1:8910", "paysandbox", "127.0.0.1:8910"},
	}
	for _, c := range cases {
		if got := domainOf(c.host, c.slug); got != c.want {
			t.Errorf("domainOf(%q) = %q, want %q", c.host, got, c.want)
		}
	}
}

func TestSignature(t *testing.T) {
	// base64(HMAC-SHA256(`{"data":{}}`, "secret")), computed independently.
	if got := Signature([]byte(`{"data":{}}`), "secret"); got != "T+pE1TuxZqwIyvm66lexxC99kPZGVvz0RVGyzvLYUz8=" {
		t.Errorf("Signature = %s", got)
	}
}

func TestAcceptsJSONAPI(t *testing.T) {
	cases := map[string]bool{
		"application/vnd.api+json":              true,
		"application/vnd.api+json;q=0.9":        true,
		"*/*":                                   true,
		"application/*":                         true,
		"text/html, application/vnd.api+json":   true,
		"application/json":                      false,
		"application/vnd.api+json; version=1.1": false,
		"text/html":                             false,
	}
	for accept, want := range cases {
		if got := acceptsJSONAPI(accept); got != want {
			t.Errorf("acceptsJSONAPI(%q) = %v", accept, got)
		}
	}
}

func TestViolationErrors(t *testing.T) {
	cases := []struct {
		v       contract.Violation
		status  int
		code    string
		pointer string
	}{
		{contract.Violation{Kind: contract.Malformed}, 400, "INVALID_DATA_FORMAT", ""},
		{contract.Violation{Kind: contract.MissingBody}, 400, "PARAM_MISSING", "/data"},
		{contract.Violation{Kind: contract.UnsupportedMediaType}, 415, "UNSUPPORTED_MEDIA_TYPE", ""},
		{contract.Violation{Kind: contract.NoOperation}, 404, "NOT_FOUND", ""},
		{contract.Violation{Kind: contract.MethodNotAllowed}, 405, "METHOD_NOT_ALLOWED", ""},
		{contract.Violation{Kind: contract.Body, Pointer: []string{"data", "attributes", "quantity"}, Reason: "value must be an integer"},
			422, "VALIDATION_ERROR", "/data/attributes/quantity"},
		{contract.Violation{Kind: contract.Body, Pointer: []string{"data", "attributes", "quantity"}, Reason: `property "quantity" is missing`},
			422, "VALIDATION_ERROR", "/data/attributes/quantity"},
		{contract.Violation{Kind: contract.Body, Pointer: []string{"data", "attributes"}, Reason: `property "colour" is unsupported`},
			400, "PARAM_NOT_ALLOWED", "/data/attributes/colour"},
	}
	for _, c := range cases {
		e, ok := violationError(&c.v).(*jsonapi.Error)
		if !ok || e.Status != c.status || e.Code != c.code || e.Pointer != c.pointer {
			t.Errorf("%v: %+v", c.v.Kind, e)
		}
	}
	e := violationError(&contract.Violation{Kind: contract.Body, Pointer: []string{"data", "attributes", "quantity"}, Reason: `property "quantity" is missing`}).(*jsonapi.Error)
	if e.Detail != "quantity - can't be blank" {
		t.Errorf("detail: %s", e.Detail)
	}
}
