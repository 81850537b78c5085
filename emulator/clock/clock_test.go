package clock_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/emulator/clock"
	"github.com/paysandbox/paysandbox/emulator/store"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func setup(t *testing.T) (*store.Store, *clock.Clock, *clock.Scheduler) {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "p.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c, err := clock.New(st, func() time.Time { return t0 })
	if err != nil {
		t.Fatal(err)
	}
	return st, c, clock.NewScheduler(st, c, slog.New(slog.DiscardHandler))
}

func TestOffsetsArePerTenantGlobalAndPersistent(t *testing.T) {
	st, c, _ := setup(t)
	if err := c.Advance("a", 49*time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance("", time.Hour); err != nil {
		t.Fatal(err)
	}
	if got := c.Now("a"); !got.Equal(t0.Add(50 * time.Hour)) {
		t.Fatalf("a: %v", got)
	}
	if got := c.Now("b"); !got.Equal(t0.Add(time.Hour)) {
		t.Fatalf("b: %v", got)
	}
	again, err := clock.New(st, func() time.Time { return t0 })
	if err != nil {
		t.Fatal(err)
	}
	if got := again.Now("a"); !got.Equal(t0.Add(50 * time.Hour)) {
		t.Fatalf("after reload: %v", got)
	}
	if err := again.Reset("a"); err != nil {
		t.Fatal(err)
	}
	if got := again.Now("a"); !got.Equal(t0.Add(time.Hour)) {
		t.Fatalf("after tenant reset: %v", got)
	}
}

func TestJobsRunWhenTheTenantClockPassesThem(t *testing.T) {
	st, c, sch := setup(t)
	var ran atomic.Int32
	sch.Handle("test.expire", func(ctx context.Context, j store.Job) error { ran.Add(1); return nil })
	err := st.Update(context.Background(), "klarna", "a", func(tx *store.Tx) error {
		return tx.Schedule(store.Job{Kind: "test.expire", At: t0.Add(48 * time.Hour)})
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := sch.RunDue(context.Background()); n != 0 || ran.Load() != 0 {
		t.Fatalf("ran early: %d", n)
	}
	// Another tenant's jump does not make it due.
	_ = c.Advance("b", 72*time.Hour)
	if sch.RunDue(context.Background()) != 0 {
		t.Fatal("another tenant's clock ran the job")
	}
	_ = c.Advance("a", 48*time.Hour)
	if n := sch.RunDue(context.Background()); n != 1 || ran.Load() != 1 {
		t.Fatalf("ran %d, handler %d", n, ran.Load())
	}
	if sch.RunDue(context.Background()) != 0 {
		t.Fatal("job ran twice")
	}
}

func TestFailingJobIsRetried(t *testing.T) {
	st, c, sch := setup(t)
	var calls atomic.Int32
	sch.Handle("test.flaky", func(ctx context.Context, j store.Job) error {
		if calls.Add(1) == 1 {
			return context.DeadlineExceeded
		}
		return nil
	})
	_ = st.Update(context.Background(), "x", "a", func(tx *store.Tx) error { return tx.Schedule(store.Job{Kind: "test.flaky", At: t0}) })
	sch.RunDue(context.Background())
	_ = c.Advance("a", 2*time.Second)
	sch.RunDue(context.Background())
	if calls.Load() != 2 {
		t.Fatalf("calls %d, want 2", calls.Load())
	}
}

func TestRunWakesOnAdvance(t *testing.T) {
	st, c, sch := setup(t)
	done := make(chan struct{})
	sch.Handle("test.wake", func(ctx context.Context, j store.Job) error { close(done); return nil })
	_ = st.Update(context.Background(), "x", "a", func(tx *store.Tx) error {
		return tx.Schedule(store.Job{Kind: "test.wake", At: t0.Add(time.Hour)})
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go sch.Run(ctx, time.Hour) // the ticker alone would never fire in this test
	_ = c.Advance("a", time.Hour)
	<-done // fails by test timeout if the advance did not wake the loop
}
