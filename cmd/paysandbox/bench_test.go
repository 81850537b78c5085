package main

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkStartToReady measures what a CI job waits for: from exec of the
// built binary to the first 200 from /_sandbox/health, then to the first
// Klarna answer, and the idle RSS a second later. Run: go test -run '^$' -bench StartToReady ./cmd/paysandbox
// (BENCH_DATA=path starts on an existing data file, BENCH_ARGS adds flags).
func BenchmarkStartToReady(b *testing.B) {
	bin := binary(b)
	client := &http.Client{Timeout: time.Second}
	var total, firstAPI time.Duration
	var rssKB int64
	for i := 0; i < b.N; i++ {
		addr := freePort(b)
		data := filepath.Join(b.TempDir(), "p.db")
		if d := os.Getenv("BENCH_DATA"); d != "" { // an existing (large) data file
			data = d
		}
		args := []string{"--addr", addr, "--https-addr", freePort(b), "--data", data}
		if extra := os.Getenv("BENCH_ARGS"); extra != "" {
			args = append(args, strings.Fields(extra)...)
		}
		cmd := exec.Command(bin, args...)
		start := time.Now()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		for {
			resp, err := client.Get("http://" + addr + "/_sandbox/health")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					break
				}
			}
			if time.Since(start) > 10*time.Second {
				b.Fatal("not ready after 10s")
			}
			time.Sleep(200 * time.Microsecond)
		}
		total += time.Since(start)
		// A provider answer needs its OpenAPI file parsed (in the background
		// after ready): measure that too.
		req, _ := http.NewRequest("GET", "http://"+addr+"/payments/v1/sessions/none", nil)
		req.SetBasicAuth("PK_BENCH", "secret")
		resp, err := client.Do(req)
		if err != nil || resp.StatusCode != 404 {
			b.Fatalf("first Klarna answer: %v %v", err, resp)
		}
		resp.Body.Close()
		firstAPI += time.Since(start)
		if i == 0 {
			time.Sleep(time.Second)
			rssKB = vmRSS(b, cmd.Process.Pid)
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms-to-ready")
	b.ReportMetric(float64(firstAPI.Microseconds())/1000/float64(b.N), "ms-to-first-klarna-answer")
	b.ReportMetric(float64(rssKB)/1024, "MB-idle-rss")
}

func vmRSS(b *testing.B, pid int) int64 {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.ParseInt(f[1], 10, 64)
			return n
		}
	}
	return 0
}
