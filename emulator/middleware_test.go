package emulator

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A recovered panic answers 500 and is logged with its stack, so the bug
// can be found from the log alone.
func TestRecoveredPanicIsLoggedWithItsStack(t *testing.T) {
	var logs syncBuffer
	e, err := New(Config{DataPath: filepath.Join(t.TempDir(), "p.db"), NoSync: true, Seed: 1,
		Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	srv := httptest.NewServer(e.middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panicInAHandler()
	})))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/boom")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("status %d", resp.StatusCode)
	}
	out := logs.String()
	if !strings.Contains(out, `"panic":"boom"`) || !strings.Contains(out, `"stack":"goroutine`) || !strings.Contains(out, "panicInAHandler") {
		t.Fatalf("log: %s", out)
	}
}

func panicInAHandler() { panic("boom") }
