package main

import (
	"runtime"
	"runtime/debug"
	"sync"
)

// runtimeDefaults sets the collector's and the scheduler's defaults; GOGC,
// GOMEMLIMIT and GOMAXPROCS in the environment win.
//
// The collector: a server that allocates per request and keeps little on
// the heap (records live in bbolt's mmap). GOGC 400 collects at five times
// the live heap instead of twice, which under wrk took the collector from
// about 17 % of the CPU to under 7 % and halved the read p99
// (docs/benchmarks.md), and a soft limit of 256 MiB makes it collect sooner
// before the heap gets large. Idle memory is unchanged: the heap is handed
// back after start-up and after each OpenAPI file's parse.
//
// When busy (below) the collector waits longer still: GOGC 1000, under the
// same soft limit. With the writes' CPU in the requests' goroutines
// (store/speculate.go) the durable creates' p99 fell by about a tenth
// (Klarna 5.5 -> 4.6 ms, MultiSafepay 7.8 -> 6.6, Commerce Layer's line
// item 13.9 -> 12.4; docs/benchmarks.md, "The collector when busy"); an
// idle instance keeps 400, which its memory figure was measured with.
func runtimeDefaults(getenv func(string) string) {
	busy := &procs{above: runtime.GOMAXPROCS(0)}
	if getenv("GOGC") == "" {
		debug.SetGCPercent(400)
		busy.gc = busyGCPercent
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(256 << 20)
	}
	if getenv("GOMAXPROCS") == "" {
		busy.n = min(procsFactor*runtime.GOMAXPROCS(0), maxBusyProcs)
	}
	if busy.n > 0 || busy.gc > 0 {
		busyProcs = busy
	}
}

const busyGCPercent = 1000

// The scheduler: six Ps per CPU (at most 32) once clients keep more
// connections open than there are CPUs. A durable write holds a thread in
// fdatasync, and a thread coming back from it, or one the kernel set aside
// to run a client on the same CPUs (wrk, a test runner, a browser), waits
// for a free P while ready requests wait behind it; spare Ps keep them
// moving. Measured with scripts/bench on two CPUs shared with wrk
// (docs/benchmarks.md, "Ps per CPU"): from 2 to 4, 6, 8 and 12 Ps the
// reads' p99 fell at each step (Klarna's from 12 ms to 3-4 ms, Commerce
// Layer's order from 28 to 9-13 ms) and the durable creates went as fast
// or faster, but for Commerce Layer's line item, whose work runs one write
// at a time on the committer (its p99 rose 1-3 ms). Raised at the first
// busy moment, not at start: the extra
// threads and their caches cost an idle instance a few hundred kilobytes,
// and the idle figure has no room for them.
const (
	procsFactor  = 6
	maxBusyProcs = 32
)

var busyProcs *procs // nil: GOMAXPROCS and GOGC were set by the environment, or not the binary (tests)

type procs struct {
	once  sync.Once
	n     int // GOMAXPROCS when busy (0: the environment's)
	gc    int // GOGC when busy (0: the environment's)
	above int // busy: more connections open than this
}

// opened is told how many connections are open once one more is accepted;
// safe on a nil *procs.
func (p *procs) opened(open int) {
	if p != nil && open > p.above {
		p.once.Do(func() {
			if p.n > 0 {
				runtime.GOMAXPROCS(p.n)
			}
			if p.gc > 0 {
				debug.SetGCPercent(p.gc)
			}
		})
	}
}
