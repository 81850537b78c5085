package clock

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/paysandbox/paysandbox/emulator/store"
)

// Handler runs a due job. An error reschedules it with a backoff.
type Handler func(ctx context.Context, j store.Job) error

// Scheduler runs the jobs stored with store.Tx.Schedule once their tenant's
// virtual clock passes them.
type Scheduler struct {
	st    *store.Store
	clock *Clock
	log   *slog.Logger

	mu       sync.RWMutex
	handlers map[string]Handler
	kick     chan struct{}
	runMu    sync.Mutex // one pass at a time
}

// NewScheduler returns a scheduler; call Run to start it.
func NewScheduler(st *store.Store, c *Clock, log *slog.Logger) *Scheduler {
	return &Scheduler{st: st, clock: c, log: log, handlers: map[string]Handler{}, kick: make(chan struct{}, 1)}
}

// Handle registers the handler for a job kind.
func (s *Scheduler) Handle(kind string, h Handler) {
	s.mu.Lock()
	s.handlers[kind] = h
	s.mu.Unlock()
}

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
		s.RunDue(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.kick:
		case <-changed:
		}
	}
}

// RunDue runs every job that is due now, in time order, and returns how many
// ran. Jobs that a handler schedules for a time already passed run in the
// same call.
func (s *Scheduler) RunDue(ctx context.Context) int {
	s.runMu.Lock()
	defer s.runMu.Unlock()
	ran := 0
	for round := 0; round < 100; round++ {
		due, err := s.due()
		if err != nil {
			s.log.Error("scheduler: reading jobs", "err", err)
			return ran
		}
		if len(due) == 0 {
			return ran
		}
		for _, j := range due {
			if ctx.Err() != nil {
				return ran
			}
			s.runOne(ctx, j)
			ran++
		}
	}
	return ran
}

func (s *Scheduler) due() ([]store.Job, error) {
	var due []store.Job
	err := s.st.SysView(func(tx *store.Tx) error {
		return tx.Sys(store.JobsBucket).List(false, func(_ string, raw []byte) (bool, error) {
			var j store.Job
			if err := json.Unmarshal(raw, &j); err != nil {
				return true, nil
			}
			if !j.At.After(s.clock.Now(j.Tenant)) {
				due = append(due, j)
			}
			return true, nil
		})
	})
	sortJobs(due)
	return due, err
}

func (s *Scheduler) runOne(ctx context.Context, j store.Job) {
	s.mu.RLock()
	h := s.handlers[j.Kind]
	s.mu.RUnlock()
	var err error
	if h == nil {
		err = errors.New("no handler for job kind " + j.Kind)
	} else {
		err = safeRun(ctx, h, j)
	}
	// Remove the job unless the handler replaced it with a newer one under the
	// same id; on error retry with backoff, up to 10 times.
	werr := s.st.SysUpdate(func(tx *store.Tx) error {
		sys := tx.Sys(store.JobsBucket)
		var cur store.Job
		if sys.Get(j.ID, &cur) != nil || !cur.At.Equal(j.At) || cur.Attempts != j.Attempts {
			return nil
		}
		if err != nil && j.Attempts < 10 {
			cur.Attempts++
			cur.At = s.clock.Now(j.Tenant).Add(time.Duration(cur.Attempts) * time.Second)
			return sys.Put(j.ID, cur)
		}
		return sys.Delete(j.ID)
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

func sortJobs(js []store.Job) {
	// insertion sort: the due list is short
	for i := 1; i < len(js); i++ {
		for k := i; k > 0 && js[k].At.Before(js[k-1].At); k-- {
			js[k], js[k-1] = js[k-1], js[k]
		}
	}
}
