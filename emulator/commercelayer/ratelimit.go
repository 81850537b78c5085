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

// take records a hit and returns how many remain in the window.
func (rl *rateLimiter) take(key string, lim rateLimit, now time.Time) int {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	from := now.Add(-lim.Interval)
	kept := rl.hits[key][:0]
	for _, t := range rl.hits[key] {
		if t.After(from) {
			kept = append(kept, t)
		}
	}
	kept = append(kept, now)
	rl.hits[key] = kept
	if len(rl.hits) > 10000 { // bound memory: forget everyone but this caller
		rl.hits = map[string][]time.Time{key: kept}
	}
	return max(lim.Limit-len(kept), 0)
}

// endpoint groups requests the way the limits count them: method and
// resource type (/api/orders/abc and /api/orders/xyz are one endpoint).
func endpoint(r *http.Request) string {
	parts := strings.SplitN(strings.TrimPrefix(r.URL.Path, "/"), "/", 3)
	if len(parts) > 2 {
		parts = parts[:2]
	}
	return r.Method + " /" + strings.Join(parts, "/")
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
