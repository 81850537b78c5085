package sandboxtest

import (
	"bytes"
	"net/http"
	"testing"
)

// Probe sends one request for a fuzz target and fails t, not the sandbox's
// own test, on a 5xx or on a response that breaks our OpenAPI files. body
// is sent as is; header pairs follow.
func (s *Sandbox) Probe(t testing.TB, method, path string, body []byte, header ...string) *Response {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, bytes.NewReader(body))
	if err != nil {
		return nil // not a request net/http can send (a fuzzed path)
	}
	resp := s.send(t, req, header)
	if resp.Status >= 500 {
		t.Errorf("%s %s answered %d: %s", method, path, resp.Status, truncate(resp.Body))
	}
	return resp
}
