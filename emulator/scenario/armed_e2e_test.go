package scenario_test

import (
	"net/http"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"github.com/paysandbox/paysandbox/emulator"
	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
)

// TestConcurrentTakesAreSavedAsTheyHappened: armed state is saved outside
// the engine's mutex, so concurrent requests save in any order; what the
// store holds after them is still the newest state. A restart shows the
// same arming, and exactly the runs left still apply.
func TestConcurrentTakesAreSavedAsTheyHappened(t *testing.T) {
	const times, first = 30, 20
	path := filepath.Join(t.TempDir(), "armed.db")
	cfg := sandboxtest.WithConfig(func(c *emulator.Config) { c.DataPath = path })
	sb := start(t, cfg)
	arm(t, sb, "msp-invalid-api-key", obj{"tenant": mspKey, "times": times})

	var wg sync.WaitGroup
	statuses := make(chan int, first)
	for i := 0; i < first; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses <- msp(t, sb, http.MethodGet, "/gateways", nil).Status
		}()
	}
	wg.Wait()
	close(statuses)
	for s := range statuses {
		if s != http.StatusUnauthorized {
			t.Fatalf("a call while armed answered %d", s)
		}
	}
	before := admin(t, sb, http.MethodGet, "/scenarios/armed", nil).JSON(t)
	sb.Server.Close()
	if err := sb.Emulator.Close(); err != nil {
		t.Fatal(err)
	}

	again := start(t, cfg)
	after := admin(t, again, http.MethodGet, "/scenarios/armed", nil).JSON(t)
	if !reflect.DeepEqual(after, before) {
		t.Fatalf("armed after a restart\n%v\nbefore it\n%v", after, before)
	}
	for i := first; i < times; i++ {
		sandboxtest.WantStatus(t, msp(t, again, http.MethodGet, "/gateways", nil), http.StatusUnauthorized)
	}
	sandboxtest.WantStatus(t, msp(t, again, http.MethodGet, "/gateways", nil), http.StatusOK)
}
