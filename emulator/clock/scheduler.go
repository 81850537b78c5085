package clock

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/paysandbox/paysandbox/emulator/store"
)

// Handler runs a due job. An error reschedules it with a backoff.
type Handler func(ctx context.Context, j store.Job) error

const (
	// Workers bounds the background work (webhook attempts) run at once.
	Workers = 16
	// settle is how long RunDue waits for background work that makes no
	// progress (a receiver that never answers) before it returns.
	settle = time.Second
	// maxPerPass stops a pass that handlers keep feeding with due jobs.
	maxPerPass = 100_000
)

// Scheduler runs the jobs stored with store.Tx.Schedule once their tenant's
// virtual clock passes them. Jobs are read through the store's due-time
// index, so a pass costs the jobs that are due, not every job waiting.
type Scheduler struct {
	st    *store.Store
	clock *Clock
	log   *slog.Logger
	pool  *pool

	mu       sync.RWMutex
	handlers map[string]Handler
	kick     chan struct{}
	runMu    sync.Mutex // one pass at a time
}

// NewScheduler returns a scheduler; call Run to start it.
func NewScheduler(st *store.Store, c *Clock, log *slog.Logger) *Scheduler {
	s := &Scheduler{st: st, clock: c, log: log, handlers: map[string]Handler{}, kick: make(chan struct{}, 1)}
	s.pool = newPool(Workers, s.Kick)
	return s
}

// Handle registers the handler for a job kind.
func (s *Scheduler) Handle(kind string, h Handler) {
	s.mu.Lock()
	s.handlers[kind] = h
	s.mu.Unlock()
}

// Go runs fn in the background: one at a time per key, side by side across
// keys, at most Workers at once. fn gets a context that ends at Close. RunDue
// waits for such work (while it makes progress), so a handler may hand its
// slow part (an HTTP call) to Go and return at once.
func (s *Scheduler) Go(key string, fn func(ctx context.Context)) { s.pool.submit(key, fn) }

// Close ends background work started with Go and waits for it.
func (s *Scheduler) Close() { s.pool.close() }

// Kick asks for a pass soon (after a write that scheduled something due now).
func (s *Scheduler) Kick() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Run checks for due jobs every interval, on Kick, and whenever the clock
// moves, until ctx ends.
func (s *Scheduler) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		changed := s.clock.Changed()
		s.pass(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.kick:
		case <-changed:
		}
	}
}

// RunDue runs every job that is due now, one after the other in due-time
// order (a job that a handler schedules for a time already passed runs in
// its turn), and returns how many ran. It then waits for the background
// work those jobs started (webhook attempts) and runs what that work made due
// (retries), so that after a clock jump every retry that fell due has run;
// work that makes no progress for a second (a receiver that never answers)
// is left running and does not hold the caller.
func (s *Scheduler) RunDue(ctx context.Context) int {
	ran := s.pass(ctx)
	timer := time.NewTimer(settle)
	defer timer.Stop()
	for {
		busy, changed := s.pool.state()
		if busy == 0 {
			if n := s.pass(ctx); n > 0 {
				ran += n
				continue
			}
			// The background pass may have run a job meanwhile (pass waits
			// for it), handing an attempt to the pool: wait for that too.
			if busy, _ := s.pool.state(); busy == 0 {
				return ran
			}
			continue
		}
		select {
		case <-changed:
			ran += s.pass(ctx)
			if !timer.Stop() {
				<-timer.C
			}
			timer.Reset(settle)
		case <-timer.C:
			return ran + s.pass(ctx)
		case <-ctx.Done():
			return ran
		}
	}
}

// pass runs the due jobs, earliest first.
func (s *Scheduler) pass(ctx context.Context) int {
	s.runMu.Lock()
	defer s.runMu.Unlock()
	ran := 0
	for ran < maxPerPass && ctx.Err() == nil {
		var due []store.Job
		err := s.st.SysView(ctx, func(tx *store.Tx) error {
			var err error
			due, err = tx.DueJobs(s.clock.Now, 1)
			return err
		})
		if err != nil {
			s.log.Error("scheduler: reading jobs", "err", err)
			return ran
		}
		if len(due) == 0 {
			return ran
		}
		s.runOne(ctx, due[0])
		ran++
	}
	return ran
}

type dueKey struct{}

// DueAt is the time the running job fell due (its own time, earlier than the
// tenant's clock after a jump); ok is false outside a job.
func DueAt(ctx context.Context) (t time.Time, ok bool) {
	t, ok = ctx.Value(dueKey{}).(time.Time)
	return t, ok
}

func (s *Scheduler) runOne(ctx context.Context, j store.Job) {
	s.mu.RLock()
	h := s.handlers[j.Kind]
	s.mu.RUnlock()
	var err error
	if h == nil {
		err = errors.New("no handler for job kind " + j.Kind)
	} else {
		err = safeRun(context.WithValue(ctx, dueKey{}, j.At), h, j)
	}
	// Remove the job unless the handler replaced it with a newer one under the
	// same id; on error retry with backoff, up to 10 times.
	// The job ran: its record follows even if ctx has ended meanwhile.
	werr := s.st.SysUpdate(context.WithoutCancel(ctx), func(tx *store.Tx) error {
		cur, ok := tx.JobUnchanged(j)
		if !ok {
			return nil
		}
		if err != nil && j.Attempts < 10 {
			cur.Attempts++
			cur.At = s.clock.Now(j.Tenant).Add(time.Duration(cur.Attempts) * time.Second)
			return tx.PutJob(cur)
		}
		return tx.DeleteJob(j.ID)
	})
	if err != nil {
		s.log.Warn("scheduler: job failed", "kind", j.Kind, "tenant", j.Tenant, "id", j.ID, "err", err)
	}
	if werr != nil {
		s.log.Error("scheduler: updating job", "id", j.ID, "err", werr)
	}
}

func safeRun(ctx context.Context, h Handler, j store.Job) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errors.New("job handler panicked")
		}
	}()
	return h(ctx, j)
}
