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
// Klarna answer, and the idle RSS a second later. Each OpenAPI file is parsed
// when its provider gets its first request, so the first run also reports
// the idle RSS with nothing parsed (a second after health), and, after one
// request to each of MultiSafepay and Commerce Layer, with every provider's
// file parsed, and how long Commerce Layer's first request took (it waits
// for its file). Run: go test -run '^$' -bench StartToReady ./cmd/paysandbox
// (BENCH_DATA=path starts on an existing data file, BENCH_ARGS adds flags,
// BENCH_BIN=path runs that binary instead of building this tree's, to
// compare two builds in the same hour).
func BenchmarkStartToReady(b *testing.B) {
	bin := os.Getenv("BENCH_BIN")
	if bin == "" {
		bin = binary(b)
	}
	client := &http.Client{Timeout: 5 * time.Second}
	var total, firstAPI, firstCL time.Duration
	var rssKB, rssNoneKB, rssAllKB int64
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
		ready := time.Since(start)
		total += ready
		if i == 0 {
			time.Sleep(time.Second)
			rssNoneKB = vmRSS(b, cmd.Process.Pid)
		}
		// A provider answer needs its OpenAPI file parsed (by that first
		// request): measure that too, as if sent at ready.
		req, _ := http.NewRequest("GET", "http://"+addr+"/payments/v1/sessions/none", nil)
		req.SetBasicAuth("PK_BENCH", "secret")
		sent := time.Now()
		resp, err := client.Do(req)
		if err != nil || resp.StatusCode != 404 {
			b.Fatalf("first Klarna answer: %v %v", err, resp)
		}
		resp.Body.Close()
		firstAPI += ready + time.Since(sent)
		if i == 0 {
			time.Sleep(time.Second)
			rssKB = vmRSS(b, cmd.Process.Pid)
			firstCL = firstOthers(b, client, addr)
			time.Sleep(time.Second)
			rssAllKB = vmRSS(b, cmd.Process.Pid)
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms-to-ready")
	b.ReportMetric(float64(firstAPI.Microseconds())/1000/float64(b.N), "ms-to-first-klarna-answer")
	b.ReportMetric(float64(rssKB)/1024, "MB-idle-rss")
	b.ReportMetric(float64(rssNoneKB)/1024, "MB-idle-rss-nothing-parsed")
	b.ReportMetric(float64(rssAllKB)/1024, "MB-idle-rss-all-parsed")
	b.ReportMetric(float64(firstCL.Microseconds())/1000, "ms-first-commercelayer-answer")
}

// firstOthers sends MultiSafepay's and Commerce Layer's first requests (each
// parses its provider's file) and returns how long Commerce Layer's took.
func firstOthers(b *testing.B, client *http.Client, addr string) time.Duration {
	resp, err := client.Get("http://" + addr + "/v1/json/orders/none?api_key=bench")
	if err != nil || resp.StatusCode != 404 {
		b.Fatalf("first MultiSafepay answer: %v %v", err, resp)
	}
	resp.Body.Close()
	sent := time.Now()
	resp, err = client.PostForm("http://"+addr+"/oauth/token", map[string][]string{
		"grant_type": {"client_credentials"}, "client_id": {"bench"}, "client_secret": {"bench"}})
	if err != nil || resp.StatusCode != 200 {
		b.Fatalf("first Commerce Layer answer: %v %v", err, resp)
	}
	resp.Body.Close()
	return time.Since(sent)
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
