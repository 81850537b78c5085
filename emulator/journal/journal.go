// Package journal keeps a bounded, in-memory record of recent requests and
// responses for the admin API, with credentials masked.
package journal

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// MaxBody is how much of each body an entry keeps.
const MaxBody = 16 << 10

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
	DurationMillis float64           `json:"duration_ms"`
}

// Journal is a ring buffer of entries; safe for concurrent use.
type Journal struct {
	mu      sync.Mutex
	entries []Entry
	next    int
	full    bool
	seq     uint64
}

// New returns a journal keeping the last size entries.
func New(size int) *Journal {
	if size <= 0 {
		size = 1000
	}
	return &Journal{entries: make([]Entry, size)}
}

// Add records e (its ID is assigned here).
func (j *Journal) Add(e Entry) {
	e.RequestBody = truncate(e.RequestBody)
	e.ResponseBody = truncate(e.ResponseBody)
	j.mu.Lock()
	j.seq++
	e.ID = j.seq
	j.entries[j.next] = e
	j.next = (j.next + 1) % len(j.entries)
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
}

// List returns matching entries, newest first, with credentials masked.
// Masking happens here, on the rare read, rather than on every request.
func (j *Journal) List(f Filter) []Entry {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	n := j.next
	if j.full {
		n = len(j.entries)
	}
	out := []Entry{}
	for i := 0; i < n && len(out) < f.Limit; i++ {
		e := j.entries[(j.next-1-i+len(j.entries))%len(j.entries)]
		if (f.Provider == "" || e.Provider == f.Provider) && (f.Tenant == "" || e.Tenant == f.Tenant) &&
			(f.Method == "" || strings.EqualFold(e.Method, f.Method)) && (f.Status == 0 || e.Status == f.Status) &&
			strings.HasPrefix(e.Path, f.PathPrefix) {
			out = append(out, masked(e))
		}
	}
	return out
}

func masked(e Entry) Entry {
	h := make(map[string]string, len(e.RequestHeader))
	for k, v := range e.RequestHeader {
		h[k] = v
	}
	e.RequestHeader = maskHeader(h)
	e.Query = maskQuery(e.Query)
	e.RequestBody = maskBody(e.RequestBody)
	e.ResponseBody = maskBody(e.ResponseBody)
	return e
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
	j.next, j.full = copy(j.entries, kept), false
	j.next %= len(j.entries)
	j.full = len(kept) == len(j.entries)
}

// Header flattens h for an entry.
func Header(h http.Header) map[string]string {
	out := make(map[string]string, len(h))
	for k, v := range h {
		out[k] = strings.Join(v, ", ")
	}
	return out
}

func truncate(s string) string {
	if len(s) > MaxBody {
		return s[:MaxBody] + "…(truncated)"
	}
	return s
}

var secretHeaders = map[string]bool{"Authorization": true, "Api_key": true, "Api-Key": true, "Cookie": true, "Auth": true, "X-Api-Key": true}

func maskHeader(h map[string]string) map[string]string {
	for k, v := range h {
		if secretHeaders[http.CanonicalHeaderKey(k)] || strings.EqualFold(k, "api_key") {
			h[k] = mask(v)
		}
	}
	return h
}

// mask keeps a scheme word ("Basic", "Bearer") and the first 4 characters.
func mask(v string) string {
	scheme := ""
	if i := strings.IndexByte(v, ' '); i > 0 {
		scheme, v = v[:i+1], v[i+1:]
	}
	if len(v) > 4 {
		v = v[:4]
	}
	return scheme + v + "****"
}

var secretKeys = map[string]bool{"api_key": true, "password": true, "client_secret": true, "refresh_token": true,
	"access_token": true, "token": true, "secret": true, "shared_secret": true}

func maskQuery(q string) string {
	if q == "" {
		return q
	}
	vals, err := url.ParseQuery(q)
	if err != nil {
		return q
	}
	changed := false
	for k, vs := range vals {
		if secretKeys[strings.ToLower(k)] {
			for i := range vs {
				vs[i] = mask(vs[i])
			}
			changed = true
		}
	}
	if !changed {
		return q
	}
	return vals.Encode()
}

func maskBody(b string) string {
	t := strings.TrimSpace(b)
	if t == "" {
		return b
	}
	if t[0] == '{' || t[0] == '[' {
		var v any
		if json.Unmarshal([]byte(t), &v) != nil {
			return b
		}
		if !maskJSON(v) {
			return b
		}
		out, err := json.Marshal(v)
		if err != nil {
			return b
		}
		return string(out)
	}
	if strings.Contains(t, "=") && !strings.ContainsAny(t, " <\n") {
		return maskQuery(t)
	}
	return b
}

func maskJSON(v any) bool {
	changed := false
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if s, ok := val.(string); ok && secretKeys[strings.ToLower(k)] {
				x[k] = mask(s)
				changed = true
			} else if maskJSON(val) {
				changed = true
			}
		}
	case []any:
		for _, val := range x {
			if maskJSON(val) {
				changed = true
			}
		}
	}
	return changed
}
