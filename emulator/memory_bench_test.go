package emulator_test

import (
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"testing"

	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
)

// What the heap holds after 100,000 Klarna sessions, against the heap of
// the same instance idle (after start and one session). Reported as
// metrics, not asserted. With MEMPROFILE=path the heap after the run is
// written there (go tool pprof -sample_index=inuse_space). Run:
//
//	go test -run '^$' -bench HeapAfterSessions -benchtime 1x ./emulator
func BenchmarkHeapAfterSessions(b *testing.B) {
	const sessions = 100_000
	for i := 0; i < b.N; i++ {
		h := sandboxtest.InProcess(b).Handler() // every OpenAPI file parsed: part of idle
		createSession(b, h)
		idle := heapInUse()
		var wg sync.WaitGroup
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := 0; j < sessions/8; j++ {
					createSession(b, h)
				}
			}()
		}
		wg.Wait()
		after := heapInUse()
		b.ReportMetric(float64(idle)/1e6, "idle-MB")
		b.ReportMetric(float64(after)/1e6, "after-MB")
		b.ReportMetric(float64(after-idle)/1e6, "grown-MB")
		if p := os.Getenv("MEMPROFILE"); p != "" {
			f, err := os.Create(p)
			if err != nil {
				b.Fatal(err)
			}
			_ = pprof.WriteHeapProfile(f)
			f.Close()
		}
	}
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
