package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// Server limits. One slow or greedy client must not starve the others, and
// /_sandbox/health must answer whatever clients do.
//
//   - ReadHeaderTimeout 10s, ReadTimeout 30s: a request's head and body must
//     arrive in that time (a body sent a byte every few seconds is cut off).
//     Bodies are at most a few MB, so 30s is generous on any link.
//   - WriteTimeout 11m: longer than the longest wait a scenario can impose
//     (a delay is at most 10 minutes, `timeout` hangs at most 5), so faults a
//     test asked for are never cut short. A streaming handler (server-sent
//     events) lifts it for its own response with
//     http.NewResponseController(w).SetWriteDeadline(time.Time{}).
//   - IdleTimeout 60s: a keep-alive connection holds a slot only that long.
//   - MaxHeaderBytes 64 KiB: credentials and cookies fit many times over.
//   - Connections: at most --max-connections at once (default: what the
//     file-descriptor limit leaves after a reserve for the data file, outbound
//     webhooks and the spare lane). Past the limit a spare lane of a few
//     connections stays open, in which a connection gets 2s to send its
//     request head and is answered only for /_sandbox/health (anything else:
//     503 and the connection closes). Past the spare lane, a new connection
//     waits up to 500ms for a spare slot, then is closed. So a flood of slow
//     clients leaves health answering.
//   - Running out of file descriptors anyway (EMFILE): the accept error is
//     temporary; http.Server backs off and retries, the listener stays open.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 11 * time.Minute
	idleTimeout       = 60 * time.Second
	maxHeaderBytes    = 64 << 10

	spareHeadTimeout = 2 * time.Second
	spareWait        = 500 * time.Millisecond
	healthPath       = "/_sandbox/health"
)

// connLimits sizes the connection pools from a file-descriptor limit.
func connLimits(max int, fdLimit uint64) (main, spare int) {
	spare = 32
	if max > 0 {
		return max, spare
	}
	if fdLimit == 0 || fdLimit > 1<<20 {
		return 16384, spare
	}
	reserve := max2(64, int(fdLimit/8))
	main = int(fdLimit) - reserve - spare
	if main < 16 {
		spare = 4
		main = max2(8, int(fdLimit)-reserve/2-spare)
	}
	return min(main, 16384), spare
}

func max2(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// limiter hands out connection slots; both listeners share one, since the
// file descriptors are the process's.
type limiter struct {
	main, spare chan struct{}
}

func newLimiter(main, spare int) *limiter {
	return &limiter{main: make(chan struct{}, main), spare: make(chan struct{}, spare)}
}

// limitListener gives each accepted connection a slot of its limiter.
type limitListener struct {
	net.Listener
	l *limiter
}

func (ll *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := ll.Listener.Accept()
		if err != nil {
			// EMFILE and friends are temporary: http.Server retries.
			return nil, err
		}
		select {
		case ll.l.main <- struct{}{}:
			busyProcs.opened(len(ll.l.main))
			return &slotConn{Conn: c, slots: ll.l.main}, nil
		default:
		}
		// Both pools full: wait a little for a spare slot (a burst of
		// connections clears the spare lane in milliseconds, each answered
		// 503 or health), then refuse. While this waits, newer connections
		// queue in the kernel's backlog.
		wait := time.NewTimer(spareWait)
		select {
		case ll.l.spare <- struct{}{}:
			wait.Stop()
			sc := &slotConn{Conn: c, slots: ll.l.spare, spare: true, headBy: time.Now().Add(spareHeadTimeout)}
			_ = sc.Conn.SetDeadline(sc.headBy)
			return sc, nil
		case <-wait.C:
			_ = c.Close() // refused before a byte was read: nothing to lose
		}
	}
}

// slotConn frees its slot once, when closed. A spare-lane connection never
// gets a read deadline past its first 2s.
type slotConn struct {
	net.Conn
	slots  chan struct{}
	once   sync.Once
	spare  bool
	headBy time.Time
}

func (c *slotConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { <-c.slots })
	return err
}

func (c *slotConn) SetReadDeadline(t time.Time) error {
	if c.spare && (t.IsZero() || t.After(c.headBy)) {
		t = c.headBy
	}
	return c.Conn.SetReadDeadline(t)
}

func (c *slotConn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.Conn.SetWriteDeadline(t)
}

type spareKey struct{}

// connContext marks requests that came in on the spare lane.
func connContext(ctx context.Context, c net.Conn) context.Context {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	if sc, ok := c.(*slotConn); ok && sc.spare {
		return context.WithValue(ctx, spareKey{}, true)
	}
	return ctx
}

// spareLane answers only health on a spare-lane connection.
func spareLane(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if spare, _ := r.Context().Value(spareKey{}).(bool); spare {
			w.Header().Set("Connection", "close")
			if r.URL.Path != healthPath {
				overloaded(w)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

const overloadedBody = `{"error":{"code":"overloaded","message":"the emulator has as many connections as it takes (--max-connections); retry"}}` + "\n"

// overloaded answers 503 and closes the connection at once: taking the
// connection over skips net/http's draining of an unread body, which would
// hold the spare slot while a slow client dribbles it.
func overloaded(w http.ResponseWriter) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		w.Header().Set("Retry-After", "1")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, overloadedBody)
		return
	}
	defer func() { _ = conn.Close() }() // the 503 is best effort to a client we refuse
	_ = conn.SetWriteDeadline(time.Now().Add(spareHeadTimeout))
	fmt.Fprintf(buf, "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s", len(overloadedBody), overloadedBody)
	_ = buf.Flush()
}

func newServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           spareLane(h),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ConnContext:       connContext,
	}
}
