package emulator

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/paysandbox/paysandbox/emulator/journal"
	"github.com/paysandbox/paysandbox/emulator/platform"
)

// middleware wraps every request: panic recovery, the journal and the
// console's line per request (accesslog.go).
func (e *Emulator) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		if la, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
			e.platform.Webhooks.Destinations.NoteListener(la) // no webhook may call us back
		}
		ctx, info := platform.WithInfo(r.Context())
		r = r.WithContext(ctx)

		// Keep the head of the body for the journal; the handler still reads all of it.
		var reqHead []byte
		if r.Body != nil && r.Body != http.NoBody {
			if n := r.ContentLength; n > 0 && n <= journal.MaxBody {
				// The usual body: its announced length, in one allocation.
				buf := make([]byte, n)
				m, _ := io.ReadFull(r.Body, buf)
				reqHead = buf[:m]
			} else {
				reqHead, _ = io.ReadAll(io.LimitReader(r.Body, journal.MaxBody))
			}
			r.Body = readCloser{io.MultiReader(bytes.NewReader(reqHead), r.Body), r.Body}
		}
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				e.cfg.Logger.Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if !rec.wrote {
					rec.Header().Set("Content-Type", "application/json")
					rec.WriteHeader(http.StatusInternalServerError)
					_, _ = rec.Write([]byte(`{"error":{"code":"internal","message":"the emulator failed; see its log"}}`))
				}
			}
			e.logRequest(r, rec.status, time.Since(start), info)
			if isUI(r.URL.Path) {
				return
			}
			e.journal.Add(journal.Entry{
				Time: e.platform.Clock.Now(info.Tenant), Provider: info.Provider, Tenant: info.Tenant, Scenario: info.Scenario,
				Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
				RequestHeader: journal.Header(r.Header), RequestBody: string(reqHead),
				Status: rec.status, ResponseHeader: journal.Header(rec.Header()), ResponseBody: rec.body.String(), ResponseBodyTruncated: rec.cut,
				DurationMillis: float64(time.Since(start).Microseconds()) / 1000,
			})
		}()
		next.ServeHTTP(rec, r)
	})
}

type readCloser struct {
	io.Reader
	io.Closer
}

// recorder keeps the status and the head of the body for the journal.
type recorder struct {
	http.ResponseWriter
	status int
	wrote  bool
	body   strings.Builder // String without a copy
	cut    bool            // the body went past what the journal keeps
}

func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	room := journal.MaxBody - r.body.Len()
	if room > 0 {
		if r.body.Len() == 0 {
			r.body.Grow(min(room, len(b))) // one write is the usual answer: no regrowth
		}
		r.body.Write(b[:min(room, len(b))])
	}
	r.cut = r.cut || len(b) > room
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach flush and deadlines.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
