package platform

import (
	"errors"
	"net/http"
)

// StatusClientClosedRequest is what the journal records for a request whose
// client went away before it was answered (nginx's 499).
const StatusClientClosedRequest = 499

// ClientGone tells whether err is the request's own context ending (the
// client closed the connection, so the store dropped the request's write or
// read), and then answers 499 for the journal. Renderers call it first: such
// an error is no fault of the emulator, so it is neither logged as one nor
// rendered as a 500 nobody reads.
func ClientGone(w http.ResponseWriter, r *http.Request, err error) bool {
	cerr := r.Context().Err()
	if cerr == nil || !errors.Is(err, cerr) {
		return false
	}
	w.WriteHeader(StatusClientClosedRequest)
	return true
}
