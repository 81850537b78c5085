// Command floor is a server that does nothing but a fixed amount of CPU a
// request and an answer of a given size: run it under the same wrk as
// scripts/bench to see what p99 this machine gives a request that costs
// that much, with nothing else in the way (docs/benchmarks.md, "Where a
// request's time goes"):
//
//	go build -o /tmp/floor ./scripts/floor
//	GOMAXPROCS=12 GOGC=1000 GOMEMLIMIT=256MiB /tmp/floor -cpu 60us -bytes 20000 -maps 3 &
//	wrk -t2 -c32 -d4s --latency http://127.0.0.1:18930/
//
// (the Ps and the collector's settings are paysandbox's once busy, on two
// CPUs; cmd/paysandbox/runtime.go).
//
// -maps allocates that many 130-entry maps a request (a Commerce Layer
// order document made that many before its attributes were by position).
package main

import (
	"bytes"
	"flag"
	"log"
	"net/http"
	"runtime"
	"strconv"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18930", "listen address")
	cpu := flag.Duration("cpu", 60*time.Microsecond, "CPU time a request spends")
	size := flag.Int("bytes", 20000, "size of the answer")
	nmaps := flag.Int("maps", 0, "130-entry maps allocated a request")
	flag.Parse()

	// Calibrate a loop of CPU work (not a wait on the clock: a request the
	// kernel sets aside takes longer, as a real one does).
	const calib = 50_000_000
	start := time.Now()
	parity := spin(calib) & 1 // used below, so the loop is not left out
	iters := int(float64(calib) * float64(*cpu) / float64(time.Since(start)))

	names := make([]string, 130)
	for i := range names {
		names[i] = "attribute_name_" + strconv.Itoa(i)
	}
	body := bytes.Repeat([]byte("x"), *size)
	http.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		for range *nmaps {
			m := make(map[string]any, len(names)+8)
			for i, n := range names {
				m[n] = int64(i * 1000)
			}
			runtime.KeepAlive(m)
		}
		x := spin(iters)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Spin", strconv.Itoa(x&1)) // the loop's result is used
		_, _ = w.Write(body)
	})
	log.Printf("floor: %v of CPU (%d iterations, parity %d), %d bytes, %d maps a request on %s", *cpu, iters, parity, *size, *nmaps, *addr)
	log.Fatal(http.ListenAndServe(*addr, nil))
}

func spin(n int) int {
	x := 0
	for j := 0; j < n; j++ {
		x += j * j
	}
	return x
}
