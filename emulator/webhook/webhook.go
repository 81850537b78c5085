// Package webhook sends every provider's outbound callbacks and notifications.
// A delivery is stored with the domain change that caused it (Enqueue runs
// inside the provider's transaction), sent by the scheduler when due, signed
// per attempt by the provider's Prepare hook, retried on the virtual clock on
// the provider's schedule, and every attempt is recorded.
package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/paysandbox/paysandbox/emulator/clock"
	"github.com/paysandbox/paysandbox/emulator/store"
)

const (
	bucket  = "webhooks"
	jobKind = "webhook.deliver"
	// Bodies kept per attempt, to bound the data file.
	maxRecordedBody = 4 << 10
)

// Delivery statuses.
const (
	Pending   = "pending"
	Delivered = "delivered"
	Failed    = "failed"
)

// Delivery is one outbound message and its attempts.
type Delivery struct {
	ID       string `json:"id"`
	Provider string `json:"provider"`
	// Kind names the provider's policy when it has several (Klarna's hosted
	// payment page callbacks are kind "hpp"); it is filed under Provider.
	Kind   string `json:"kind,omitempty"`
	Tenant string `json:"tenant"`
	Event  string `json:"event"`
	// Scenario is the webhook scenario that shapes this delivery, set in the
	// transaction that enqueued it (by the request that asked for it).
	Scenario  string            `json:"scenario,omitempty"`
	Method    string            `json:"method"`
	URL       string            `json:"url"`
	Header    map[string]string `json:"header,omitempty"`
	Body      []byte            `json:"body,omitempty"`
	Status    string            `json:"status"`
	CreatedAt time.Time         `json:"created_at"`
	NextAt    *time.Time        `json:"next_at,omitempty"`
	Attempts  []Attempt         `json:"attempts"`
}

// Attempt records one try.
type Attempt struct {
	At            time.Time         `json:"at"`
	URL           string            `json:"url"`
	RequestHeader map[string]string `json:"request_header,omitempty"`
	StatusCode    int               `json:"status_code,omitempty"`
	ResponseBody  string            `json:"response_body,omitempty"`
	LatencyMillis float64           `json:"latency_ms"`
	Error         string            `json:"error,omitempty"`
	Succeeded     bool              `json:"succeeded"`
	// Duplicate marks a second copy sent by webhook chaos (not a retry).
	Duplicate bool `json:"duplicate,omitempty"`
}

// Policy is what a provider supplies: its retry schedule, what counts as
// success and how each attempt is signed.
type Policy struct {
	// Retries is the delay before retry 1, 2, ... on the virtual clock.
	Retries []time.Duration
	// Success judges a response; nil means any 2xx.
	Success func(status int, body []byte) bool
	// Timeout is how long an attempt may take before it counts as failed;
	// 0 means 10 seconds.
	Timeout time.Duration
	// Prepare stamps each attempt (timestamp, signature headers) just before
	// it is sent.
	Prepare func(req *http.Request, d *Delivery, now time.Time) error
}

// Sender delivers webhooks.
type Sender struct {
	st     *store.Store
	clock  *clock.Clock
	sch    *clock.Scheduler
	client *http.Client
	log    *slog.Logger
	// Destinations is the policy every call goes through.
	Destinations *Destinations

	flight sync.Map // delivery id -> struct{}: an attempt is under way

	mu       sync.RWMutex
	policies map[string]Policy
	chaos    Chaos
}

// New creates a sender and registers its job handler with the scheduler.
func New(st *store.Store, c *clock.Clock, sch *clock.Scheduler, log *slog.Logger) *Sender {
	s := &Sender{st: st, clock: c, sch: sch, log: log, Destinations: &Destinations{}, policies: map[string]Policy{}}
	s.client = &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport: &http.Transport{
			Proxy:       nil, // a proxy would hide the real destination from the policy
			DialContext: s.Destinations.dialContext,
			// Every attempt dials, so every attempt is judged by the policy.
			DisableKeepAlives:      true,
			TLSHandshakeTimeout:    10 * time.Second,
			MaxResponseHeaderBytes: 64 << 10,
		},
	}
	sch.Handle(jobKind, s.deliver)
	return s
}

// Register sets the provider's policy; "provider/kind" names the policy of
// deliveries of that kind.
func (s *Sender) Register(provider string, p Policy) {
	s.mu.Lock()
	s.policies[provider] = p
	s.mu.Unlock()
}

// Enqueue stores d and schedules its first attempt at now (the tenant's
// virtual time). Call it inside the domain transaction.
func Enqueue(tx *store.Tx, d Delivery, now time.Time) (string, error) {
	if d.URL == "" {
		return "", errors.New("webhook: delivery needs a URL")
	}
	if d.Provider == "" {
		d.Provider = tx.Provider()
	}
	if d.Tenant == "" {
		d.Tenant = tx.Tenant()
	}
	if d.Method == "" {
		d.Method = http.MethodPost
	}
	if d.Scenario == "" {
		d.Scenario = tx.Tag()
	}
	sys := tx.Sys(bucket)
	id, err := sys.NextID("whd_")
	if err != nil {
		return "", err
	}
	d.ID, d.Status, d.CreatedAt, d.NextAt = id, Pending, now, &now
	if d.Attempts == nil {
		d.Attempts = []Attempt{}
	}
	if err := sys.Put(id, d); err != nil {
		return "", err
	}
	// The tenant's deliveries in id (creation) order, for List; the entry
	// carries the tenant so that a tenant reset drops it.
	if err := tx.Sys(byTenantBucket).Put(d.Tenant+"\x00"+id, tenantEntry{Tenant: d.Tenant}); err != nil {
		return "", err
	}
	return id, tx.Schedule(store.Job{ID: id, Provider: d.Provider, Tenant: d.Tenant, Kind: jobKind, At: now, Payload: mustJSON(id)})
}

func (s *Sender) policy(d *Delivery) Policy {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if d.Kind != "" {
		if p, ok := s.policies[d.Provider+"/"+d.Kind]; ok {
			return p
		}
	}
	return s.policies[d.Provider]
}

// deliver runs a delivery's job: it decides the attempt at the job's own due
// time (after a clock jump, each retry at the time it fell due) and hands
// the HTTP call to the scheduler's pool, queued behind earlier calls to the
// same receiver, so a receiver that never answers holds up only its own.
// Until the attempt is recorded the job stays stored a little later (a
// lease): if the process dies meanwhile, the delivery is sent again.
func (s *Sender) deliver(ctx context.Context, j store.Job) error {
	var id string
	if err := json.Unmarshal(j.Payload, &id); err != nil {
		return nil // unreadable job: nothing to retry
	}
	var d Delivery
	err := s.st.SysView(ctx, func(tx *store.Tx) error { return tx.Sys(bucket).Get(id, &d) })
	if errors.Is(err, store.ErrNotFound) || d.Status != Pending {
		return nil
	}
	if err != nil {
		return err
	}
	at := j.At
	p := s.policy(&d)
	if _, busy := s.flight.Load(id); busy {
		_, err := s.lease(ctx, j, p) // a jump passed the lease of an attempt under way
		return err
	}
	// The job must still be this one: an attempt that just ended replaced it
	// (with its retry) or removed it.
	if ours, err := s.lease(ctx, j, p); err != nil || !ours {
		return err
	}
	dec := s.consult(&d, at)
	if dec.Delay > 0 {
		return s.postpone(ctx, id, j, at.Add(dec.Delay), dec.Release, at)
	}
	s.flight.Store(id, struct{}{})
	s.sch.Go(target(d.URL), func(ctx context.Context) {
		defer s.flight.Delete(id)
		if err := s.send(ctx, id, j, &d, p, dec, at); err != nil {
			s.log.Error("webhook: recording an attempt", "id", id, "err", err)
		}
	})
	return nil
}

// target is the queue a delivery waits in: its receiver.
func target(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.Scheme + "://" + u.Host
}

// lease keeps the job stored past the attempt's longest run (on the
// tenant's clock), and tells whether the job was still j.
func (s *Sender) lease(ctx context.Context, j store.Job, p Policy) (ours bool, err error) {
	err = s.st.SysUpdate(ctx, func(tx *store.Tx) error {
		var cur store.Job
		if cur, ours = tx.JobUnchanged(j); !ours {
			return nil // replaced or gone meanwhile
		}
		cur.At = s.clock.Now(j.Tenant).Add(3*timeout(p) + time.Minute)
		return tx.PutJob(cur)
	})
	return ours, err
}

func timeout(p Policy) time.Duration {
	if p.Timeout <= 0 {
		return 10 * time.Second
	}
	return p.Timeout
}

// send makes the attempt (or records the drop) and stores its outcome: the
// retry at its due time, or the final status.
func (s *Sender) send(ctx context.Context, id string, j store.Job, d *Delivery, p Policy, dec ChaosDecision, at time.Time) error {
	var atts []Attempt
	if dec.Drop != "" {
		atts = []Attempt{{At: at, URL: d.URL, Error: dec.Drop}}
	} else {
		atts = []Attempt{s.attempt(ctx, d, p, at)}
		if dec.Duplicate {
			dup := s.attempt(ctx, d, p, at)
			dup.Duplicate = true
			atts = append(atts, dup)
		}
	}
	s.logFailed(d, atts)
	succeeded := false
	for _, a := range atts {
		succeeded = succeeded || a.Succeeded
	}
	defer s.sch.Kick() // a retry may be due already
	// The attempt was made: its outcome is recorded even if ctx ended (shutdown).
	return s.st.SysUpdate(context.WithoutCancel(ctx), func(tx *store.Tx) error {
		// The attempt is over: from this commit on, its retry is a job like
		// any other. (Cleared only once the attempt returns, a pass that ran
		// the retry between this commit and the worker's exit took it for
		// an attempt still under way and leased it past the clock jump.) A
		// pass that reads the flag cleared but the job as it was waits for
		// this transaction and finds the job replaced.
		s.flight.Delete(id)
		sys := tx.Sys(bucket)
		var cur Delivery
		if err := sys.Get(id, &cur); err != nil {
			return nil // reset meanwhile
		}
		cur.Attempts = append(cur.Attempts, atts...)
		cur.NextAt = nil
		if err := release(tx, dec.Release, at); err != nil {
			return err
		}
		switch tries := tries(cur.Attempts); {
		case succeeded:
			cur.Status = Delivered
			if err := tx.DeleteJob(j.ID); err != nil {
				return err
			}
		case tries <= len(p.Retries):
			next := at.Add(p.Retries[tries-1])
			cur.NextAt = &next
			if err := tx.Schedule(store.Job{ID: id, Provider: cur.Provider, Tenant: cur.Tenant, Kind: jobKind, At: next, Payload: j.Payload}); err != nil {
				return err
			}
		default:
			cur.Status = Failed
			if err := tx.DeleteJob(j.ID); err != nil {
				return err
			}
		}
		return sys.Put(id, cur)
	})
}

// --- Chaos (the scenario engine's webhook faults)

// Chaos is consulted before each attempt; it may drop, duplicate or postpone
// it, and release postponed deliveries to go right after it (reorder).
type Chaos func(d *Delivery, now time.Time) ChaosDecision

// ChaosDecision is what Chaos decides for one attempt. The zero value sends
// it normally.
type ChaosDecision struct {
	// Drop, when set, loses the attempt: it is recorded as failed with this
	// error and retried on the provider's schedule.
	Drop string
	// Duplicate sends the attempt twice.
	Duplicate bool
	// Delay postpones the attempt on the virtual clock; nothing is recorded.
	Delay time.Duration
	// Release names postponed deliveries to send right after this attempt.
	Release []string
}

// SetChaos installs the chaos hook (nil removes it).
func (s *Sender) SetChaos(c Chaos) {
	s.mu.Lock()
	s.chaos = c
	s.mu.Unlock()
}

func (s *Sender) consult(d *Delivery, now time.Time) ChaosDecision {
	s.mu.RLock()
	c := s.chaos
	s.mu.RUnlock()
	if c == nil {
		return ChaosDecision{}
	}
	return c(d, now)
}

// postpone moves the delivery's job to at.
func (s *Sender) postpone(ctx context.Context, id string, j store.Job, at time.Time, rel []string, now time.Time) error {
	return s.st.SysUpdate(ctx, func(tx *store.Tx) error {
		sys := tx.Sys(bucket)
		var cur Delivery
		if err := sys.Get(id, &cur); err != nil {
			return nil // reset meanwhile
		}
		cur.NextAt = &at
		if err := release(tx, rel, now); err != nil {
			return err
		}
		if err := tx.Schedule(store.Job{ID: id, Provider: cur.Provider, Tenant: cur.Tenant, Kind: jobKind, At: at, Payload: j.Payload}); err != nil {
			return err
		}
		return sys.Put(id, cur)
	})
}

// release makes pending deliveries due at now.
func release(tx *store.Tx, ids []string, now time.Time) error {
	sys := tx.Sys(bucket)
	for _, id := range ids {
		var d Delivery
		if sys.Get(id, &d) != nil || d.Status != Pending {
			continue
		}
		d.NextAt = &now
		if err := tx.Schedule(store.Job{ID: id, Provider: d.Provider, Tenant: d.Tenant, Kind: jobKind, At: now, Payload: mustJSON(id)}); err != nil {
			return err
		}
		if err := sys.Put(id, d); err != nil {
			return err
		}
	}
	return nil
}

// tries counts attempts that were not chaos duplicates.
func tries(atts []Attempt) int {
	n := 0
	for _, a := range atts {
		if !a.Duplicate {
			n++
		}
	}
	return n
}

func (s *Sender) attempt(ctx context.Context, d *Delivery, p Policy, now time.Time) Attempt {
	att := Attempt{At: now, URL: d.URL}
	var body io.Reader
	if len(d.Body) > 0 {
		body = bytes.NewReader(d.Body)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout(p))
	defer cancel()
	v := &verdict{}
	ctx = context.WithValue(ctx, verdictKey{}, v)
	req, err := http.NewRequestWithContext(ctx, d.Method, d.URL, body)
	if err != nil {
		att.Error = "invalid request: the URL cannot be called"
		return att
	}
	port, _ := strconv.Atoi(req.URL.Port())
	if port == 0 {
		port = map[string]int{"http": 80, "https": 443}[req.URL.Scheme]
	}
	if err := s.Destinations.checkURL(req.URL.Scheme, req.URL.Hostname(), port); err != nil {
		att.Error = err.Error()
		return att
	}
	req.Header.Set("User-Agent", "paysandbox-webhooks/1")
	if len(d.Body) > 0 {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range d.Header {
		req.Header.Set(k, v)
	}
	if p.Prepare != nil {
		if err := p.Prepare(req, d, now); err != nil {
			att.Error = "prepare: " + err.Error()
			return att
		}
	}
	att.URL = req.URL.String()
	att.RequestHeader = map[string]string{}
	for k := range req.Header {
		att.RequestHeader[k] = req.Header.Get(k)
	}
	start := time.Now()
	resp, err := s.client.Do(req)
	att.LatencyMillis = float64(time.Since(start).Microseconds()) / 1000
	if err != nil {
		att.Error = err.Error()
		if i := strings.Index(att.Error, ErrRefused.Error()); i >= 0 {
			att.Error = att.Error[i:] // not the address the name resolved to
		}
		return att
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(io.LimitReader(resp.Body, maxRecordedBody))
	att.StatusCode = resp.StatusCode
	v.mu.Lock()
	hidden := v.hidden
	v.mu.Unlock()
	if !hidden {
		att.ResponseBody = string(rb)
	}
	if p.Success != nil {
		att.Succeeded = p.Success(resp.StatusCode, rb)
	} else {
		att.Succeeded = resp.StatusCode >= 200 && resp.StatusCode < 300
	}
	return att
}

// Filter selects deliveries for List.
type Filter struct {
	Provider, Tenant, Status string
	Limit                    int
	// Allow, when set, keeps only deliveries of tenants it allows (a team
	// admin token's view).
	Allow func(tenant string) bool
}

func (f Filter) keep(d *Delivery) bool {
	return (f.Provider == "" || d.Provider == f.Provider) && (f.Tenant == "" || d.Tenant == f.Tenant) &&
		(f.Status == "" || d.Status == f.Status) && (f.Allow == nil || f.Allow(d.Tenant))
}

// byTenantBucket lists each tenant's delivery ids: tenant\x00id.
const byTenantBucket = "webhooks_by_tenant"

type tenantEntry struct {
	Tenant string `json:"tenant"`
}

// List returns deliveries newest first. With a tenant it walks that
// tenant's deliveries only (a shared instance holds many tenants'), when
// every one of them is listed (the list began with the file).
func (s *Sender) List(ctx context.Context, f Filter) ([]Delivery, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	out := []Delivery{}
	err := s.st.SysView(ctx, func(tx *store.Tx) error {
		deliveries := tx.Sys(bucket)
		if f.Tenant != "" && tx.IndexedSinceCreation() {
			return tx.Sys(byTenantBucket).ListPrefix(f.Tenant+"\x00", true, func(key string, _ []byte) (bool, error) {
				var d Delivery
				if deliveries.Get(strings.TrimPrefix(key, f.Tenant+"\x00"), &d) != nil {
					return true, nil
				}
				if f.keep(&d) {
					out = append(out, d)
				}
				return len(out) < f.Limit, nil
			})
		}
		return deliveries.List(true, func(_ string, raw []byte) (bool, error) {
			var d Delivery
			if err := json.Unmarshal(raw, &d); err != nil {
				return true, nil
			}
			if f.keep(&d) {
				out = append(out, d)
			}
			return len(out) < f.Limit, nil
		})
	})
	return out, err
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("webhook: %v", err))
	}
	return b
}
