package sandboxtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// built is the paysandbox binary of this test process, built once.
var built struct {
	once      sync.Once
	dir, path string
	err       error
}

// Binary builds the paysandbox command at cmdDir (a directory path to
// cmd/paysandbox, relative to the test's package) once per test process,
// static and with -trimpath as releases are, and returns the binary's
// path. Call RemoveBinary from TestMain when the tests are done.
func Binary(t testing.TB, cmdDir string) string {
	t.Helper()
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "paysandbox-bin-"); built.err != nil {
			return
		}
		built.path = filepath.Join(built.dir, "paysandbox")
		cmd := exec.Command("go", "build", "-trimpath", "-o", built.path, ".")
		cmd.Dir = cmdDir
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
}

// RemoveBinary deletes what Binary built.
func RemoveBinary() {
	if built.dir != "" {
		_ = os.RemoveAll(built.dir)
	}
}
