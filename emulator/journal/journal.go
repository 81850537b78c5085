// Package journal keeps a bounded, in-memory record of recent requests and
// responses for the admin API, with credentials masked.
package journal

import (
	"net/http"
	"strings"
	"sync"
	"time"
)

// What an entry keeps, so that a journal of 1,000 entries stays a few tens of
// megabytes whatever clients send: each body's first MaxBody bytes, each
// header value's first MaxHeaderValue bytes, MaxHeaders headers, the first
// MaxURL bytes of the path and of the query.
const (
	MaxBody        = 16 << 10
	MaxHeaderValue = 1 << 10
	MaxHeaders     = 64
	MaxURL         = 2 << 10
)

// Entry is one request and its response.
type Entry struct {
	ID             uint64            `json:"id"`
	Time           time.Time         `json:"time"`
	Provider       string            `json:"provider,omitempty"`
	Tenant         string            `json:"tenant,omitempty"`
	Scenario       string            `json:"scenario,omitempty"`
	Method         string            `json:"method"`
	Path           string            `json:"path"`
	Query          string            `json:"query,omitempty"`
	RequestHeader  map[string]string `json:"request_header"`
	RequestBody    string            `json:"request_body,omitempty"`
	Status         int               `json:"status"`
	ResponseHeader map[string]string `json:"response_header"`
	ResponseBody   string            `json:"response_body,omitempty"`
	// ResponseBodyTruncated says ResponseBody is the head of a longer body
	// (MaxBody bytes), so it is no whole document to check.
	ResponseBodyTruncated bool    `json:"response_body_truncated,omitempty"`
	DurationMillis        float64 `json:"duration_ms"`
}

// Journal is a ring buffer of entries; safe for concurrent use. The ring
// grows to its size as entries come (an idle instance holds none of it)
// and then turns.
type Journal struct {
	mu      sync.Mutex
	size    int
	entries []Entry // len(entries) < size until the ring is full
	next    int
	full    bool
	seq     uint64
}

// New returns a journal keeping the last size entries.
func New(size int) *Journal {
	if size <= 0 {
		size = 1000
	}
	return &Journal{size: size}
}

// Add records e (its ID is assigned here).
func (j *Journal) Add(e Entry) {
	// Bodies are cut without a note: the masker says where JSON was cut short.
	e.RequestBody = cut(e.RequestBody, MaxBody)
	e.ResponseBodyTruncated = e.ResponseBodyTruncated || len(e.ResponseBody) > MaxBody
	e.ResponseBody = cut(e.ResponseBody, MaxBody)
	e.Path = truncate(e.Path, MaxURL)
	e.Query = truncate(e.Query, MaxURL)
	e.RequestHeader = capHeader(e.RequestHeader)
	e.ResponseHeader = capHeader(e.ResponseHeader)
	j.mu.Lock()
	j.seq++
	e.ID = j.seq
	if len(j.entries) < j.size {
		j.entries = append(j.entries, e)
	} else {
		j.entries[j.next] = e
	}
	j.next = (j.next + 1) % j.size
	if j.next == 0 {
		j.full = true
	}
	j.mu.Unlock()
}

// Filter selects entries.
type Filter struct {
	Provider, Tenant, Method, PathPrefix string
	Status                               int
	Limit                                int
	// Allow, when set, keeps only entries of tenants it allows (a team
	// admin token's view).
	Allow func(tenant string) bool
}

// List returns matching entries, newest first, with credentials masked.
// Masking happens here, on the rare read, rather than on every request.
func (j *Journal) List(f Filter) []Entry {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	out := []Entry{}
	j.newestFirst(func(e Entry) bool {
		if len(out) >= f.Limit {
			return false
		}
		if (f.Provider == "" || e.Provider == f.Provider) && (f.Tenant == "" || e.Tenant == f.Tenant) &&
			(f.Method == "" || strings.EqualFold(e.Method, f.Method)) && (f.Status == 0 || e.Status == f.Status) &&
			strings.HasPrefix(e.Path, f.PathPrefix) && (f.Allow == nil || f.Allow(e.Tenant)) {
			out = append(out, masked(e))
		}
		return true
	})
	return out
}

// newestFirst calls fn with each entry held, newest first, until fn says
// stop. j.mu must be held.
func (j *Journal) newestFirst(fn func(e Entry) (more bool)) {
	n := j.next
	if j.full {
		n = len(j.entries)
	}
	for i := 0; i < n; i++ {
		if !fn(j.entries[(j.next-1-i+len(j.entries))%len(j.entries)]) {
			return
		}
	}
}

func masked(e Entry) Entry {
	secret := keysFor(e.Provider, e.Path)
	e.RequestHeader = maskHeader(copyHeader(e.RequestHeader))
	e.ResponseHeader = maskHeader(copyHeader(e.ResponseHeader))
	e.Tenant = MaskTenant(e.Provider, e.Tenant)
	e.Path = MaskString(e.Path)
	e.Query = maskQuery(e.Query, secret)
	e.RequestBody = maskBody(e.RequestBody, secret)
	e.ResponseBody = maskBody(e.ResponseBody, secret)
	return e
}

func copyHeader(h map[string]string) map[string]string {
	out := make(map[string]string, len(h))
	for k, v := range h {
		out[k] = v
	}
	return out
}

// Clear drops every entry of tenant (all entries when tenant is "").
func (j *Journal) Clear(tenant string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	var kept []Entry
	if tenant != "" {
		n, start := j.next, 0
		if j.full {
			n, start = len(j.entries), j.next
		}
		for i := 0; i < n; i++ {
			if e := j.entries[(start+i)%len(j.entries)]; e.Tenant != tenant {
				kept = append(kept, e)
			}
		}
	}
	clear(j.entries)
	j.entries = append(j.entries[:0], kept...)
	j.next = len(kept) % j.size
	j.full = len(kept) == j.size
}

// Header flattens h for an entry, within the caps (capHeader).
func Header(h http.Header) map[string]string {
	out := make(map[string]string, min(len(h), MaxHeaders))
	for k, v := range h {
		if len(out) == MaxHeaders {
			break
		}
		if len(v) == 1 && len(v[0]) <= MaxHeaderValue && len(k) <= 128 {
			out[k] = v[0] // the usual header: kept as it is, nothing copied
			continue
		}
		// Join only what will be kept: a 1 MB header is never copied.
		var b strings.Builder
		for i, s := range v {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(s[:min(len(s), MaxHeaderValue+1-min(b.Len(), MaxHeaderValue))])
			if b.Len() > MaxHeaderValue {
				break
			}
		}
		out[truncate(k, 128)] = truncate(b.String(), MaxHeaderValue)
	}
	return out
}

// capHeader applies Header's caps to a map built elsewhere.
func capHeader(h map[string]string) map[string]string {
	if len(h) <= MaxHeaders {
		ok := true
		for k, v := range h {
			if len(k) > 128 || len(v) > MaxHeaderValue {
				ok = false
				break
			}
		}
		if ok {
			return h
		}
	}
	out := make(map[string]string, min(len(h), MaxHeaders))
	for k, v := range h {
		if len(out) == MaxHeaders {
			break
		}
		out[truncate(k, 128)] = truncate(v, MaxHeaderValue)
	}
	return out
}

// truncate cuts s to n bytes and says so.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return cut(s, n) + "…(truncated)"
}

// cut keeps s's first n bytes, ending on a rune boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
