package commercelayer

import (
	"net"
	"net/http"
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
	hits map[string][]time.Time
}

func newRateLimiter() *rateLimiter { return &rateLimiter{hits: map[string][]time.Time{}} }

// take records a hit and returns how many remain in the window. Only the
// latest lim.Limit hits are kept: once that many fall in the window none
// remain, whatever came before them, so a caller's cost is bounded by the
// limit, not by its request rate times the window (at thousands of
// requests a second, every request copied tens of thousands of times).
func (rl *rateLimiter) take(key string, lim rateLimit, now time.Time) int {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	from := now.Add(-lim.Interval)
	hits := rl.hits[key]
	kept := hits[:0]
	for _, t := range hits {
		if t.After(from) {
			kept = append(kept, t)
		}
	}
	if len(kept) >= lim.Limit {
		kept = append(kept[:0], kept[len(kept)-lim.Limit+1:]...) // the oldest goes
	}
	kept = append(kept, now)
	rl.hits[key] = kept
	if len(rl.hits) > 10000 { // bound memory: forget everyone but this caller
		rl.hits = map[string][]time.Time{key: kept}
	}
	return max(lim.Limit-len(kept), 0)
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
