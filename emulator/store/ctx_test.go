package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/emulator/store"
)

func exists(t *testing.T, s *store.Store, id string) bool {
	t.Helper()
	var ok bool
	must(t, s.View(context.Background(), "klarna", "acme", func(tx *store.Tx) error { ok = tx.Exists("sessions", id); return nil }))
	return ok
}

func TestCancelledContextWritesAndReadsNothing(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "p.db"))
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	err := s.Update(ctx, "klarna", "acme", func(tx *store.Tx) error { ran = true; return tx.Put("sessions", "s1", rec{Name: "x"}) })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Update: want context.Canceled, got %v", err)
	}
	err = s.SysUpdate(ctx, func(tx *store.Tx) error { ran = true; return tx.Sys("jobs-x").Put("k", rec{}) })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("SysUpdate: want context.Canceled, got %v", err)
	}
	err = s.View(ctx, "klarna", "acme", func(*store.Tx) error { ran = true; return nil })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("View: want context.Canceled, got %v", err)
	}
	if err := s.SysView(ctx, func(*store.Tx) error { ran = true; return nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("SysView: want context.Canceled, got %v", err)
	}
	if _, err := s.Ref(ctx, "klarna", "k", "key"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Ref: want context.Canceled, got %v", err)
	}
	if ran {
		t.Fatal("a function ran under a cancelled context")
	}
	if exists(t, s, "s1") {
		t.Fatal("a cancelled write was stored")
	}
}

// A write cancelled while it waits behind a committing one returns at once,
// without running; the committing one completes although its own context
// ends meanwhile.
func TestWriteCancelledBeforeItsCommitIsDropped(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "p.db"))
	defer s.Close()

	firstCtx, cancelFirst := context.WithCancel(context.Background())
	defer cancelFirst()
	started, release := make(chan struct{}), make(chan struct{})
	firstDone := make(chan error, 1)
	go func() {
		firstDone <- s.Update(firstCtx, "klarna", "acme", func(tx *store.Tx) error {
			select {
			case <-started:
			default:
				close(started)
			}
			<-release
			return tx.Put("sessions", "first", rec{Name: "first"})
		})
	}()
	<-started // the committer is inside the first write's group

	ctx, cancel := context.WithCancel(context.Background())
	secondDone := make(chan error, 1)
	ranSecond := make(chan struct{}, 1)
	go func() {
		secondDone <- s.Update(ctx, "klarna", "acme", func(tx *store.Tx) error {
			ranSecond <- struct{}{}
			return tx.Put("sessions", "second", rec{Name: "second"})
		})
	}()
	time.Sleep(20 * time.Millisecond) // let it queue
	cancel()
	select {
	case err := <-secondDone:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("queued write: want context.Canceled, got %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a cancelled queued write still waited for the commit ahead of it")
	}

	cancelFirst() // too late: its group is committing
	close(release)
	if err := <-firstDone; err != nil {
		t.Fatalf("committing write: %v", err)
	}
	select {
	case <-ranSecond:
		t.Fatal("the dropped write's function ran")
	default:
	}
	if !exists(t, s, "first") {
		t.Fatal("the committing write was not stored")
	}
	if exists(t, s, "second") {
		t.Fatal("the dropped write was stored")
	}
	// The store goes on committing.
	must(t, s.Update(context.Background(), "klarna", "acme", func(tx *store.Tx) error { return tx.Put("sessions", "third", rec{}) }))
	if !exists(t, s, "third") {
		t.Fatal("a write after a dropped one was not stored")
	}
}

func TestTagInContextReachesTheTransaction(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "p.db"))
	defer s.Close()
	ctx := store.WithTag(context.Background(), "klarna/webhook-timeout")
	var tag, sysTag, untagged string
	must(t, s.Update(ctx, "klarna", "acme", func(tx *store.Tx) error { tag = tx.Tag(); return nil }))
	must(t, s.SysUpdate(ctx, func(tx *store.Tx) error { sysTag = tx.Tag(); return nil }))
	must(t, s.Update(context.Background(), "klarna", "acme", func(tx *store.Tx) error { untagged = tx.Tag(); return nil }))
	if tag != "klarna/webhook-timeout" || sysTag != "klarna/webhook-timeout" {
		t.Fatalf("Tx.Tag = %q (Update), %q (SysUpdate); want the context's tag", tag, sysTag)
	}
	if untagged != "" {
		t.Fatalf("an untagged write answers Tx.Tag %q", untagged)
	}
}
