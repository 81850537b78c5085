// Command kill9 checks that paysandbox keeps every write it acknowledged
// when killed with SIGKILL under write load.
//
//	go run ./scripts/kill9                 20 trials, 8 writers
//	go run ./scripts/kill9 -trials 50 -writers 16
//
// Each trial starts the built binary on one data file, runs writers that
// create Klarna payment sessions and MultiSafepay orders as fast as the
// emulator answers, kills the process with SIGKILL at a random moment, starts
// it again and reads back every write that was ever acknowledged (2xx) in
// this or an earlier trial. It prints the figures docs/reliability.md quotes
// and exits 1 if a single acknowledged write is lost or a 5xx is seen.
package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

type write struct{ kind, id string }

func main() {
	trials := flag.Int("trials", 20, "kill -9 trials")
	writers := flag.Int("writers", 8, "concurrent writers")
	minRun := flag.Duration("min", 300*time.Millisecond, "shortest load before the kill")
	maxRun := flag.Duration("max", 2*time.Second, "longest load before the kill")
	bin := flag.String("bin", "", "paysandbox binary (default: build ./cmd/paysandbox)")
	flag.Parse()

	dir, err := os.MkdirTemp("", "paysandbox-kill9-")
	check(err)
	defer func() { _ = os.RemoveAll(dir) }() // a temporary directory left behind fails nothing
	if *bin == "" {
		*bin = filepath.Join(dir, "paysandbox")
		cmd := exec.Command("go", "build", "-o", *bin, "./cmd/paysandbox")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		check(cmd.Run())
	}
	data := filepath.Join(dir, "paysandbox.db")

	var acked []write
	var serverErrors, unanswered atomic.Int64
	lost := 0
	for trial := 1; trial <= *trials; trial++ {
		proc, base := start(*bin, data)
		ctx, cancel := context.WithCancel(context.Background())
		var mu sync.Mutex
		var wg sync.WaitGroup
		for w := 0; w < *writers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				client := &http.Client{Timeout: 10 * time.Second}
				for n := 0; ctx.Err() == nil; n++ {
					kind := []string{"klarna", "multisafepay"}[n%2]
					id, status, err := create(ctx, client, base, kind, fmt.Sprintf("t%d-w%d-n%d", trial, w, n))
					switch {
					case err != nil:
						unanswered.Add(1) // in flight at the kill: never acknowledged
					case status >= 500:
						serverErrors.Add(1)
					case status < 300:
						mu.Lock()
						acked = append(acked, write{kind, id})
						mu.Unlock()
					}
				}
			}()
		}
		run := *minRun + rand.N(*maxRun-*minRun+1)
		time.Sleep(run)
		check(proc.Process.Signal(syscall.SIGKILL))
		cancel()
		_ = proc.Wait()
		wg.Wait()

		proc, base = start(*bin, data)
		missing := verify(base, acked)
		lost += missing
		fmt.Printf("trial %2d: killed after %v, %d acknowledged so far, %d missing\n", trial, run.Round(time.Millisecond), len(acked), missing)
		_ = proc.Process.Signal(syscall.SIGTERM)
		_ = proc.Wait()
	}
	fmt.Printf("\n%d trials, %d writers: %d acknowledged writes, %d lost, %d 5xx, %d requests cut off by the kill (not acknowledged)\n",
		*trials, *writers, len(acked), lost, serverErrors.Load(), unanswered.Load())
	if lost > 0 || serverErrors.Load() > 0 {
		os.Exit(1)
	}
}

var (
	klarnaAuth = "Basic " + base64.StdEncoding.EncodeToString([]byte("PK_TEST_kill9:secret"))
	mspKey     = "kill9-key"
)

func create(ctx context.Context, c *http.Client, base, kind, ref string) (string, int, error) {
	var req *http.Request
	var err error
	switch kind {
	case "klarna":
		body := fmt.Sprintf(`{"purchase_country":"SE","purchase_currency":"SEK","locale":"en-SE","order_amount":100,"order_tax_amount":0,`+
			`"merchant_reference1":%q,"order_lines":[{"name":"x","quantity":1,"unit_price":100,"total_amount":100}]}`, ref)
		req, err = http.NewRequestWithContext(ctx, "POST", base+"/payments/v1/sessions", bytes.NewBufferString(body))
		if err == nil {
			req.Header.Set("Authorization", klarnaAuth)
		}
	default:
		body := fmt.Sprintf(`{"type":"redirect","order_id":%q,"currency":"EUR","amount":1000,"description":"kill9"}`, ref)
		req, err = http.NewRequestWithContext(ctx, "POST", base+"/v1/json/orders", bytes.NewBufferString(body))
		if err == nil {
			req.Header.Set("api_key", mspKey)
		}
	}
	if err != nil {
		return "", 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", 0, err // cut off mid-answer: not acknowledged
	}
	var out struct {
		SessionID string `json:"session_id"`
		Data      struct {
			OrderID string `json:"order_id"`
		} `json:"data"`
	}
	_ = json.Unmarshal(raw, &out)
	id := out.SessionID
	if kind != "klarna" {
		id = out.Data.OrderID
	}
	if resp.StatusCode < 300 && id == "" {
		return "", resp.StatusCode, errors.New("acknowledged without an id")
	}
	return id, resp.StatusCode, nil
}

func verify(base string, acked []write) (missing int) {
	client := &http.Client{Timeout: 10 * time.Second}
	for _, w := range acked {
		var req *http.Request
		if w.kind == "klarna" {
			req, _ = http.NewRequest("GET", base+"/payments/v1/sessions/"+w.id, nil)
			req.Header.Set("Authorization", klarnaAuth)
		} else {
			req, _ = http.NewRequest("GET", base+"/v1/json/orders/"+w.id, nil)
			req.Header.Set("api_key", mspKey)
		}
		resp, err := client.Do(req)
		if err != nil {
			check(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body) // only the status counts
		resp.Body.Close()
		if resp.StatusCode != 200 {
			missing++
			fmt.Fprintf(os.Stderr, "lost: %s %s (%d)\n", w.kind, w.id, resp.StatusCode)
		}
	}
	return missing
}

func start(bin, data string) (*exec.Cmd, string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	addr := ln.Addr().String()
	_ = ln.Close() // only reserved a free port
	cmd := exec.Command(bin, "--addr", addr, "--https-addr", "off", "--data", data, "--log-level", "error")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	check(cmd.Start())
	base := "http://" + addr
	for i := 0; i < 2000; i++ {
		if resp, err := http.Get(base + "/_sandbox/health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return cmd, base
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	fmt.Fprintf(os.Stderr, "paysandbox did not start:\n%s", stderr.String())
	os.Exit(2)
	return nil, ""
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "kill9:", err)
		os.Exit(2)
	}
}
