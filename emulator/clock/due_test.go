package clock_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/emulator/store"
)

// Jobs run in due-time order across tenants, each seeing its own due time,
// and a job a handler schedules for a time already passed runs in its turn.
func TestJobsRunInDueOrderAtTheirOwnTime(t *testing.T) {
	st, c, sch := setup(t)
	var mu sync.Mutex
	var order []string
	sch.Handle("test.order", func(ctx context.Context, j store.Job) error {
		mu.Lock()
		order = append(order, j.ID)
		mu.Unlock()
		if j.ID == "b/first" {
			// A follow-up 5 minutes later, before a/second's time.
			return st.Update(context.Background(), "x", "b", func(tx *store.Tx) error {
				return tx.Schedule(store.Job{ID: "followup", Kind: "test.order", At: j.At.Add(5 * time.Minute)})
			})
		}
		return nil
	})
	for _, j := range []struct {
		tenant, id string
		at         time.Duration
	}{{"a", "second", 10 * time.Minute}, {"b", "first", time.Minute}, {"a", "third", 30 * time.Minute}, {"b", "late", 2 * time.Hour}} {
		if err := st.Update(context.Background(), "x", j.tenant, func(tx *store.Tx) error {
			return tx.Schedule(store.Job{ID: j.id, Kind: "test.order", At: t0.Add(j.at)})
		}); err != nil {
			t.Fatal(err)
		}
	}
	_ = c.Advance("", time.Hour)
	sch.RunDue(context.Background())
	want := "[b/first b/followup a/second a/third]"
	if got := fmt.Sprint(order); got != want {
		t.Fatalf("ran %s, want %s", got, want)
	}
}

// A tick reads only the jobs that are due: 20,000 waiting jobs are not
// decoded (DueJobs returns none), and a reset tenant's jobs are gone from the
// index too.
func TestDueJobsReadsOnlyWhatIsDue(t *testing.T) {
	st, c, _ := setup(t)
	for tenant := 0; tenant < 4; tenant++ {
		err := st.Update(context.Background(), "x", fmt.Sprint("t", tenant), func(tx *store.Tx) error {
			for i := 0; i < 5000; i++ {
				if err := tx.Schedule(store.Job{ID: fmt.Sprint("j", i), Kind: "k", At: t0.Add(time.Hour + time.Duration(i)*time.Second)}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	due := func() []store.Job {
		var out []store.Job
		_ = st.SysView(context.Background(), func(tx *store.Tx) error {
			var err error
			out, err = tx.DueJobs(c.Now, 100)
			return err
		})
		return out
	}
	if n := len(due()); n != 0 {
		t.Fatalf("%d due before any clock moved", n)
	}
	_ = c.Advance("t2", time.Hour+2*time.Second)
	got := due()
	if len(got) != 3 || got[0].Tenant != "t2" || got[0].ID != "t2/j0" || got[2].ID != "t2/j2" {
		t.Fatalf("%+v", got)
	}
	if err := st.ResetTenant("t2"); err != nil {
		t.Fatal(err)
	}
	if n := len(due()); n != 0 {
		t.Fatalf("%d due after the tenant reset", n)
	}
}

// One scheduler tick with 50,000 jobs waiting (open MultiSafepay orders):
// the idle cost is this figure four times a second.
func BenchmarkIdleTick50k(b *testing.B) {
	st, err := store.Open(b.TempDir()+"/p.db", store.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	for batch := 0; batch < 50; batch++ {
		err := st.Update(context.Background(), "multisafepay", fmt.Sprint("team", batch%5), func(tx *store.Tx) error {
			for i := 0; i < 1000; i++ {
				if err := tx.Schedule(store.Job{ID: fmt.Sprint("timer/", batch, "-", i), Kind: "k", At: time.Now().Add(30 * 24 * time.Hour)}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	now := func(string) time.Time { return time.Now() }
	b.ReportAllocs()
	for b.Loop() {
		_ = st.SysView(context.Background(), func(tx *store.Tx) error {
			_, err := tx.DueJobs(now, 1)
			return err
		})
	}
}
