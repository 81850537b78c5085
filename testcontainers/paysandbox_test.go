package paysandbox_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	tcexec "github.com/testcontainers/testcontainers-go/exec"

	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
	paysandbox "github.com/paysandbox/paysandbox/testcontainers"
)

// Docker is not available where this suite runs, so the parts of Run that
// are ours - the wait strategy and the URLs - run against the built binary
// through a stand-in for the container (a process and its port).

func TestMain(m *testing.M) {
	code := m.Run()
	sandboxtest.RemoveBinary()
	os.Exit(code)
}

// binary is the clone's paysandbox, which the replace line points at.
func binary(t *testing.T) string { return sandboxtest.Binary(t, "../cmd/paysandbox") }

// process is a StrategyTarget for a local process listening on port: what
// a container with 8910/tcp mapped to port looks like to a wait strategy.
type process struct {
	port int
	mu   sync.Mutex
	cmd  *exec.Cmd
	done bool
	code int
}

func (p *process) Host(context.Context) (string, error) { return "localhost", nil }
func (p *process) MappedPort(_ context.Context, port string) (network.Port, error) {
	if port != paysandbox.HTTPPort {
		return network.Port{}, fmt.Errorf("port %s is not exposed", port)
	}
	mp, ok := network.PortFrom(uint16(p.port), network.TCP)
	if !ok {
		return network.Port{}, errors.New("bad port")
	}
	return mp, nil
}
func (p *process) State(context.Context) (*container.State, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done {
		return &container.State{Status: container.StateExited, ExitCode: p.code}, nil
	}
	return &container.State{Status: container.StateRunning, Running: true}, nil
}
func (p *process) Inspect(context.Context) (*container.InspectResponse, error) {
	return nil, errors.New("not a container")
}
func (p *process) Ports(context.Context) (network.PortMap, error) {
	return nil, errors.New("not a container")
}
func (p *process) Logs(context.Context) (io.ReadCloser, error) {
	return io.NopCloser(strings.NewReader("")), nil
}
func (p *process) Exec(context.Context, []string, ...tcexec.ProcessOption) (int, io.Reader, error) {
	return 0, nil, errors.New("not a container")
}
func (p *process) CopyFileFromContainer(context.Context, string) (io.ReadCloser, error) {
	return nil, errors.New("not a container")
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// run starts the binary as the image's entrypoint would, with DefaultArgs,
// after delay (so the wait strategy polls a port nobody listens on yet).
func run(t *testing.T, delay time.Duration, extra ...string) *process {
	t.Helper()
	p := &process{port: freePort(t)}
	args := append(append([]string{}, paysandbox.DefaultArgs...), "--addr", "127.0.0.1:"+strconv.Itoa(p.port))
	p.cmd = exec.Command(binary(t), append(args, extra...)...)
	start := func() {
		if err := p.cmd.Start(); err != nil {
			t.Error(err)
			return
		}
		go func() {
			err := p.cmd.Wait()
			p.mu.Lock()
			p.done, p.code = true, p.cmd.ProcessState.ExitCode()
			p.mu.Unlock()
			_ = err
		}()
	}
	if delay == 0 {
		start()
	} else {
		time.AfterFunc(delay, start)
	}
	t.Cleanup(func() {
		time.Sleep(delay)
		if p.cmd.Process != nil {
			_ = p.cmd.Process.Kill()
		}
	})
	return p
}

func TestWaitStrategyWaitsForTheBinaryThenURLsWork(t *testing.T) {
	p := run(t, 300*time.Millisecond, "--seed", "7")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	began := time.Now()
	if err := paysandbox.WaitStrategy().WaitUntilReady(ctx, p); err != nil {
		t.Fatalf("wait: %v", err)
	}
	if time.Since(began) < 300*time.Millisecond {
		t.Fatal("ready before the process started")
	}
	base, err := paysandbox.BaseURL(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	u := paysandbox.URLsFor(base + "/")
	if u.Base != "http://localhost:"+strconv.Itoa(p.port) || u.MultiSafepay != u.Base+"/v1/json" || u.Klarna != u.Base ||
		u.CommerceLayer != u.Base || u.Health != u.Base+"/_sandbox/health" {
		t.Fatalf("URLs %+v", u)
	}

	c := sandboxtest.CheckingClient(t, nil)
	call := func(method, url string, hdr ...string) (int, string) {
		req, _ := http.NewRequest(method, url, strings.NewReader(""))
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := call(http.MethodGet, u.Health); code != 200 || !strings.Contains(body, `"ready"`) {
		t.Errorf("health: %d %s", code, body)
	}
	if code, body := call(http.MethodGet, u.MultiSafepay+"/gateways", "api_key", "tc-key"); code != 200 || !strings.Contains(body, `"success":true`) {
		t.Errorf("MultiSafepay: %d %s", code, body)
	}
	if code, body := call(http.MethodGet, u.Klarna+"/payments/v1/sessions/nope", "Authorization", "Basic UEtfVEVTVF90Yzpz"); code != 404 || !strings.Contains(body, "error_code") {
		t.Errorf("Klarna: %d %s", code, body)
	}
	if code, body := call(http.MethodGet, u.CommerceLayer+"/api/orders"); code != 401 || !strings.Contains(body, "errors") {
		t.Errorf("Commerce Layer: %d %s", code, body)
	}
}

func TestWaitStrategyKeepsWaitingUntilReady(t *testing.T) {
	status := "starting"
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if r.URL.Path != "/_sandbox/health" {
			http.NotFound(w, r)
			return
		}
		if status == "ready" {
			fmt.Fprint(w, `{"status":"ready"}`)
			return
		}
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, `{"status":%q}`, status)
	}))
	defer srv.Close()
	port, _ := strconv.Atoi(srv.URL[strings.LastIndex(srv.URL, ":")+1:])
	p := &process{port: port}

	// 503 and a 200 that is not "ready" both keep it waiting.
	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	err := paysandbox.WaitStrategy().WaitUntilReady(ctx, p)
	cancel()
	if err == nil {
		t.Fatal("ready while the health endpoint says starting")
	}
	if paysandbox.Ready(strings.NewReader(`{"status":"stopping"}`)) || paysandbox.Ready(strings.NewReader(`not json`)) || !paysandbox.Ready(strings.NewReader(`{"status":"ready"}`)) {
		t.Fatal("Ready reads the body wrongly")
	}
	time.AfterFunc(200*time.Millisecond, func() { mu.Lock(); status = "ready"; mu.Unlock() })
	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := paysandbox.WaitStrategy().WaitUntilReady(ctx, p); err != nil {
		t.Fatalf("never ready: %v", err)
	}
}

func TestWaitStrategyStopsWhenTheProcessExits(t *testing.T) {
	// A bad flag: the entrypoint exits 2 at once.
	p := run(t, 0, "--log-format", "xml")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := paysandbox.WaitStrategy().WaitUntilReady(ctx, p)
	if err == nil || !strings.Contains(err.Error(), "exited with code 2") {
		t.Fatalf("want the exit reported, got %v", err)
	}
}
