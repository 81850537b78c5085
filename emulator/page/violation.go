package page

import (
	"net/http"

	"github.com/paysandbox/paysandbox/emulator/contract"
)

// Words are what a page says, in its provider's voice, for the violations
// whose sentence is its own.
type Words struct {
	Malformed        string // a form that breaks the OpenAPI file
	NotFound         string // no such page
	MethodNotAllowed string
}

// Violation is the status and the sentence a browser-facing page answers a
// request that breaks our OpenAPI files with.
func Violation(v *contract.Violation, words Words) (status int, msg string) {
	switch v.Kind {
	case contract.TooLarge:
		return http.StatusRequestEntityTooLarge, "The form is too large."
	case contract.UnsupportedMediaType:
		return http.StatusUnsupportedMediaType, "The form must be sent as application/x-www-form-urlencoded."
	case contract.NoOperation:
		return http.StatusNotFound, words.NotFound
	case contract.MethodNotAllowed:
		return http.StatusMethodNotAllowed, words.MethodNotAllowed
	case contract.Unavailable:
		return http.StatusInternalServerError, "Something went wrong."
	}
	return http.StatusBadRequest, words.Malformed
}
