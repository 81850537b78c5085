package klarna

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/paysandbox/paysandbox/emulator/contract"
	"github.com/paysandbox/paysandbox/emulator/platform"
)

func newError(status int, code string, messages ...string) *Error {
	if messages == nil {
		messages = []string{}
	}
	return &Error{Status: status, Code: code, Messages: messages}
}

// badValue is Klarna's answer to a field it rejects: 400 BAD_VALUE naming the
// field path, one message per field.
func badValue(fields ...string) *Error {
	e := newError(http.StatusBadRequest, "BAD_VALUE")
	for _, f := range fields {
		e.Messages = append(e.Messages, "Bad value: "+f)
	}
	return e
}

// notMatching is create order's (and create token's) answer when the request
// differs from what the customer authorized.
func notMatching(fields []string, extra ...string) *Error {
	msg := "Not matching fields: [" + strings.Join(fields, ", ") + "]"
	return newError(http.StatusConflict, "BAD_VALUE", append([]string{msg}, extra...)...)
}

// The errors the domain returns by name.
var (
	errUnauthorized        = newError(http.StatusUnauthorized, "UNAUTHORIZED", "Unauthorized")
	errInvalidSession      = newError(http.StatusNotFound, "NOT_FOUND", "Invalid session id")
	errSessionCompleted    = newError(http.StatusNotFound, "SESSION_COMPLETED", "Session has already been completed")
	errInvalidAuthToken    = newError(http.StatusNotFound, "NOT_FOUND", "Invalid authorization token")
	errAuthNotDeletable    = newError(http.StatusNotFound, "NOT_FOUND", "Authorization cannot be deleted")
	errTokenConsumed       = newError(http.StatusForbidden, "INVALID_OPERATION", "Authorization token already consumed")
	errNoSuchOrder         = newError(http.StatusNotFound, "NO_SUCH_ORDER", "Order not found")
	errNoSuchCapture       = newError(http.StatusNotFound, "NO_SUCH_CAPTURE", "Capture not found")
	errNoSuchRefund        = newError(http.StatusNotFound, "NO_SUCH_REFUND", "Refund not found")
	errCustomerTokenLookup = newError(http.StatusNotFound, "NOT_FOUND", "Invalid customer-token ID")
	errTokenNotFound       = newError(http.StatusNotFound, "TOKEN_NOT_FOUND", "Invalid customer-token ID")
	errTokenCanceled       = newError(http.StatusForbidden, "TOKEN_CANCELED", "Customer token has been cancelled")
	errTokenSuspended      = newError(http.StatusForbidden, "TOKEN_SUSPENDED", "Customer token is suspended")
)

func intentForbids(what, intent string) *Error {
	return newError(http.StatusForbidden, "INVALID_OPERATION", fmt.Sprintf("Not allowed to create %s for intent %s.", what, intent))
}

// correlationHeader carries the id that also appears in every error body.
const correlationHeader = "Klarna-Correlation-Id"

// errorBody is Klarna's error document.
type errorBody struct {
	CorrelationID string   `json:"correlation_id"`
	ErrorCode     string   `json:"error_code"`
	ErrorMessages []string `json:"error_messages"`
}

// apiRenderer renders errors of the credentialed APIs (the one place that does).
type apiRenderer struct{ log *slog.Logger }

func (a apiRenderer) RenderError(w http.ResponseWriter, r *http.Request, err error) {
	if platform.ClientGone(w, r, err) {
		return
	}
	err = fromScenario(err) // scenarios.go
	var ke *Error
	if !errors.As(err, &ke) {
		a.log.Error("klarna: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		ke = newError(http.StatusInternalServerError, "INTERNAL_SERVER_ERROR", "Internal server error")
	}
	writeError(w, ke)
}

func (a apiRenderer) RenderViolation(w http.ResponseWriter, r *http.Request, v *contract.Violation) {
	writeError(w, violationError(v))
}

// violationError turns a request that broke openapi/klarna.yaml into the
// error Klarna gives for it.
func violationError(v *contract.Violation) *Error {
	switch v.Kind {
	case contract.Malformed:
		return newError(http.StatusBadRequest, "BAD_REQUEST", "Malformed request body: not valid JSON")
	case contract.MissingBody:
		return newError(http.StatusBadRequest, "BAD_REQUEST", "Request body is missing")
	case contract.TooLarge:
		return newError(http.StatusRequestEntityTooLarge, "REQUEST_TOO_LARGE", "Request body is too large")
	case contract.UnsupportedMediaType:
		return newError(http.StatusBadRequest, "BAD_REQUEST", "Content-Type must be application/json")
	case contract.NoOperation:
		return newError(http.StatusNotFound, "NOT_FOUND", "Resource not found")
	case contract.MethodNotAllowed:
		return newError(http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "Method not allowed")
	case contract.Parameter:
		return badValue(v.Name)
	}
	if len(v.Pointer) == 0 {
		return newError(http.StatusBadRequest, "BAD_REQUEST", "Malformed request body")
	}
	return badValue(fieldPath(v.Pointer))
}

// fieldPath writes a JSON pointer the way Klarna names fields:
// ["order_lines","0","total_amount"] is order_lines[0].total_amount.
func fieldPath(ptr []string) string {
	var b strings.Builder
	for _, p := range ptr {
		if _, err := strconv.Atoi(p); err == nil && b.Len() > 0 {
			b.WriteString("[" + p + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
}

// writeError writes e with the correlation id the envelope middleware put on
// the response (or a fixed one when a caller outside the envelope renders).
func writeError(w http.ResponseWriter, e *Error) {
	id := w.Header().Get(correlationHeader)
	if id == "" {
		id = "00000000-0000-4000-8000-000000000000"
		w.Header().Set(correlationHeader, id)
	}
	if e.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="Klarna"`)
	}
	platform.WriteJSON(w, e.Status, errorBody{CorrelationID: id, ErrorCode: e.Code, ErrorMessages: e.Messages})
}

// decodeError is the answer to a body that the schema let through but Go
// cannot decode (a safety net: the contract layer rejects wrong types first).
func decodeError(err error) *Error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return badValue(te.Field)
	}
	return newError(http.StatusBadRequest, "BAD_REQUEST", "Malformed request body")
}
