package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	gojson "github.com/goccy/go-json"
)

// The request check, cheaply. kin-openapi's ValidateRequest evaluates the
// security requirements (our AuthenticationFunc accepts everything: the
// providers authenticate), then the parameters, then decodes the body with
// encoding/json into map[string]any and walks the schema. A request that
// passes is the hot path: here the body is decoded once with goccy/go-json
// and validated with the same Schema.VisitJSON and the same options, and
// the parameters go through kin-openapi's own ValidateParameter. Anything
// else, and every rejection, goes through kin-openapi's own code, so that a
// violation (kind, pointer, reason) is exactly what it always was.

// plan is how one operation's requests are checked, worked out once.
type plan struct {
	// kin: an operation whose security names a scheme the file does not
	// declare (kin-openapi reports it) is checked by ValidateRequest itself.
	kin    bool
	params []*openapi3.Parameter // the path item's (unless overridden), then the operation's
	// anyPath are path parameters whose schema is {type: string} and
	// nothing else: any value the router matched passes (an empty one is
	// left to kin-openapi).
	anyPath []string
	// none: nothing to check but that the path ids are not empty (no
	// parameter for kin-openapi, no body).
	none bool
	body *openapi3.RequestBody
	opts []openapi3.SchemaValidationOption // what ValidateRequestBody passes to VisitJSON
}

func newPlan(route *routers.Route) *plan {
	op := route.Operation
	p := &plan{}
	security := op.Security
	if security == nil {
		security = &route.Spec.Security
	}
	var schemes openapi3.SecuritySchemes
	if route.Spec.Components != nil {
		schemes = route.Spec.Components.SecuritySchemes
	}
	for _, req := range *security {
		for name := range req {
			if ref := schemes[name]; ref == nil || ref.Value == nil {
				p.kin = true
			}
		}
	}
	add := func(prm *openapi3.Parameter) {
		if anyString(prm) {
			p.anyPath = append(p.anyPath, prm.Name)
			return
		}
		p.params = append(p.params, prm)
	}
	for _, ref := range route.PathItem.Parameters {
		if op.Parameters != nil && op.Parameters.GetByInAndName(ref.Value.In, ref.Value.Name) != nil {
			continue
		}
		add(ref.Value)
	}
	for _, ref := range op.Parameters {
		add(ref.Value)
	}
	if op.RequestBody != nil {
		p.body = op.RequestBody.Value
	}
	p.none = !p.kin && len(p.params) == 0 && p.body == nil
	// SkipSettingDefaults: no DefaultsSet; no MultiError, customizer,
	// read-only exclusion or regex compiler in reqOptions.
	p.opts = append([]openapi3.SchemaValidationOption(nil), reqOptions.SchemaValidationOptions...)
	if p.body == nil || mayBeReadOnly(p.body) {
		// Visiting as a request only sets apart readOnly properties (with no
		// defaults set); for a body with none it gives the same verdict, and
		// costs a sort of every object's property names and a copy of each
		// value a oneOf or anyOf tries.
		p.opts = append([]openapi3.SchemaValidationOption{openapi3.VisitAsRequest()}, p.opts...)
	}
	if route.Spec.IsOpenAPI31OrLater() {
		p.opts = append(p.opts, openapi3.EnableJSONSchema2020())
	}
	return p
}

// mayBeReadOnly tells whether a schema of body, or one it reaches, marks
// a property readOnly, or uses a keyword this walk does not follow.
func mayBeReadOnly(body *openapi3.RequestBody) bool {
	seen := map[*openapi3.Schema]bool{}
	var walk func(r *openapi3.SchemaRef) bool
	walkAll := func(rs ...*openapi3.SchemaRef) bool {
		return slices.ContainsFunc(rs, walk)
	}
	walkMap := func(m openapi3.Schemas) bool {
		for _, r := range m {
			if walk(r) {
				return true
			}
		}
		return false
	}
	walk = func(r *openapi3.SchemaRef) bool {
		if r == nil {
			return false
		}
		s := r.Value
		if s == nil || s.ReadOnly || s.DynamicRef != "" {
			return true
		}
		if seen[s] {
			return false
		}
		seen[s] = true
		return walkAll(s.OneOf...) || walkAll(s.AnyOf...) || walkAll(s.AllOf...) || walkAll(s.PrefixItems...) ||
			walkAll(s.Not, s.Items, s.Contains, s.PropertyNames, s.If, s.Then, s.Else, s.ContentSchema,
				s.AdditionalProperties.Schema, s.UnevaluatedItems.Schema, s.UnevaluatedProperties.Schema) ||
			walkMap(s.Properties) || walkMap(s.PatternProperties) || walkMap(s.DependentSchemas) || walkMap(s.Defs)
	}
	for _, mt := range body.Content {
		if mt != nil && walk(mt.Schema) {
			return true
		}
	}
	return false
}

// anyString tells whether prm is a required path parameter in the simple
// style whose schema is exactly {type: string} (the usual id): compared as
// JSON, once per operation, so that any other keyword keeps kin-openapi's
// check.
func anyString(prm *openapi3.Parameter) bool {
	if prm.In != openapi3.ParameterInPath || !prm.Required || prm.Content != nil || prm.Schema == nil || prm.Schema.Value == nil ||
		(prm.Style != "" && prm.Style != openapi3.SerializationSimple) || (prm.Explode != nil && *prm.Explode) {
		return false
	}
	raw, err := gojson.Marshal(prm.Schema.Value)
	return err == nil && string(raw) == `{"type":"string"}`
}

// check is ValidateRequest for r (whose body is body) against route.
func (p *plan) check(ctx context.Context, r *http.Request, route *routers.Route, params map[string]string, body []byte) error {
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route, Options: reqOptions}
	if p.kin {
		return withBody(r, body, func() error { return openapi3filter.ValidateRequest(ctx, in) })
	}
	for _, name := range p.anyPath {
		if params[name] == "" {
			return withBody(r, body, func() error { return openapi3filter.ValidateRequest(ctx, in) })
		}
	}
	for _, prm := range p.params {
		if err := openapi3filter.ValidateParameter(ctx, in, prm); err != nil {
			return err
		}
	}
	if p.body == nil {
		return nil
	}
	if p.bodyPasses(r, body) {
		return nil
	}
	return withBody(r, body, func() error { return openapi3filter.ValidateRequestBody(ctx, in, p.body) })
}

// bodyPasses tells whether a JSON body passes its schema, decoding it once
// with goccy/go-json. false means "not known to pass": kin-openapi decides.
// The body must be valid JSON for encoding/json (one value, nothing after
// it): then encoding/json's decode, with UseNumber, which kin-openapi uses,
// and goccy's hold the same value, except that goccy's numbers are float64
// where kin-openapi's json.Number is converted with ParseFloat before any
// check (a number out of float64's range fails goccy's decode: kin-openapi
// then rejects it itself).
func (p *plan) bodyPasses(r *http.Request, body []byte) bool {
	if len(body) == 0 || len(p.body.Content) == 0 {
		return false
	}
	ct := r.Header.Get("Content-Type")
	mt := p.body.Content.Get(ct)
	if mt == nil || mt.Schema == nil || mt.Schema.Value == nil || len(mt.Encoding) != 0 || !jsonDecoded(ct) {
		return false
	}
	if s := mt.Schema.Value; s.Type.Is("string") && s.Format == "binary" {
		return false
	}
	if !json.Valid(body) {
		return false
	}
	var v any
	if gojson.Unmarshal(body, &v) != nil {
		return false
	}
	return mt.Schema.Value.VisitJSON(v, p.opts...) == nil
}

// jsonDecoded tells whether kin-openapi decodes a body of this Content-Type
// with its JSON decoder (the media types we serve; others take its path).
func jsonDecoded(ct string) bool {
	mediaType, _, _ := strings.Cut(ct, ";")
	switch strings.ToLower(strings.TrimSpace(mediaType)) {
	case "application/json", "application/vnd.api+json":
		return true
	}
	return false
}

// withBody runs fn with r.Body reading body, and leaves it readable again.
func withBody(r *http.Request, body []byte, fn func() error) error {
	r.Body = io.NopCloser(bytes.NewReader(body))
	err := fn()
	r.Body = io.NopCloser(bytes.NewReader(body))
	return err
}
