package scenario

import (
	"crypto/tls"
	"net"
	"net/http"
	"strconv"
	"time"
)

// Faults break HTTP itself, so no OpenAPI file describes what the client
// sees: a hang ends with the client's own timeout, a reset with ECONNRESET,
// a truncated body with an unexpected EOF.

// fault applies f. For faults after the handler, status and body are the
// handler's answer.
func (x *exchange) fault(f *Fault, status int, body []byte) {
	switch f.Kind {
	case FaultHang:
		t := time.NewTimer(f.Max)
		defer t.Stop()
		select {
		case <-x.r.Context().Done():
			// The client gave up. Nobody reads this status but the journal.
			x.w.WriteHeader(499)
		case <-t.C:
			closeConn(x.w, false)
		case <-x.e.closing:
			closeConn(x.w, false)
		}
	case FaultReset:
		closeConn(x.w, true)
	case FaultTruncate:
		if len(body) == 0 || status == http.StatusNoContent || status == http.StatusNotModified {
			closeConn(x.w, false) // nothing to cut: the answer is lost before it starts
			return
		}
		keep := int(float64(len(body)) * f.Keep)
		x.w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		x.w.WriteHeader(status)
		_, _ = x.w.Write(body[:keep])
		_ = http.NewResponseController(x.w).Flush()
		closeConn(x.w, false)
	}
}

// closeConn takes the connection from net/http and closes it; with reset, a
// TCP RST (SO_LINGER 0) instead of an orderly close. Where the connection
// cannot be taken (HTTP/2), the stream is aborted instead.
func closeConn(w http.ResponseWriter, reset bool) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	nc := conn
	if tc, ok := conn.(*tls.Conn); ok && reset {
		nc = tc.NetConn() // no close_notify: the peer sees the reset
	}
	if tcp, ok := nc.(*net.TCPConn); ok && reset {
		_ = tcp.SetLinger(0)
	}
	_ = nc.Close()
}
