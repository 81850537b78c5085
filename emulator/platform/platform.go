// Package platform is what a provider package gets from the emulator: the
// shared infrastructure and the one request chain every provider endpoint
// goes through (body limit, authentication, scenarios, contract validation).
package platform

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"

	gojson "github.com/goccy/go-json"
	"github.com/gorilla/mux"

	"github.com/paysandbox/paysandbox/emulator/clock"
	"github.com/paysandbox/paysandbox/emulator/contract"
	"github.com/paysandbox/paysandbox/emulator/ids"
	"github.com/paysandbox/paysandbox/emulator/store"
	"github.com/paysandbox/paysandbox/emulator/webhook"
)

// Config is the part of the emulator's configuration that providers read.
type Config struct {
	// StrictAuth accepts only the credentials listed in fixtures/.
	StrictAuth bool
	// Version of the binary.
	Version string
	// HTTPSPort is the https listener's port, 0 when there is none.
	HTTPSPort int
}

// Platform holds the shared infrastructure.
type Platform struct {
	Store     *store.Store
	Clock     *clock.Clock
	Scheduler *clock.Scheduler
	Webhooks  *webhook.Sender
	Contract  *contract.Set
	IDs       *ids.Source
	Log       *slog.Logger
	Config    Config
	// Interceptor, when set, wraps every provider endpoint after
	// authentication and before validation (the scenario engine).
	Interceptor Interceptor

	// surfaces are every Surface started, for the route-table test
	// (Operations, table.go).
	surfaces []*Surface

	// groups holds one subrouter per first path segment ("/payments/"), so
	// that a request is matched against its group's routes only, not every
	// route of every provider. Filled while routes are registered.
	groups map[*mux.Router]map[string]*mux.Router
}

// group returns the subrouter for the first literal segment of path and the
// path relative to it (gorilla/mux subrouter paths continue the prefix), or r
// and path when that segment has a variable.
func (p *Platform) group(r *mux.Router, path string) (*mux.Router, string) {
	rest := strings.TrimPrefix(path, "/")
	i := strings.IndexByte(rest, '/')
	if i <= 0 || strings.ContainsAny(rest[:i], "{}") {
		return r, path
	}
	prefix := "/" + rest[:i]
	if p.groups == nil {
		p.groups = map[*mux.Router]map[string]*mux.Router{}
	}
	if p.groups[r] == nil {
		p.groups[r] = map[string]*mux.Router{}
	}
	sub, ok := p.groups[r][prefix]
	if !ok {
		sub = r.PathPrefix(prefix).Subrouter()
		p.groups[r][prefix] = sub
	}
	return sub, path[len(prefix):]
}

// Interceptor may answer, delay or alter a request before the contract and
// the handler see it.
type Interceptor interface {
	Wrap(c *SurfaceConfig, next http.Handler) http.Handler
}

// ProviderInfo describes a provider for the start-up banner and docs.
type ProviderInfo struct {
	Name        string // "Klarna"
	BasePath    string // "/" or "/v1/json"
	Credentials string // how to authenticate with the defaults
}

// Renderer renders errors in the provider's own format.
type Renderer interface {
	// RenderViolation answers a request that breaks our OpenAPI file.
	RenderViolation(w http.ResponseWriter, r *http.Request, v *contract.Violation)
	// RenderError answers any other error (authentication included).
	RenderError(w http.ResponseWriter, r *http.Request, err error)
}

// SurfaceConfig configures a group of provider endpoints.
type SurfaceConfig struct {
	Provider string
	// Spec is the OpenAPI file (name without .yaml) that describes the surface.
	Spec string
	// Authenticate returns the tenant named by the request's credentials; nil
	// for credential-less endpoints (browser pages), which find their tenant
	// themselves.
	Authenticate func(r *http.Request) (tenant string, err error)
	// Principal, when set, is Authenticate that also returns what the
	// credentials say (a token's claims), carried in the request's context
	// for the handler (PrincipalOf) so that it is not parsed twice.
	Principal func(r *http.Request) (tenant string, principal any, err error)
	Renderer  Renderer
	// MaxBody is the largest accepted body; 0 means 1 MiB.
	MaxBody int64
	// MaxValues bounds the values of a JSON body (limits.go); 0 means
	// MaxValues. A surface whose bodies are documents of its own that it
	// keeps raw (snapshots) sets more.
	MaxValues int
	// NoInterceptor keeps the scenario engine off the surface: scenarios
	// shape providers' answers, never the admin API's.
	NoInterceptor bool
	// NoContract skips the contract check, for endpoints that take no input
	// and must answer before the OpenAPI files are parsed (health, version).
	NoContract bool
}

// Surface registers endpoints with the shared chain.
type Surface struct {
	p      *Platform
	r      *mux.Router
	c      SurfaceConfig
	spec   *contract.Spec
	mws    []mux.MiddlewareFunc
	routes map[string]map[string]http.Handler // path -> method -> handler
}

// Surface starts a group of endpoints on r.
func (p *Platform) Surface(r *mux.Router, c SurfaceConfig) *Surface {
	if c.MaxBody == 0 {
		c.MaxBody = 1 << 20
	}
	if c.MaxValues == 0 {
		c.MaxValues = MaxValues
	}
	spec := p.Contract.Spec(c.Spec)
	if spec == nil {
		panic("platform: no OpenAPI file named " + c.Spec) // a wiring bug, found at start
	}
	s := &Surface{p: p, r: r, c: c, spec: spec, routes: map[string]map[string]http.Handler{}}
	p.surfaces = append(p.surfaces, s)
	return s
}

// Use adds middleware (outermost first) to every endpoint registered after it.
func (s *Surface) Use(mw ...mux.MiddlewareFunc) { s.mws = append(s.mws, mw...) }

// Handle registers h for method and path (gorilla/mux path syntax). A method
// that the path lacks is answered by the provider's renderer.
func (s *Surface) Handle(method, path string, h http.HandlerFunc) {
	s.handle(method, path, h, func(d http.Handler) {
		g, rel := s.p.group(s.r, path)
		g.Handle(rel, d)
	})
}

// handle registers h for method at path through the chain; the first
// method of a path makes its dispatch (by method, HEAD answered as GET,
// any other method the provider's 405) and hands it to mount, which routes
// the path to it.
func (s *Surface) handle(method, path string, h http.HandlerFunc, mount func(http.Handler)) {
	methods, ok := s.routes[path]
	if !ok {
		methods = map[string]http.Handler{}
		s.routes[path] = methods
		dispatch := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if h, ok := methods[r.Method]; ok {
				h.ServeHTTP(w, r)
				return
			}
			if r.Method == http.MethodHead {
				if h, ok := methods[http.MethodGet]; ok {
					h.ServeHTTP(w, r)
					return
				}
			}
			s.c.Renderer.RenderViolation(w, r, &contract.Violation{Kind: contract.MethodNotAllowed, Reason: r.Method + " is not allowed here"})
		})
		mount(s.wrapOuter(dispatch))
	}
	methods[method] = s.chain(path, h)
}

// NotFound answers every other path under prefix in the provider's format.
// Call it after the surface's Handle calls.
func (s *Surface) NotFound(prefix string) {
	g, rel := s.p.group(s.r, prefix)
	g.PathPrefix(rel).Handler(s.wrapOuter(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.c.Renderer.RenderViolation(w, r, &contract.Violation{Kind: contract.NoOperation, Reason: "no such operation"})
	})))
}

func (s *Surface) wrapOuter(h http.Handler) http.Handler {
	for i := len(s.mws) - 1; i >= 0; i-- {
		h = s.mws[i](h)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if info := Info(r.Context()); info != nil {
			info.Provider = s.c.Provider
		}
		h.ServeHTTP(w, r)
	})
}

func (s *Surface) chain(path string, h http.HandlerFunc) http.Handler {
	var next http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.c.NoContract {
			if v := s.spec.ValidateAt(r, path, mux.Vars(r), Body(r)); v != nil {
				s.c.Renderer.RenderViolation(w, r, v)
				return
			}
		}
		h(w, r)
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			s.p.Scheduler.Kick() // send webhooks the request enqueued
		}
	})
	if s.p.Interceptor != nil && !s.c.NoInterceptor {
		next = s.p.Interceptor.Wrap(&s.c, next)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := readBody(r, s.c.MaxBody)
		if err != nil {
			s.c.Renderer.RenderViolation(w, r, &contract.Violation{Kind: contract.Malformed, In: "body", Reason: "the body could not be read"})
			return
		}
		if int64(len(body)) > s.c.MaxBody {
			s.c.Renderer.RenderViolation(w, r, &contract.Violation{Kind: contract.TooLarge, In: "body", Reason: "the body is too large"})
			return
		}
		if why := shapeLimit(body, MaxDepth, s.c.MaxValues); why != "" {
			s.c.Renderer.RenderViolation(w, r, &contract.Violation{Kind: contract.Malformed, In: "body", Reason: why})
			return
		}
		if len(body) == 0 {
			r.Body = http.NoBody
		} else {
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		ctx := context.WithValue(r.Context(), bodyKey{}, body)
		switch {
		case s.c.Principal != nil:
			tenant, who, err := s.c.Principal(r)
			if err != nil {
				s.c.Renderer.RenderError(w, r, err)
				return
			}
			ctx = context.WithValue(WithTenant(ctx, tenant), principalKey{}, who)
		case s.c.Authenticate != nil:
			tenant, err := s.c.Authenticate(r)
			if err != nil {
				s.c.Renderer.RenderError(w, r, err)
				return
			}
			ctx = WithTenant(ctx, tenant)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// readBody reads up to max+1 bytes, in one allocation when the client said
// how long the body is.
func readBody(r *http.Request, max int64) ([]byte, error) {
	if n := r.ContentLength; n > 0 && n <= max {
		buf := make([]byte, n)
		m, err := io.ReadFull(r.Body, buf)
		if err == io.ErrUnexpectedEOF {
			err = nil // shorter than announced: what came is the body
		}
		if err != nil || m < len(buf) {
			return buf[:m], err
		}
		// The server stops at Content-Length; a body that lies goes on.
		rest, err := readRest(io.LimitReader(r.Body, max+1-n))
		return append(buf, rest...), err
	}
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	return readRest(io.LimitReader(r.Body, max+1))
}

// readRest reads what is left of body; io.ReadAll's 512-byte buffer is
// drawn only when something is (almost never: a GET, a body as long as it
// announced).
func readRest(body io.Reader) ([]byte, error) {
	var probe [1]byte
	n, err := io.ReadFull(body, probe[:])
	if n == 0 {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			err = nil
		}
		return nil, err
	}
	rest, err := io.ReadAll(body)
	return append(probe[:1:1], rest...), err
}

type (
	bodyKey      struct{}
	tenantKey    struct{}
	infoKey      struct{}
	principalKey struct{}
)

// PrincipalOf is what the surface's Principal returned for the request
// (nil without one).
func PrincipalOf(ctx context.Context) any { return ctx.Value(principalKey{}) }

// Body is the request body, read once by the surface.
func Body(r *http.Request) []byte {
	b, _ := r.Context().Value(bodyKey{}).([]byte)
	return b
}

// WithTenant records the tenant in ctx (and in the journal's request info).
func WithTenant(ctx context.Context, tenant string) context.Context {
	if info := Info(ctx); info != nil {
		info.Tenant = tenant
	}
	return context.WithValue(ctx, tenantKey{}, tenant)
}

// Tenant is the tenant the request's credentials named.
func Tenant(ctx context.Context) string {
	t, _ := ctx.Value(tenantKey{}).(string)
	return t
}

// RequestInfo is filled in along the chain and read by the journal.
type RequestInfo struct {
	Provider string
	Tenant   string
	Scenario string
}

// WithInfo attaches a fresh RequestInfo to ctx.
func WithInfo(ctx context.Context) (context.Context, *RequestInfo) {
	info := &RequestInfo{}
	return context.WithValue(ctx, infoKey{}, info), info
}

// Info returns the request's RequestInfo, or nil.
func Info(ctx context.Context) *RequestInfo {
	i, _ := ctx.Value(infoKey{}).(*RequestInfo)
	return i
}

// BaseURL is the base of every absolute link the emulator builds: the
// public URL, a trusted proxy's X-Forwarded-* or the Host header (links.go).
func BaseURL(r *http.Request) string { return linksOf(r.Context()).base(r) }

// WriteJSON writes v as compact JSON (no HTML escaping) with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	buf := jsonBuffers.Get().(*bytes.Buffer)
	defer putJSONBuffer(buf)
	if err := encodeJSON(buf, v); err != nil {
		http.Error(w, `{"error":"encoding failed"}`, http.StatusInternalServerError)
		return
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	WriteBody(w, status, bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

// WriteBody answers status with body, already encoded, and its length.
// With the length known, net/http sends a large body in one write instead
// of chunks of its 2 KB buffer (a scenario that replaces the body drops
// the header). Every writer on the way copies what it is given (net/http,
// the journal's recorder, the scenario capture), so the caller may reuse
// body's memory once it returns.
func WriteBody(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// jsonBuffers recycles response buffers; one larger than maxPooled is let
// go rather than kept for every later small answer.
var jsonBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const maxPooled = 64 << 10

func putJSONBuffer(b *bytes.Buffer) {
	if b.Cap() <= maxPooled {
		b.Reset()
		jsonBuffers.Put(b)
	}
}

func encodeJSON(buf *bytes.Buffer, v any) error {
	enc := gojson.NewEncoder(buf) // same output as encoding/json, three times faster
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// MarshalJSON encodes v compactly, without HTML escaping and without a
// trailing newline (what signature schemes hash).
func MarshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	if err := encodeJSON(&buf, v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
