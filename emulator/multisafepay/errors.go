package multisafepay

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/paysandbox/paysandbox/emulator/contract"
	"github.com/paysandbox/paysandbox/emulator/platform"
)

// Error is MultiSafepay's error: an HTTP status, a numeric error_code and its
// error_info text. Every failure of the JSON API ends up as one of these.
type Error struct {
	Status int
	Code   int
	Info   string
	// Plain selects the transactions API's own body, {"message": Info}.
	Plain bool
}

func (e *Error) Error() string {
	return fmt.Sprintf("multisafepay %d (%d): %s", e.Code, e.Status, e.Info)
}

func newError(status, code int, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Info: fmt.Sprintf(format, args...)}
}

// The codes MultiSafepay documents; the HTTP statuses are ours where the
// vendor's are not known (docs/multisafepay.md has the table).
func errUnknown(info string) *Error        { return newError(http.StatusBadRequest, 1000, "%s", info) }
func errAmount(info string) *Error         { return newError(http.StatusBadRequest, 1001, "%s", info) }
func errCurrency() *Error                  { return newError(http.StatusBadRequest, 1002, "Invalid currency") }
func errOrderNotFound() *Error             { return newError(http.StatusNotFound, 1006, "Invalid transaction ID") }
func errOrderIDInvalid(info string) *Error { return newError(http.StatusBadRequest, 1006, "%s", info) }
func errIP() *Error                        { return newError(http.StatusBadRequest, 1007, "Invalid IP address") }
func errDescription() *Error               { return newError(http.StatusBadRequest, 1008, "Invalid description") }
func errVar(name string) *Error            { return newError(http.StatusBadRequest, 1010, "Invalid %s", name) }
func errMissing(field string) *Error {
	return newError(http.StatusBadRequest, 1016, "Missing data: %s", field)
}
func errCountry() *Error { return newError(http.StatusBadRequest, 1018, "Invalid country code") }
func errGateway() *Error {
	return newError(http.StatusBadRequest, 1023, "No gateway (payment method) available")
}
func errGatewayNotFound() *Error {
	return newError(http.StatusNotFound, 1023, "No gateway (payment method) available")
}
func errDeclined(reason string) *Error {
	return newError(http.StatusBadRequest, 1024, "Transaction declined: %s", reason)
}
func errCart(code int, info string) *Error { return newError(http.StatusBadRequest, code, "%s", info) }
func errAPIKey() *Error                    { return newError(http.StatusUnauthorized, 1032, "Invalid API key") }
func errRefund(info string) *Error {
	return newError(http.StatusBadRequest, 1034, "Cannot refund: %s", info)
}
func errIssuer() *Error   { return newError(http.StatusBadRequest, 1036, "Invalid iDEAL issuer") }
func errInternal() *Error { return newError(http.StatusInternalServerError, 9999, "Unknown error") }
func errTransactionNotFound() *Error {
	return &Error{Status: http.StatusNotFound, Info: "Not found", Plain: true}
}

// errorBody is MultiSafepay's error envelope.
type errorBody struct {
	Success   bool     `json:"success"`
	Data      struct{} `json:"data"`
	ErrorCode int      `json:"error_code"`
	ErrorInfo string   `json:"error_info"`
}

// writeError is the one place an API error becomes a response.
func writeError(w http.ResponseWriter, e *Error) {
	if e.Plain {
		platform.WriteJSON(w, e.Status, map[string]string{"message": e.Info})
		return
	}
	platform.WriteJSON(w, e.Status, errorBody{ErrorCode: e.Code, ErrorInfo: e.Info})
}

// apiRenderer renders errors of the /v1/json surface.
type apiRenderer struct{ log *slog.Logger }

func (a apiRenderer) RenderError(w http.ResponseWriter, r *http.Request, err error) {
	if platform.ClientGone(w, r, err) {
		return
	}
	var se *platform.ScenarioError
	scenario := errors.As(err, &se)
	err = fromScenario(err) // scenarios.go
	var e *Error
	if !errors.As(err, &e) {
		a.log.Error("multisafepay: internal error", "path", r.URL.Path, "err", err)
		e = errInternal()
	}
	if !scenario { // a scenario's error is answered as the scenario says
		e = transactionsShape(r, e)
	}
	writeError(w, e)
}

func (a apiRenderer) RenderViolation(w http.ResponseWriter, r *http.Request, v *contract.Violation) {
	writeError(w, transactionsShape(r, violationError(v)))
}

// transactionsShape: the transactions API refuses a bad API key in its own
// shape, 403 {"message": "Forbidden"} (the vendor's spec), not 401 / 1032.
func transactionsShape(r *http.Request, e *Error) *Error {
	if e.Code == 1032 && e.Status == http.StatusUnauthorized && strings.HasPrefix(r.URL.Path, "/v1/json/transactions") {
		return &Error{Status: http.StatusForbidden, Info: "Forbidden", Plain: true}
	}
	return e
}

// violationError maps a request that broke openapi/multisafepay.yaml to the
// code MultiSafepay gives the same mistake, by the field it concerns.
func violationError(v *contract.Violation) *Error {
	switch v.Kind {
	case contract.Malformed:
		return newError(http.StatusBadRequest, 1016, "Missing data: the body is not valid JSON")
	case contract.MissingBody:
		return newError(http.StatusBadRequest, 1016, "Missing data: the request has no body")
	case contract.TooLarge:
		return newError(http.StatusRequestEntityTooLarge, 1016, "Invalid data: the body is too large")
	case contract.UnsupportedMediaType:
		return newError(http.StatusUnsupportedMediaType, 1016, "Invalid data: the body must be JSON")
	case contract.NoOperation:
		return newError(http.StatusNotFound, 1000, "Not found")
	case contract.Unavailable:
		return errInternal()
	case contract.MethodNotAllowed:
		return newError(http.StatusMethodNotAllowed, 1000, "Method not allowed")
	case contract.Parameter:
		switch v.Name {
		case "api_key":
			return errAPIKey()
		case "order_id", "refund_id":
			return errOrderNotFound()
		case "gateway_id", "gateway", "payment_method_id":
			return errGatewayNotFound()
		case "transaction_id":
			return errTransactionNotFound()
		case "amount":
			return errAmount("Invalid amount")
		case "currency":
			return errCurrency()
		case "country":
			return errCountry()
		}
		return newError(http.StatusBadRequest, 1016, "Invalid data: %s", v.Name)
	}
	path := strings.Join(v.Pointer, ".")
	if strings.Contains(v.Reason, "is missing") {
		return errMissing(path)
	}
	if e := fieldError(v.Pointer); e != nil {
		return e
	}
	if path == "" {
		return newError(http.StatusBadRequest, 1016, "Invalid data")
	}
	return newError(http.StatusBadRequest, 1016, "Invalid data: %s", path)
}

// fieldError is the code for an invalid value at a body pointer, or nil.
func fieldError(ptr []string) *Error {
	if len(ptr) == 0 {
		return nil
	}
	last := ptr[len(ptr)-1]
	switch ptr[0] {
	case "amount":
		return errAmount("Invalid amount")
	case "currency":
		return errCurrency()
	case "description":
		if len(ptr) == 1 {
			return errDescription()
		}
	case "order_id", "refund_order_id", "new_order_id":
		return errOrderIDInvalid("Invalid transaction ID")
	case "var1", "var2", "var3":
		return errVar(ptr[0])
	case "customer", "delivery":
		switch last {
		case "country":
			return errCountry()
		case "ip_address", "forwarded_ip":
			return errIP()
		}
	case "gateway":
		return errGateway()
	case "shopping_cart", "checkout_data":
		if len(ptr) >= 4 && ptr[1] == "items" {
			switch ptr[3] {
			case "unit_price", "quantity":
				return errCart(1031, "Incorrect item price")
			case "currency":
				return errCart(1030, "Incorrect item currency")
			}
		}
	case "checkout_options":
		if last == "rate" {
			if len(ptr) > 2 && ptr[2] == "default" {
				return errCart(1029, "Incorrect item tax rate")
			}
			return errCart(1028, "Incorrect custom tax rate")
		}
	}
	return nil
}
