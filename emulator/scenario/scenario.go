// Package scenario is the scenario engine: it makes any provider misbehave on
// cue, reproducibly, while the emulator's state stays consistent with what it
// answered.
//
// A scenario (a YAML document, built in from scenarios/ or the user's own
// from --scenarios DIR) names a provider, a match and a sequence of steps.
// A step may delay, run provider actions that change state through the
// domain code (expire a session, decline an order), answer with a provider
// error in the provider's own format, break HTTP (hang, reset, truncate), or
// disturb the webhooks a request causes (drop, duplicate, delay, reorder).
//
// Three ways in: the vendors' own test data (implemented by the providers),
// the Sandbox-Scenario request header (this request), and the admin API,
// which arms a scenario for a tenant (the next N matching requests, with a
// probability and a seed). Armed state is kept in the store and survives a
// restart; resets clear it.
package scenario

import (
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/paysandbox/paysandbox/emulator/platform"
)

// HeaderName is the request header that applies scenarios to one request:
// "name[; param=value]..." entries separated by commas ("step=N" picks the
// step of a sequence, 1-based).
const HeaderName = "Sandbox-Scenario"

// Response headers the engine adds.
const (
	// AppliedHeader lists the scenarios that shaped the response.
	AppliedHeader = "Sandbox-Scenario-Applied"
	// SkippedHeader tells why a scenario asked for by header did not apply.
	SkippedHeader = "Sandbox-Scenario-Skipped"
)

// Scenario is one loaded scenario.
type Scenario struct {
	Name        string
	Provider    string // one of the Catalogue's, or "any"
	Description string
	// Params are the defaults of the ${name} placeholders used in steps.
	Params map[string]string
	// Match: the request (or, for webhook scenarios, the delivery) must
	// satisfy one of these; none means every one.
	Match []Match
	// Probability and Seed are the defaults when the scenario is armed.
	Probability float64
	Seed        uint64
	Steps       []Step
	// Webhook is true when the steps disturb webhooks instead of requests.
	Webhook bool

	File    string // where it was read, e.g. "scenarios/klarna.yaml"
	Line    int
	Builtin bool
	Source  string // the YAML document as written
}

// Where names the scenario's file and line.
func (s *Scenario) Where() string { return s.File + ":" + strconv.Itoa(s.Line) }

// appliesTo reports whether the scenario concerns provider.
func (s *Scenario) appliesTo(provider string) bool {
	return s.Provider == "any" || s.Provider == provider
}

// Match selects requests (method, path, tenant, headers, query, body) or, for
// webhook scenarios, deliveries (tenant, event).
type Match struct {
	Methods []string
	Paths   []pathPattern
	Tenant  string // glob
	Header  map[string]Cond
	Query   map[string]Cond
	Body    []BodyCond
	Event   string // glob on the delivery's event
}

// BodyCond is a condition on one value of the JSON request body.
type BodyCond struct {
	Path []string
	Raw  string // as written
	Cond Cond
}

// Cond is a condition on a value.
type Cond struct {
	Op   string // equals, glob, regex, in, present, absent, gt, gte, lt, lte, not
	S    string
	N    float64
	List []string
	Re   *regexp.Regexp
	Not  *Cond
}

// Step is one element of a scenario's sequence. Parts apply in this order:
// delay, actions, then error or fault (or the handler); webhook chaos is a
// step of its own.
type Step struct {
	Line       int
	Delay      *Delay
	Actions    []ActionRef
	Error      *ErrorSpec
	Fault      *Fault
	Headers    map[string]string
	RetryAfter string // a duration or ${param}
	Webhook    *WebhookChaos
}

// ActionRef calls a provider action (or a neutral one) with parameters.
type ActionRef struct {
	Name      string
	Params    map[string]string
	Line, Col int
}

// ErrorSpec is an answer in the provider's error format.
type ErrorSpec struct {
	Status  int
	Code    string
	Message string
	Field   string
}

// Fault kinds.
const (
	FaultHang     = "hang"     // answer nothing until the client gives up
	FaultReset    = "reset"    // close the connection with a TCP reset
	FaultTruncate = "truncate" // declare the whole body's length, send part of it, close
)

// Fault breaks HTTP itself.
type Fault struct {
	Kind string
	// Max bounds a hang (default 5 minutes): then the connection is closed.
	Max time.Duration
	// AfterHandler runs the handler first (its state change happens, its
	// answer is lost). Always true for truncate.
	AfterHandler bool
	// Keep is the share of the body a truncate sends (default 0.5).
	Keep float64
}

// Webhook chaos kinds.
const (
	ChaosDrop      = "drop"      // the attempt is lost (the provider retries on its schedule)
	ChaosDuplicate = "duplicate" // the delivery is sent twice
	ChaosDelay     = "delay"     // the first attempt waits (virtual time)
	ChaosReorder   = "reorder"   // held back until the tenant's next delivery has gone (or Hold passes)
)

// WebhookChaos disturbs one delivery.
type WebhookChaos struct {
	Kind string
	// Attempts a drop loses: 1 by default, 0 means every attempt (the
	// delivery never arrives and ends failed).
	Attempts int
	// By is a delay's length; Hold a reorder's longest hold.
	By   time.Duration
	Hold time.Duration

	attemptsSet bool // the file gave attempts (0 is "all", not "unset")
}

// Catalogue is what scenario files may name besides the engine's own
// actions: the providers, in the order they are listed, and the actions each
// documents. The emulator assembles it from its providers
// (emulator.ScenarioCatalogue); the engine knows no provider.
type Catalogue struct {
	Providers []string
	Actions   []platform.ActionDoc
}

// neutral are the engine's own actions, which every scenario may use.
var neutral = []platform.ActionDoc{
	{Provider: "", Name: "advance-clock", Doc: "moves the tenant's virtual clock forward and runs what fell due", Params: []string{"by: a duration like 49h or 28d"}},
}

// All is every action: the engine's own, then the providers'.
func (c Catalogue) All() []platform.ActionDoc { return append(slices.Clone(neutral), c.Actions...) }

// providers are the names a scenario's provider may take: the catalogue's
// and "any" (every provider).
func (c Catalogue) providers() []string { return append(slices.Clone(c.Providers), "any") }

// find finds the action a scenario of provider may name.
func (c Catalogue) find(provider, name string) (platform.ActionDoc, bool) {
	for _, a := range c.All() {
		if a.Name == name && (a.Provider == "" || a.Provider == provider) {
			return a, true
		}
	}
	return platform.ActionDoc{}, false
}

func (c Catalogue) names(provider string) []string {
	var out []string
	for _, a := range c.All() {
		if a.Provider == "" || a.Provider == provider {
			out = append(out, a.Name)
		}
	}
	slices.Sort(out)
	return out
}
