package page

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
)

// Write renders a page fully, then sends it as text/html with status and
// Headers(policy, framing). A rendering error is a bug in a template: it
// sends a plain 500 instead of half a page (nothing is written before the
// page is whole), and is logged. Write handles every error itself, so it
// returns none.
func Write(w http.ResponseWriter, status int, policy, framing string, render func(io.Writer) error) {
	var buf bytes.Buffer
	if err := render(&buf); err != nil {
		slog.Error("page: rendering failed", "err", err)
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	Headers(h, policy, framing)
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w) // a client gone away; nothing left to tell it
}
