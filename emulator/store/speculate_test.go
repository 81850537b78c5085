package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/paysandbox/paysandbox/emulator/ids"
	"github.com/paysandbox/paysandbox/emulator/store"
)

func openSpeculative(t *testing.T, seed int64, speculative bool) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "s.db"), store.Options{IDs: ids.New(seed)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if speculative {
		st.Speculate("p")
	}
	return st
}

type tally struct {
	N int `json:"n"`
}

// member is an indexed record: its group's members are found by Lookup.
type member struct {
	ID    string `json:"id"`
	Group string `json:"group"`
	Pos   int    `json:"pos"`
}

func (m *member) IndexKeys() []string { return []string{"g\x00" + m.Group + "\x00" + m.ID} }

func increment(st *store.Store, key string) error {
	return st.Update(context.Background(), "p", "t", func(tx *store.Tx) error {
		var c tally
		if err := tx.Get("tallies", key, &c); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		c.N++
		return tx.Put("tallies", key, &c)
	})
}

func tallyOf(t *testing.T, st *store.Store, key string) int {
	t.Helper()
	var c tally
	must(t, st.View(context.Background(), "p", "t", func(tx *store.Tx) error { return tx.Get("tallies", key, &c) }))
	return c.N
}

// Writes that read and rewrite one record, all at once, lose none of their
// updates, and most of them are stored as speculated.
func TestSpeculativeWritesLoseNoUpdate(t *testing.T) {
	st := openSpeculative(t, 1, true)
	var wg sync.WaitGroup
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				if err := increment(st, "c"); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if got := tallyOf(t, st, "c"); got != 400 {
		t.Fatalf("tally %d after 400 increments", got)
	}
	applied, rerun, _ := st.SpeculationCounts()
	if applied == 0 || applied+rerun != 400 {
		t.Fatalf("applied %d, run again %d", applied, rerun)
	}
}

// A write that counts a group through its index and adds a member at that
// position sees every member committed before it: concurrent adds never
// share a position (a new index entry under a walked prefix is a conflict).
func TestSpeculativeWalksSeeConcurrentInserts(t *testing.T) {
	st := openSpeculative(t, 2, true)
	var wg sync.WaitGroup
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				err := st.Update(context.Background(), "p", "t", func(tx *store.Tx) error {
					n := 0
					err := tx.Lookup("members", "g\x00a\x00", false, func(string, []byte) (bool, error) { n++; return true, nil })
					if err != nil {
						return err
					}
					id := tx.IDs().UUID()
					return tx.Put("members", id, &member{ID: id, Group: "a", Pos: n})
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	var pos []int
	must(t, st.View(context.Background(), "p", "t", func(tx *store.Tx) error {
		return tx.List("members", func(_ string, raw []byte) error {
			var m member
			if err := json.Unmarshal(raw, &m); err != nil {
				return err
			}
			pos = append(pos, m.Pos)
			return nil
		})
	}))
	slices.Sort(pos)
	for i, p := range pos {
		if p != i {
			t.Fatalf("positions %v: want 0..319 once each", pos)
		}
	}
	if len(pos) != 320 {
		t.Fatalf("%d members, want 320", len(pos))
	}
}

// The same writes, one at a time, give the same ids, sequences and records
// whether the provider speculates or not: with a write that fails, one that
// reads its own write back, and one that a speculation cannot do (a system
// bucket).
func TestSpeculationKeepsSeededIDs(t *testing.T) {
	run := func(speculative bool) []string {
		st := openSpeculative(t, 9, speculative)
		var out []string
		write := func(fail, sys bool) {
			err := st.Update(context.Background(), "p", "t", func(tx *store.Tx) error {
				seq, err := tx.NextSequence("members")
				if err != nil {
					return err
				}
				id := tx.IDs().Alnum(10)
				if err := tx.Put("members", id, &member{ID: id, Group: "b", Pos: int(seq)}); err != nil {
					return err
				}
				var back member
				if err := tx.Get("members", id, &back); err != nil || back.Pos != int(seq) {
					return fmt.Errorf("read back %+v, %v", back, err)
				}
				if sys {
					if err := tx.Sys("audit").Put(id, map[string]string{"tenant": "t"}); err != nil {
						return err
					}
				}
				if fail {
					return errors.New("refused")
				}
				out = append(out, fmt.Sprintf("%s/%d", id, seq))
				return nil
			})
			if (err != nil) != fail {
				t.Fatalf("speculative %v: %v", speculative, err)
			}
		}
		write(false, false)
		write(true, false)
		write(false, true)
		write(true, true)
		write(false, false)
		must(t, st.View(context.Background(), "p", "t", func(tx *store.Tx) error {
			return tx.List("members", func(id string, raw []byte) error {
				out = append(out, id+"="+string(raw))
				return nil
			})
		}))
		return out
	}
	plain, spec := run(false), run(true)
	if !slices.Equal(plain, spec) {
		t.Fatalf("one at a time:\n%v\nspeculating:\n%v", plain, spec)
	}
}

// blockedIncrement starts an increment of key that waits, between its
// speculation and its commit, until release is closed.
func blockedIncrement(t *testing.T, st *store.Store, key string) (release func(), done <-chan error) {
	speculated, wait := make(chan struct{}), make(chan struct{})
	var once sync.Once
	st.SetSpeculated(func() { once.Do(func() { close(speculated); <-wait }) })
	t.Cleanup(func() { st.SetSpeculated(nil) })
	errs := make(chan error, 1)
	go func() { errs <- increment(st, key) }()
	<-speculated
	st.SetSpeculated(nil)
	return func() { close(wait) }, errs
}

// A speculation that read a record later rewritten by more commits than
// the committer remembers runs again rather than storing its stale value.
func TestSpeculationOlderThanTheLogRunsAgain(t *testing.T) {
	st := openSpeculative(t, 3, true)
	must(t, increment(st, "c"))
	release, done := blockedIncrement(t, st, "c")
	must(t, increment(st, "c"))
	for i := 0; i < 300; i++ { // other records: the commit above leaves the log
		must(t, increment(st, "d"))
	}
	release()
	must(t, <-done)
	if got := tallyOf(t, st, "c"); got != 3 {
		t.Fatalf("tally %d, want 3", got)
	}
	if _, rerun, _ := st.SpeculationCounts(); rerun != 1 {
		t.Fatalf("%d runs again, want 1", rerun)
	}
}

// A tenant reset between a speculation's read and its commit makes it run
// again on the reset records.
func TestSpeculationAcrossAResetRunsAgain(t *testing.T) {
	st := openSpeculative(t, 4, true)
	for i := 0; i < 5; i++ {
		must(t, increment(st, "c"))
	}
	release, done := blockedIncrement(t, st, "c")
	must(t, st.ResetTenant("t"))
	release()
	must(t, <-done)
	if got := tallyOf(t, st, "c"); got != 1 {
		t.Fatalf("tally %d after a reset and one increment, want 1", got)
	}
}

// A speculation that walks a collection it has written cannot see its own
// write in the index: it runs on the committer instead, and counts it.
func TestSpeculationThatWalksItsOwnWriteRunsOnTheCommitter(t *testing.T) {
	st := openSpeculative(t, 5, true)
	var counted int
	must(t, st.Update(context.Background(), "p", "t", func(tx *store.Tx) error {
		if err := tx.Put("members", "m1", &member{ID: "m1", Group: "a"}); err != nil {
			return err
		}
		counted = 0
		return tx.Lookup("members", "g\x00a\x00", false, func(string, []byte) (bool, error) { counted++; return true, nil })
	}))
	if counted != 1 {
		t.Fatalf("the walk found %d members, want its own", counted)
	}
	if _, _, aborted := st.SpeculationCounts(); aborted != 1 {
		t.Fatalf("%d speculations ended, want 1", aborted)
	}
}

// covered is a member whose group entry keeps its score.
type covered struct {
	member
	Score int `json:"score"`
}

func (c *covered) IndexValue(key string) []byte {
	if key != "g\x00"+c.Group+"\x00"+c.ID {
		return nil
	}
	return []byte(fmt.Sprint(c.Score))
}

func scores(t *testing.T, st *store.Store) map[string]string {
	t.Helper()
	got := map[string]string{}
	must(t, st.View(context.Background(), "p", "t", func(tx *store.Tx) error {
		return tx.LookupCovered("members", "g\x00a\x00", func(id, v []byte) (bool, error) {
			got[string(id)] = string(v)
			return true, nil
		})
	}))
	return got
}

// An entry keeps its record's value (IndexCovered) and follows it when the
// value changes while the keys stay; an entry of a type that keeps none
// answers an empty value. A speculation that read a value rewritten since
// runs again.
func TestCoveredIndexKeepsValues(t *testing.T) {
	st := openSpeculative(t, 6, true)
	put := func(v any, id string) {
		t.Helper()
		must(t, st.Update(context.Background(), "p", "t", func(tx *store.Tx) error { return tx.Put("members", id, v) }))
	}
	put(&covered{member{ID: "m1", Group: "a"}, 5}, "m1")
	put(&member{ID: "m2", Group: "a"}, "m2")
	if got := scores(t, st); got["m1"] != "5" || got["m2"] != "" || len(got) != 2 {
		t.Fatalf("values %v", got)
	}
	put(&covered{member{ID: "m1", Group: "a"}, 6}, "m1")
	if got := scores(t, st); got["m1"] != "6" {
		t.Fatalf("after a new score: %v", got)
	}

	// Sum the scores into a tally, while another write changes one.
	speculated, wait := make(chan struct{}), make(chan struct{})
	var once sync.Once
	st.SetSpeculated(func() { once.Do(func() { close(speculated); <-wait }) })
	done := make(chan error, 1)
	go func() {
		done <- st.Update(context.Background(), "p", "t", func(tx *store.Tx) error {
			sum := 0
			err := tx.LookupCovered("members", "g\x00a\x00", func(_, v []byte) (bool, error) {
				n := 0
				_, _ = fmt.Sscan(string(v), &n)
				sum += n
				return true, nil
			})
			if err != nil {
				return err
			}
			return tx.Put("tallies", "sum", &tally{N: sum})
		})
	}()
	<-speculated
	st.SetSpeculated(nil)
	put(&covered{member{ID: "m1", Group: "a"}, 40}, "m1")
	close(wait)
	must(t, <-done)
	if got := tallyOf(t, st, "sum"); got != 40 {
		t.Fatalf("sum %d, want 40 (the score written meanwhile)", got)
	}
	if _, rerun, _ := st.SpeculationCounts(); rerun != 1 {
		t.Fatalf("%d runs again, want 1", rerun)
	}
}

// The index tests again with provider "p" speculative: its writes run as
// speculations and its index takes old keys from the stored records
// (derive.go), with the same answers.
func TestIndexesOfASpeculativeProvider(t *testing.T) {
	speculating = true
	defer func() { speculating = false }()
	for name, test := range map[string]func(*testing.T){
		"follows puts and deletes":     TestIndexFollowsPutsAndDeletes,
		"built on first indexed put":   TestIndexBuiltOnFirstIndexedPut,
		"walk from a key":              TestWalkFromAKey,
		"counts":                       TestIndexCountFollowsPutsDeletesAndRebuilds,
		"version rebuilds":             TestIndexVersionRebuildsAnOlderIndex,
		"reset through the owned list": TestResetTenantThroughItsOwnList,
		"isolated":                     TestTenantsAndProvidersAreIsolated,
		"failed update":                TestFailedUpdateWritesNothing,
		"reset":                        TestResetTenantDropsRecordsRefsAndSystemRecords,
		"concurrent writes":            TestConcurrentWritesShareCommitsAndAFailureStaysAlone,
	} {
		t.Run(name, test)
	}
}

func entries(t *testing.T, st *store.Store, group string) []string {
	t.Helper()
	var ids []string
	must(t, st.View(context.Background(), "p", "t", func(tx *store.Tx) error {
		return tx.LookupCovered("members", "g\x00"+group+"\x00", func(id, _ []byte) (bool, error) {
			ids = append(ids, string(id))
			return true, nil
		})
	}))
	return ids
}

// A speculative provider's index moves and removes entries by the keys its
// stored records give, on a file whose index an earlier, non-speculative
// run wrote with reverse entries too; a Delete in a fresh process needs the
// collection's type (IndexTypes).
func TestSpeculativeIndexKeysComeFromTheRecords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.db")
	write := func(st *store.Store, fn func(tx *store.Tx) error) error {
		return st.Update(context.Background(), "p", "t", fn)
	}
	st := open(t, path)
	must(t, write(st, func(tx *store.Tx) error {
		for id, g := range map[string]string{"m1": "a", "m2": "a", "m3": "b"} {
			if err := tx.Put("members", id, &covered{member{ID: id, Group: g}, 1}); err != nil {
				return err
			}
		}
		return nil
	}))
	must(t, st.Close())

	st = open(t, path)
	st.Speculate("p")
	must(t, write(st, func(tx *store.Tx) error { return tx.Put("members", "m1", &covered{member{ID: "m1", Group: "b"}, 2}) }))
	if a, b := entries(t, st, "a"), entries(t, st, "b"); !slices.Equal(a, []string{"m2"}) || !slices.Equal(b, []string{"m1", "m3"}) {
		t.Fatalf("after a move: a %v, b %v", a, b)
	}
	must(t, write(st, func(tx *store.Tx) error { return tx.Delete("members", "m2") }))
	must(t, write(st, func(tx *store.Tx) error { return tx.Delete("members", "m3") }))
	if a, b := entries(t, st, "a"), entries(t, st, "b"); len(a) != 0 || !slices.Equal(b, []string{"m1"}) {
		t.Fatalf("after deletes: a %v, b %v", a, b)
	}
	must(t, st.Close())

	st = open(t, path)
	st.Speculate("p")
	if err := write(st, func(tx *store.Tx) error { return tx.Delete("members", "m1") }); err == nil {
		t.Fatal("a delete of a type the store never saw passed")
	}
	st.IndexTypes("p", map[string]any{"members": &covered{}})
	must(t, write(st, func(tx *store.Tx) error { return tx.Delete("members", "m1") }))
	if b := entries(t, st, "b"); len(b) != 0 {
		t.Fatalf("after the last delete: b %v", b)
	}
	must(t, st.Close())
}

// A speculation that reads a record, changes it and writes it back moves
// its index entries from the keys the record had when read, also when it
// writes it twice (the second write's old keys are its first write's).
func TestSpeculativeReadChangeWriteMovesTheEntries(t *testing.T) {
	st := open(t, filepath.Join(t.TempDir(), "d.db"))
	st.Speculate("p")
	write := func(fn func(tx *store.Tx) error) {
		t.Helper()
		must(t, st.Update(context.Background(), "p", "t", fn))
	}
	write(func(tx *store.Tx) error {
		for _, id := range []string{"m1", "m2"} {
			if err := tx.Put("members", id, &covered{member{ID: id, Group: "a"}, 1}); err != nil {
				return err
			}
		}
		return nil
	})
	move := func(tx *store.Tx, id, to string) error {
		m := &covered{}
		if err := tx.Get("members", id, m); err != nil {
			return err
		}
		m.Group = to
		return tx.Put("members", id, m)
	}
	write(func(tx *store.Tx) error { return move(tx, "m1", "b") })
	if a, b := entries(t, st, "a"), entries(t, st, "b"); !slices.Equal(a, []string{"m2"}) || !slices.Equal(b, []string{"m1"}) {
		t.Fatalf("after a move: a %v, b %v", a, b)
	}
	write(func(tx *store.Tx) error {
		if err := move(tx, "m2", "b"); err != nil {
			return err
		}
		return move(tx, "m2", "c")
	})
	if a, b, c := entries(t, st, "a"), entries(t, st, "b"), entries(t, st, "c"); len(a) != 0 || !slices.Equal(b, []string{"m1"}) || !slices.Equal(c, []string{"m2"}) {
		t.Fatalf("after two moves in one write: a %v, b %v, c %v", a, b, c)
	}
	if applied, _, _ := st.SpeculationCounts(); applied < 3 {
		t.Fatalf("%d writes stored as speculated, want 3", applied)
	}
}
