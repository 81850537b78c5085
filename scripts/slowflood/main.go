// Command slowflood checks that health answers while slow clients hold every
// connection: it builds the binary, starts it under a 1,024 descriptor limit
// (a common container default), opens N connections that each send a request
// head and then one body byte every few seconds, and probes
// /_sandbox/health while they hang. Usage:
//
//	go run ./scripts/slowflood [-conns 1100] [-probes 10]
//
// It prints each probe's status and time and exits 1 if any probe failed.
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

func main() {
	conns := flag.Int("conns", 1100, "slow connections to hold open")
	probes := flag.Int("probes", 10, "health probes, one a second")
	fdLimit := flag.Int("fd-limit", 1024, "the emulator's descriptor limit")
	flag.Parse()
	if err := run(*conns, *probes, *fdLimit); err != nil {
		fmt.Fprintln(os.Stderr, "slowflood:", err)
		os.Exit(1)
	}
}

func run(conns, probes, fdLimit int) error {
	// This process needs a descriptor per slow connection.
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err == nil && lim.Cur < uint64(conns+256) {
		lim.Cur = min(lim.Max, uint64(conns+256))
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
	dir, err := os.MkdirTemp("", "slowflood-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dir) }() // a temporary directory left behind fails nothing
	bin := filepath.Join(dir, "paysandbox")
	build := exec.Command("go", "build", "-o", bin, "./cmd/paysandbox")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	_ = ln.Close() // only reserved a free port
	srv := exec.Command("sh", "-c", fmt.Sprintf(`ulimit -n %d && exec "$0" --addr %s --https-addr off --ephemeral --quiet`, fdLimit, addr), bin)
	if err := srv.Start(); err != nil {
		return err
	}
	defer func() { _ = srv.Process.Kill(); _ = srv.Wait() }()
	client := &http.Client{Timeout: 5 * time.Second}
	health := "http://" + addr + "/_sandbox/health"
	for i := 0; ; i++ {
		if resp, err := client.Get(health); err == nil {
			resp.Body.Close()
			break
		}
		if i > 100 {
			return fmt.Errorf("the emulator did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}

	var held []net.Conn
	for i := 0; i < conns; i++ {
		c, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err != nil {
			continue // refused at the door: counted below
		}
		_, _ = c.Write([]byte("POST /v1/json/orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"))
		held = append(held, c)
	}
	defer func() {
		for _, c := range held {
			_ = c.Close() // the flood is over
		}
	}()
	fmt.Printf("%d slow connections open (%d dials failed), emulator at a %d descriptor limit\n", len(held), conns-len(held), fdLimit)
	failed := 0
	for p := 0; p < probes; p++ {
		start := time.Now()
		resp, err := client.Get(health)
		took := time.Since(start).Round(time.Millisecond)
		if err != nil {
			failed++
			fmt.Printf("probe %d: %v (%s)\n", p+1, err, took)
		} else {
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				failed++
			}
			fmt.Printf("probe %d: %d (%s)\n", p+1, resp.StatusCode, took)
		}
		for _, c := range held {
			_, _ = c.Write([]byte(" ")) // one more byte, slowly
		}
		time.Sleep(time.Second)
	}
	fmt.Printf("%d of %d probes answered 200\n", probes-failed, probes)
	if failed > 0 {
		return fmt.Errorf("%d probes failed", failed)
	}
	return nil
}
