package sandboxtest

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"testing"
)

// Checks of a response's status and of each vendor's error body, shared by
// the providers' tests. Each fails t with the body, so a failure shows what
// came back.

// WantStatus fails t unless r has status.
func WantStatus(t testing.TB, r *Response, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, truncate(r.Body))
	}
}

// Decode reads r's JSON body into v, failing t when it does not fit.
func Decode(t testing.TB, r *Response, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("response body: %v: %s", err, truncate(r.Body))
	}
}

// KlarnaError is Klarna's error body (Payments, Customer Token, Order
// Management).
type KlarnaError struct {
	CorrelationID string   `json:"correlation_id"`
	ErrorCode     string   `json:"error_code"`
	ErrorMessages []string `json:"error_messages"`
}

// WantKlarnaError checks Klarna's error: status, error_code, the messages
// when given, and the correlation id in both header and body.
func WantKlarnaError(t testing.TB, r *Response, status int, code string, messages ...string) KlarnaError {
	t.Helper()
	WantStatus(t, r, status)
	var e KlarnaError
	Decode(t, r, &e)
	if e.ErrorCode != code {
		t.Fatalf("error_code %q, want %q: %s", e.ErrorCode, code, r.Body)
	}
	if len(messages) > 0 && !slices.Equal(e.ErrorMessages, messages) {
		t.Fatalf("error_messages %q, want %q", e.ErrorMessages, messages)
	}
	if h := r.Header.Get("Klarna-Correlation-Id"); h == "" || h != e.CorrelationID {
		t.Fatalf("correlation id header %q, body %q", h, e.CorrelationID)
	}
	return e
}

// MultiSafepayError is MultiSafepay's error envelope.
type MultiSafepayError struct {
	Success   bool            `json:"success"`
	Data      json.RawMessage `json:"data"`
	ErrorCode json.Number     `json:"error_code"`
	ErrorInfo string          `json:"error_info"`
}

// WantMultiSafepayError checks MultiSafepay's error: status, success false,
// error_code, data {} and an error_info.
func WantMultiSafepayError(t testing.TB, r *Response, status, code int) MultiSafepayError {
	t.Helper()
	WantStatus(t, r, status)
	var e MultiSafepayError
	Decode(t, r, &e)
	if e.Success || e.ErrorCode.String() != strconv.Itoa(code) {
		t.Fatalf("body %s, want error_code %d", r.Body, code)
	}
	if !bytes.Equal(bytes.Join(bytes.Fields(e.Data), nil), []byte("{}")) {
		t.Fatalf("data is not {}: %s", r.Body)
	}
	if e.ErrorInfo == "" {
		t.Fatalf("no error_info: %s", r.Body)
	}
	return e
}

// JSONAPIError is one error of a JSON:API error list (Commerce Layer).
type JSONAPIError struct {
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Code   string `json:"code"`
	Status string `json:"status"`
	Source struct {
		Pointer   string `json:"pointer"`
		Parameter string `json:"parameter"`
	} `json:"source"`
	Meta map[string]any `json:"meta"`
}

// WantJSONAPIError checks a JSON:API error list and returns its first error:
// status, its code and status member, and its source pointer when given.
func WantJSONAPIError(t testing.TB, r *Response, status int, code, pointer string) JSONAPIError {
	t.Helper()
	WantStatus(t, r, status)
	var body struct {
		Errors []JSONAPIError `json:"errors"`
	}
	Decode(t, r, &body)
	if len(body.Errors) == 0 {
		t.Fatalf("not an error list: %s", r.Body)
	}
	e := body.Errors[0]
	if e.Code != code {
		t.Fatalf("code %q, want %q\n%s", e.Code, code, r.Body)
	}
	if e.Status != strconv.Itoa(status) {
		t.Fatalf("status member %q, want \"%d\"", e.Status, status)
	}
	if pointer != "" && e.Source.Pointer != pointer {
		t.Fatalf("source.pointer %q, want %q\n%s", e.Source.Pointer, pointer, r.Body)
	}
	return e
}
