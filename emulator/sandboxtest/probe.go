package sandboxtest

import (
	"bytes"
	"io"
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
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := s.ClientFor(t).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	if resp.StatusCode >= 500 {
		t.Errorf("%s %s answered %d: %s", method, path, resp.StatusCode, truncate(raw))
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: raw}
}
