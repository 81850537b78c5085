// Package contract loads our OpenAPI files, validates requests against them
// (a violation is handed to the owning provider to render in its own error
// format) and checks responses against them in tests.
package contract

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

func init() {
	// Pages, scripts and styles are described as strings.
	for _, ct := range []string{"text/html", "application/javascript", "text/javascript", "text/css", "image/svg+xml"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.PlainBodyDecoder)
	}
}

// Spec is one OpenAPI file. It is parsed on first use (the first request
// of its provider waits for it) or by Set.Warm: kin-openapi needs tens of
// milliseconds per file, more than the whole start-up budget, and a parsed
// file is memory an instance that never serves that provider need not hold.
// Its text is read from the file system when needed, not held.
//
// What a request is validated against is the file without its responses:
// the emulator never validates its own answers, and the responses (with
// the schemas only they reach) are two thirds of a parsed file's memory.
// The whole file, responses included, is parsed again on demand by Full for
// the test suite's response checker.
type Spec struct {
	Name string
	fsys fs.FS
	file string
	set  *Set

	once   sync.Once
	done   chan struct{}
	doc    *openapi3.T    // the request side (see requestSource)
	router routers.Router // over doc, built on its first FindRoute
	err    error

	fullOnce   sync.Once
	full       *openapi3.T
	fullRouter routers.Router
	fullErr    error

	routes sync.Map // "METHOD template" -> *knownRoute
}

// knownRoute is an operation resolved once from the caller's path template.
type knownRoute struct {
	route      *routers.Route
	specNames  []string // the spec's path parameter names, in path order
	callerVars []string // the caller's template variable names, same order
	plan       *plan
}

// Doc parses the file (or waits for the parse under way) and returns the
// document requests are validated against: paths, operations, parameters,
// request bodies and security, without responses or the component schemas
// only they reach (Full has those).
func (sp *Spec) Doc() (*openapi3.T, error) {
	sp.start()
	<-sp.done
	return sp.doc, sp.err
}

// Parsed reports whether Doc would answer without waiting.
func (sp *Spec) Parsed() bool {
	select {
	case <-sp.done:
		return true
	default:
		return false
	}
}

// Full parses the whole file, responses included, once, and returns it.
// The emulator does not need it; the test suite's response checker does.
func (sp *Spec) Full() (*openapi3.T, error) {
	sp.fullOnce.Do(func() {
		raw, err := sp.source()
		if err != nil {
			sp.fullErr = err
			return
		}
		sp.full, sp.fullErr = parse(raw)
		if sp.fullErr != nil {
			sp.fullErr = fmt.Errorf("openapi/%s: %w", sp.file, sp.fullErr)
			return
		}
		// Built at once here: a path the route table cannot take is found
		// by the test suite rather than by a user's request.
		if sp.fullRouter, sp.fullErr = gorillamux.NewRouter(sp.full); sp.fullErr != nil {
			sp.fullErr = fmt.Errorf("openapi/%s: %w", sp.file, sp.fullErr)
		}
	})
	return sp.full, sp.fullErr
}

func (sp *Spec) start() {
	sp.once.Do(func() {
		go func() {
			defer close(sp.done)
			raw, err := sp.source()
			if err == nil {
				sp.doc, err = parseRequestSide(raw)
			}
			if err != nil {
				sp.err = fmt.Errorf("openapi/%s: %w", sp.file, err)
				return
			}
			sp.router = &lazyRouter{doc: sp.doc}
			if f := sp.set.onParse; f != nil {
				f(sp.Name)
			}
		}()
	})
}

// Source is the file's text, read anew (an embedded file is copied on
// every read, so a Spec does not keep one).
func (sp *Spec) Source() []byte {
	raw, _ := sp.source() // Load read it once, so it reads
	return raw
}

func (sp *Spec) source() ([]byte, error) { return fs.ReadFile(sp.fsys, sp.file) }

// Set is every OpenAPI file, by name (file name without extension).
type Set struct {
	specs   map[string]*Spec
	order   []string
	onParse func(name string)
}

// Load finds every *.yaml file of fsys; parsing happens on first use, by
// Warm or by Wait.
func Load(fsys fs.FS) (*Set, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	s := &Set{specs: map[string]*Spec{}}
	for _, file := range names {
		if _, err := fs.Stat(fsys, file); err != nil {
			return nil, err
		}
		sp := &Spec{Name: strings.TrimSuffix(path.Base(file), ".yaml"), fsys: fsys, file: file, set: s, done: make(chan struct{})}
		s.specs[sp.Name] = sp
		s.order = append(s.order, sp.Name)
	}
	return s, nil
}

// OnParse sets a function called after each file's request side is parsed
// (the emulator hands the parse's garbage back to the OS there). Set it
// before the first parse.
func (s *Set) OnParse(f func(name string)) { s.onParse = f }

// Warm parses every file's request side in the background, one after the
// other so that a core stays free for requests (a request that needs a file
// not yet parsed starts it at once), and calls done (if not nil) at the end.
// The emulator does not: each file waits for its provider's first request.
func (s *Set) Warm(done func()) {
	go func() {
		for _, n := range s.order {
			_, _ = s.specs[n].Doc()
		}
		if done != nil {
			done()
		}
	}()
}

// Wait parses every file (or waits for the parses under way) and returns
// the first error.
func (s *Set) Wait() error {
	for _, n := range s.order {
		s.specs[n].start()
	}
	for _, n := range s.order {
		if _, err := s.specs[n].Doc(); err != nil {
			return err
		}
	}
	return nil
}

// waitFull parses every whole file, in parallel, and returns the first error.
func (s *Set) waitFull() error {
	errs := make([]error, len(s.order))
	var wg sync.WaitGroup
	for i, n := range s.order {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.specs[n].Full()
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func parse(raw []byte) (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(raw)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, err
	}
	// Match any host: the emulator runs behind whatever address a user picks.
	doc.Servers = nil
	return doc, nil
}

// parseRequestSide parses what validating a request reads of the file (see
// requestSource).
func parseRequestSide(raw []byte) (*openapi3.T, error) {
	src, err := requestSource(raw)
	if err != nil {
		return nil, err
	}
	doc, err := parse(src)
	if err != nil {
		return nil, err
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			op.Responses = nil // the placeholder
		}
	}
	return doc, nil
}

// lazyRouter builds kin-openapi's route table (a compiled regexp per path,
// a megabyte for Commerce Layer's file) on its first use: requests routed by
// the emulator's own router are validated at the operation it matched
// (ValidateAt), so the table serves only fallbacks and the response checker.
type lazyRouter struct {
	doc  *openapi3.T
	once sync.Once
	r    routers.Router
	err  error
}

func (l *lazyRouter) FindRoute(req *http.Request) (*routers.Route, map[string]string, error) {
	l.once.Do(func() { l.r, l.err = gorillamux.NewRouter(l.doc) })
	if l.err != nil {
		return nil, nil, l.err
	}
	return l.r.FindRoute(req)
}

// Spec returns the named spec, or nil.
func (s *Set) Spec(name string) *Spec { return s.specs[name] }

// Names lists the loaded specs.
func (s *Set) Names() []string { return append([]string(nil), s.order...) }

// ViolationKind classifies a request that breaks the contract.
type ViolationKind int

// Kinds of violation.
const (
	Body                 ViolationKind = iota + 1 // the body breaks the schema
	Malformed                                     // the body is not valid JSON
	TooLarge                                      // the body is over the surface's limit
	Parameter                                     // a path, query or header parameter is wrong
	NoOperation                                   // no operation has this path
	MethodNotAllowed                              // the path exists, not with this method
	UnsupportedMediaType                          // the Content-Type is not one the operation takes
	MissingBody                                   // a required body is absent
	Unavailable                                   // the OpenAPI file itself failed to load (a build bug)
)

func (k ViolationKind) String() string {
	return [...]string{"", "body", "malformed", "too_large", "parameter", "no_operation", "method_not_allowed", "unsupported_media_type", "missing_body", "unavailable"}[k]
}

// Violation says how a request broke the contract.
type Violation struct {
	Kind ViolationKind
	// In is "body", "path", "query" or "header".
	In string
	// Name is the parameter's name when In is not "body".
	Name string
	// Pointer is the JSON path inside the body, e.g. ["order_lines","0","total_amount"].
	Pointer []string
	// Reason is the validator's explanation, for details and logs.
	Reason string
}

func (v *Violation) Error() string {
	where := v.In
	if v.Name != "" {
		where += " " + v.Name
	}
	if len(v.Pointer) > 0 {
		where += " /" + strings.Join(v.Pointer, "/")
	}
	return fmt.Sprintf("%s: %s: %s", v.Kind, where, v.Reason)
}

// reqOptions validate requests. A schema error never embeds the schema or
// the offending value: formatting a deeply nested value into every level's
// message cost seconds and a gigabyte for a 20 KB body.
var reqOptions = &openapi3filter.Options{
	AuthenticationFunc:      openapi3filter.NoopAuthenticationFunc,
	SkipSettingDefaults:     true,
	SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.DisableSchemaErrorDetails()},
}

// maxReason bounds a violation's explanation (kept for details and logs).
const maxReason = 200

func shortReason(s string) string {
	if len(s) <= maxReason {
		return s
	}
	cut := maxReason
	for cut > 0 && s[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
		cut--
	}
	return s[:cut] + "…"
}

// Validate checks the request (whose body has already been read into body)
// against the spec. It leaves r.Body readable.
func (sp *Spec) Validate(r *http.Request, body []byte) *Violation {
	if _, err := sp.Doc(); err != nil {
		// Embedded files are checked by the test suite; this is a build bug.
		return &Violation{Kind: Unavailable, Reason: err.Error()}
	}
	route, params, err := sp.router.FindRoute(asGET(r))
	switch {
	case errors.Is(err, routers.ErrMethodNotAllowed):
		return &Violation{Kind: MethodNotAllowed, Reason: "method not allowed"}
	case err != nil:
		return &Violation{Kind: NoOperation, Reason: "no such operation"}
	}
	return validateRoute(r, route, nil, params, body)
}

// validateRoute validates r against one operation (checked as pl says; nil
// works it out), leaving r.Body readable.
func validateRoute(r *http.Request, route *routers.Route, pl *plan, params map[string]string, body []byte) *Violation {
	if pl == nil {
		pl = newPlan(route)
	}
	if err := pl.check(r.Context(), r, route, params, body); err != nil {
		return toViolation(err)
	}
	return nil
}

// ValidateAt is Validate for a request that the caller's router already
// matched to template (gorilla/mux syntax) with vars: it skips the second
// route search, which costs more than the validation of a small request.
func (sp *Spec) ValidateAt(r *http.Request, template string, vars map[string]string, body []byte) *Violation {
	if _, err := sp.Doc(); err != nil {
		return &Violation{Kind: Unavailable, Reason: err.Error()}
	}
	method := r.Method
	if method == http.MethodHead {
		method = http.MethodGet
	}
	key := method + " " + template
	kr, ok := sp.routes.Load(key)
	if !ok {
		kr = sp.resolve(method, template)
		sp.routes.Store(key, kr)
	}
	known, _ := kr.(*knownRoute)
	if known == nil {
		return sp.Validate(r, body)
	}
	if known.plan.none && allSet(vars, known.callerVars) {
		return nil // a read by id: nothing kin-openapi would reject
	}
	var params map[string]string
	if len(known.specNames) > 0 {
		params = make(map[string]string, len(known.specNames))
		for i, name := range known.specNames {
			params[name] = vars[known.callerVars[i]]
		}
	}
	return validateRoute(r, known.route, known.plan, params, body)
}

// allSet tells whether every one of names has a non-empty value in vars.
func allSet(vars map[string]string, names []string) bool {
	for _, n := range names {
		if vars[n] == "" {
			return false
		}
	}
	return true
}

// asGET is r as a GET when it is a HEAD: HEAD is answered as GET without
// a body (RFC 9110), so it is validated against the GET operation.
func asGET(r *http.Request) *http.Request {
	if r.Method != http.MethodHead {
		return r
	}
	g := r.Clone(r.Context())
	g.Method = http.MethodGet
	return g
}

// resolve finds the operation for method and template, or returns nil (the
// caller then falls back to a route search).
func (sp *Spec) resolve(method, template string) any {
	callerVars := templateVars(template)
	for _, p := range sp.doc.Paths.InMatchingOrder() {
		specVars := templateVars(p)
		if len(specVars) != len(callerVars) || normalize(p) != normalize(template) {
			continue
		}
		item := sp.doc.Paths.Value(p)
		op := item.GetOperation(method)
		if op == nil {
			return (*knownRoute)(nil)
		}
		route := &routers.Route{Spec: sp.doc, Path: p, PathItem: item, Method: method, Operation: op}
		return &knownRoute{route: route, specNames: specVars, callerVars: callerVars, plan: newPlan(route)}
	}
	return (*knownRoute)(nil)
}

// templateVars lists the {variables} of a path template, in order.
func templateVars(t string) []string {
	var out []string
	for {
		i := strings.IndexByte(t, '{')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(t[i:], '}')
		if j < 0 {
			return out
		}
		name, _, _ := strings.Cut(t[i+1:i+j], ":")
		out = append(out, name)
		t = t[i+j+1:]
	}
}

// normalize replaces every {variable} with {}.
func normalize(t string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(t, '{')
		if i < 0 {
			b.WriteString(t)
			return b.String()
		}
		j := strings.IndexByte(t[i:], '}')
		if j < 0 {
			b.WriteString(t)
			return b.String()
		}
		b.WriteString(t[:i])
		b.WriteString("{}")
		t = t[i+j+1:]
	}
}

func toViolation(err error) *Violation {
	v := toViolationFull(err)
	v.Reason = shortReason(v.Reason)
	return v
}

func toViolationFull(err error) *Violation {
	var re *openapi3filter.RequestError
	if !errors.As(err, &re) {
		return &Violation{Kind: Body, In: "body", Reason: err.Error()}
	}
	if re.Parameter != nil {
		v := &Violation{Kind: Parameter, In: re.Parameter.In, Name: re.Parameter.Name, Reason: re.Reason}
		var se *openapi3.SchemaError
		if errors.As(re.Err, &se) {
			v.Pointer = se.JSONPointer()
			v.Reason = se.Reason
		} else if v.Reason == "" && re.Err != nil {
			v.Reason = re.Err.Error()
		}
		return v
	}
	v := &Violation{Kind: Body, In: "body", Reason: re.Error()}
	var pe *openapi3filter.ParseError
	var se *openapi3.SchemaError
	switch {
	case errors.Is(re.Err, openapi3filter.ErrInvalidRequired):
		v.Kind = MissingBody
	case strings.Contains(re.Reason, "header Content-Type has unexpected value"),
		strings.Contains(re.Reason, "unsupported content type"):
		v.Kind = UnsupportedMediaType
		v.In = "header"
		v.Name = "Content-Type"
	case errors.As(re.Err, &se):
		// kin-openapi's pointer already names a missing property.
		v.Pointer = se.JSONPointer()
		v.Reason = se.Reason
	case errors.As(re.Err, &pe):
		v.Kind = Malformed
	}
	return v
}

// CheckResponse validates a response against whichever spec has an operation
// for the request. A request no spec describes is itself an error: every
// response the test suite sees must be in our OpenAPI files.
func (s *Set) CheckResponse(req *http.Request, status int, header http.Header, body []byte) error {
	if err := s.waitFull(); err != nil {
		return err
	}
	for _, name := range s.order {
		sp := s.specs[name]
		route, params, err := sp.fullRouter.FindRoute(asGET(req))
		if err != nil {
			continue
		}
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: reqOptions},
			Status:                 status,
			Header:                 header,
			// A HEAD answer is the GET's without its body.
			Options: &openapi3filter.Options{IncludeResponseStatus: true, ExcludeResponseBody: req.Method == http.MethodHead},
		}
		in.SetBodyBytes(body)
		if err := openapi3filter.ValidateResponse(req.Context(), in); err != nil {
			return fmt.Errorf("%s %s -> %d breaks openapi/%s.yaml: %w", req.Method, req.URL.Path, status, name, err)
		}
		return nil
	}
	return fmt.Errorf("%s %s: no operation in any of our OpenAPI files", req.Method, req.URL.Path)
}
