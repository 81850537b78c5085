package platform

import (
	"errors"
	"fmt"
	"net/http"
)

// The scenario engine (emulator/scenario) makes a provider misbehave on cue.
// It is provider-neutral: it asks a provider's Renderer to answer a
// ScenarioError in the provider's own format, and it changes state only
// through the ScenarioActions a provider offers.

// ScenarioError is an error a scenario asks for. Every Renderer answers it in
// its provider's format: Code is the provider's own code ("BAD_VALUE",
// "1024", "OUT_OF_STOCK"); when empty the renderer picks its usual code for
// Status. Field names what the error is about in the provider's words (a
// Klarna field path, a JSON:API pointer).
type ScenarioError struct {
	Status  int
	Code    string
	Message string
	Field   string
}

func (e *ScenarioError) Error() string {
	return fmt.Sprintf("scenario error %d %s %s: %s", e.Status, e.Code, e.Field, e.Message)
}

// AsScenarioError reports whether err is a ScenarioError and returns it with
// what a scenario file may leave out filled in the provider's way: Code
// with code(Status, Field) (nil: left as the file has it), Message with
// text(Status, Field) (nil: the status's text). Renderers start from it.
func AsScenarioError(err error, code, text func(status int, field string) string) (ScenarioError, bool) {
	var se *ScenarioError
	if !errors.As(err, &se) {
		return ScenarioError{}, false
	}
	out := *se
	if out.Code == "" && code != nil {
		out.Code = code(out.Status, out.Field)
	}
	if out.Message == "" {
		if text == nil {
			out.Message = http.StatusText(out.Status)
		} else {
			out.Message = text(out.Status, out.Field)
		}
	}
	return out, true
}

// ErrActionSkipped is returned (possibly wrapped) by a ScenarioAction that has
// nothing to act on in this request (no such session, an order already
// decided): the scenario step does not apply and the request goes on as if
// no scenario had been asked for.
var ErrActionSkipped = errors.New("scenario action does not apply")

// ActionCall is one run of a ScenarioAction.
type ActionCall struct {
	Request *http.Request
	// Tenant is the authenticated tenant ("" on credential-less endpoints,
	// whose actions find it themselves).
	Tenant string
	// Params are the scenario's parameters, defaults applied.
	Params map[string]string
	// Status and Body: in After, the handler's answer; an action may replace
	// them. In Before, setting Status answers the request with Status and
	// Body (JSON) instead of the handler.
	Status int
	Body   []byte
}

// ScenarioAction changes a provider's state through its domain code. Before
// runs before the handler (and before contract validation); After runs after
// it, with its answer. Either may be nil. An error other than
// ErrActionSkipped is answered through the provider's Renderer.
type ScenarioAction struct {
	Provider string // "klarna", "multisafepay", "commercelayer"
	Name     string // as scenario files name it, e.g. "expire-session"
	Before   func(c *ActionCall) error
	After    func(c *ActionCall) error
}

// ActionDoc documents an action scenario files may name: each provider
// lists its own (its ScenarioActionDocs), and the scenario engine checks
// scenario files and implementations against them. Provider "" is the
// engine's own, which every scenario may use.
type ActionDoc struct {
	Provider string
	Name     string
	Doc      string
	Params   []string // "name: what (default)"
}

// ScenarioActor is implemented by providers that offer scenario actions.
type ScenarioActor interface {
	ScenarioActions() []ScenarioAction
}
