package contract

import (
	"net/http"

	"github.com/getkin/kin-openapi/openapi3filter"
)

// ValidateKin is Validate as it was before the one-decode path: the route
// search and kin-openapi's whole ValidateRequest (its body decoded with
// encoding/json). Tests compare the two.
func (sp *Spec) ValidateKin(r *http.Request, body []byte) *Violation {
	if _, err := sp.Doc(); err != nil {
		return &Violation{Kind: Unavailable, Reason: err.Error()}
	}
	route, params, err := sp.router.FindRoute(asGET(r))
	if err != nil {
		return sp.Validate(r, body)
	}
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route, Options: reqOptions}
	if err := withBody(r, body, func() error { return openapi3filter.ValidateRequest(r.Context(), in) }); err != nil {
		return toViolation(err)
	}
	return nil
}
