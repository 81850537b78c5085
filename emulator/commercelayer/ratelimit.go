package commercelayer

import (
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/paysandbox/paysandbox/emulator/clock"
)

// Commerce Layer's test-mode rate limits, per client IP and endpoint, over
// sliding windows. The emulator reports them in X-Ratelimit-* headers but
// does not refuse requests (a test suite would trip over the burst limit);
// a scenario can answer 429 where a test needs it.
type rateLimit struct {
	Limit    int
	Interval time.Duration
}

var (
	limitUncacheable = rateLimit{25, 10 * time.Second}  // writes
	limitCacheable   = rateLimit{125, 10 * time.Second} // reads
	limitOAuth       = rateLimit{30, time.Minute}
)

type rateLimiter struct {
	mu   sync.Mutex
	hits map[string]*window
}

// window is a caller's latest hits, at most a limit's worth, in a ring.
type window struct {
	at    []time.Time // capacity: the limit
	start int         // the oldest hit, once the ring is full
}

func newRateLimiter() *rateLimiter { return &rateLimiter{hits: map[string]*window{}} }

// take records a hit and returns how many remain in the window. Only the
// latest lim.Limit hits are kept: once that many fall in the window none
// remain, whatever came before them. They are kept in a ring, in time
// order, so a hit costs a write and a binary search, under a lock every
// request of the instance takes (a slice cut and copied on each hit held
// it long enough for requests to queue on it under load).
func (rl *rateLimiter) take(key string, lim rateLimit, now time.Time) int {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	w := rl.hits[key]
	if w == nil || cap(w.at) != lim.Limit {
		if len(rl.hits) >= 10000 { // bound memory: forget everyone else
			rl.hits = map[string]*window{}
		}
		w = &window{at: make([]time.Time, 0, lim.Limit)}
		rl.hits[key] = w
	}
	n := len(w.at)
	if n > 0 && now.Before(w.at[(w.start+n-1)%n]) {
		w.at, w.start, n = w.at[:0], 0, 0 // the clock went back: the window starts again
	}
	if n < lim.Limit {
		w.at = append(w.at, now)
		n++
	} else {
		w.at[w.start] = now
		w.start = (w.start + 1) % n
	}
	from := now.Add(-lim.Interval)
	old := sort.Search(n, func(i int) bool { return w.at[(w.start+i)%n].After(from) })
	return max(lim.Limit-(n-old), 0)
}

// endpoint groups requests the way the limits count them: method and
// resource type (/api/orders/abc and /api/orders/xyz are one endpoint):
// the path up to its second slash.
func endpoint(r *http.Request) string {
	path := strings.TrimPrefix(r.URL.Path, "/")
	if i := strings.IndexByte(path, '/'); i >= 0 {
		if j := strings.IndexByte(path[i+1:], '/'); j >= 0 {
			path = path[:i+1+j]
		}
	}
	return r.Method + " /" + path
}

func (rl *rateLimiter) middleware(clk *clock.Clock) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			lim := limitUncacheable
			switch {
			case strings.HasPrefix(r.URL.Path, "/oauth/"):
				lim = limitOAuth
			case r.Method == http.MethodGet:
				lim = limitCacheable
			}
			ip, _, err := net.SplitHostPort(r.RemoteAddr)
			if err != nil {
				ip = r.RemoteAddr
			}
			left := rl.take(ip+" "+endpoint(r), lim, clk.Now(""))
			h := w.Header()
			h.Set("X-Ratelimit-Limit", strconv.Itoa(lim.Limit))
			h.Set("X-Ratelimit-Interval", strconv.Itoa(int(lim.Interval/time.Second)))
			h.Set("X-Ratelimit-Remaining", strconv.Itoa(left))
			next.ServeHTTP(w, r)
		})
	}
}
