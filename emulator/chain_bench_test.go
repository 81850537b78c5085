package emulator_test

import "testing"

// The create's CPU without the disk: fsync off, so the request chain and the
// domain work are what is timed (BenchmarkKlarnaCreateSession waits for the
// fdatasyncs too).
func BenchmarkKlarnaCreateSessionNoSync(b *testing.B) {
	h := newBench(b, true)
	b.ReportAllocs()
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			createSession(b, h)
		}
	})
}
