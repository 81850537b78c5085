package main

import (
	"runtime"
	"runtime/debug"
	"testing"
)

func TestProcsRiseOnceWhenBusy(t *testing.T) {
	before := runtime.GOMAXPROCS(0)
	t.Cleanup(func() { runtime.GOMAXPROCS(before) })
	gc := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(gc) })
	p := &procs{n: before + 2, gc: 777, above: 3}
	p.opened(3)
	if got := runtime.GOMAXPROCS(0); got != before {
		t.Fatalf("GOMAXPROCS %d after 3 open connections, want %d until more than 3", got, before)
	}
	p.opened(4)
	if got := runtime.GOMAXPROCS(0); got != before+2 {
		t.Fatalf("GOMAXPROCS %d after 4 open connections, want %d", got, before+2)
	}
	if got := debug.SetGCPercent(100); got != 777 {
		t.Fatalf("GOGC %d after 4 open connections, want 777", got)
	}
	runtime.GOMAXPROCS(before)
	p.opened(9) // once: an operator's later change is not undone
	if got := runtime.GOMAXPROCS(0); got != before {
		t.Fatalf("GOMAXPROCS raised twice: %d", got)
	}
	var none *procs
	none.opened(1 << 20) // the environment's GOMAXPROCS, or tests: no change, no panic
	if got := runtime.GOMAXPROCS(0); got != before {
		t.Fatalf("a nil procs changed GOMAXPROCS to %d", got)
	}
}

func TestRuntimeDefaultsLeaveTheEnvironmentsGOMAXPROCS(t *testing.T) {
	t.Cleanup(func() { busyProcs = nil })
	env := map[string]string{"GOGC": "100", "GOMEMLIMIT": "off", "GOMAXPROCS": "2"}
	runtimeDefaults(func(k string) string { return env[k] })
	if busyProcs != nil {
		t.Fatal("GOMAXPROCS=2 in the environment, yet the binary would raise it")
	}
	delete(env, "GOMAXPROCS")
	runtimeDefaults(func(k string) string { return env[k] })
	want := min(procsFactor*runtime.GOMAXPROCS(0), maxBusyProcs)
	if busyProcs == nil || busyProcs.n != want || busyProcs.gc != 0 || busyProcs.above != runtime.GOMAXPROCS(0) {
		t.Fatalf("busyProcs = %+v, want %d Ps above %d connections and the environment's GOGC", busyProcs, want, runtime.GOMAXPROCS(0))
	}
	gc := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(gc) })
	env = map[string]string{"GOMAXPROCS": "2"}
	runtimeDefaults(func(k string) string { return env[k] })
	if busyProcs == nil || busyProcs.n != 0 || busyProcs.gc != busyGCPercent {
		t.Fatalf("busyProcs = %+v, want GOGC %d when busy and the environment's GOMAXPROCS", busyProcs, busyGCPercent)
	}
	if got := debug.SetGCPercent(100); got != 400 {
		t.Fatalf("GOGC %d at start, want 400", got)
	}
}
