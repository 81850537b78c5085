package commercelayer

import (
	"math/rand/v2"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// The limiter keeps at most a limit's worth of hits; what it reports must
// be what counting every hit in the window reports.
func TestRateLimiterMatchesCountingEveryHit(t *testing.T) {
	var steps []time.Duration
	for _, s := range []time.Duration{0, 1, 1, 0, 2, 1, 1, 1, 3, 0, 0, 9, 11, 1, 1, 30, 1, 1, 1, 1, 1, 1, 1, 4, 4, 4} {
		steps = append(steps, s*time.Second)
	}
	takeAgainstCounting(t, newRateLimiter(), rateLimit{5, 10 * time.Second}, steps)
}

// Random steps, some inside the window and some past it, against counting
// every hit; and a clock moved back starts the window again.
func TestRateLimiterRingMatchesCountingEveryHit(t *testing.T) {
	lim := rateLimit{7, 10 * time.Second}
	rl := newRateLimiter()
	rnd := rand.New(rand.NewPCG(1, 2))
	steps := make([]time.Duration, 5000)
	for i := range steps {
		steps[i] = time.Duration(rnd.IntN(4000)) * time.Millisecond
	}
	now := takeAgainstCounting(t, rl, lim, steps)
	if got := rl.take("k", lim, now.Add(-time.Hour)); got != lim.Limit-1 {
		t.Fatalf("after the clock went back: %d remain, want %d", got, lim.Limit-1)
	}
}

// takeAgainstCounting takes a hit of "k" after each step and checks what
// remains against counting every hit in the window, and that no more than
// the limit's hits are kept; it returns the last hit's time.
func takeAgainstCounting(t *testing.T, rl *rateLimiter, lim rateLimit, steps []time.Duration) time.Time {
	t.Helper()
	var all []time.Time
	now := time.Unix(1_700_000_000, 0)
	for i, step := range steps {
		now = now.Add(step)
		all = append(all, now)
		in := 0
		for _, h := range all {
			if h.After(now.Add(-lim.Interval)) {
				in++
			}
		}
		if got, want := rl.take("k", lim, now), max(lim.Limit-in, 0); got != want {
			t.Fatalf("hit %d: %d remain, want %d", i, got, want)
		}
		if n := len(rl.hits["k"].at); n > lim.Limit {
			t.Fatalf("hit %d: %d hits kept", i, n)
		}
	}
	return now
}

func TestEndpointIsMethodAndTwoPathSegments(t *testing.T) {
	for path, want := range map[string]string{
		"/api/orders/abc": "GET /api/orders", "/api/orders": "GET /api/orders", "/api/orders/abc/line_items": "GET /api/orders",
		"/oauth/token": "GET /oauth/token", "/": "GET /", "/api/": "GET /api/", "/api//x": "GET /api/",
	} {
		r := httptest.NewRequest("GET", "http://x"+path, nil)
		if got := endpoint(r); got != want {
			t.Errorf("%s: %q, want %q", path, got, want)
		}
		// As it was: the first two segments of SplitN(path, "/", 3).
		parts := strings.SplitN(strings.TrimPrefix(path, "/"), "/", 3)
		if len(parts) > 2 {
			parts = parts[:2]
		}
		if old := "GET /" + strings.Join(parts, "/"); old != want {
			t.Errorf("%s: the old grouping says %q", path, old)
		}
	}
}
