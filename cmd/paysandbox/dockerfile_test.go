package main

import (
	"os"
	"strings"
	"testing"
)

// No Docker engine runs in CI, so the image's promises are checked where they
// are written; TestBinaryRunsInAnEmptyRootFilesystem proves the binary needs
// nothing else.
func TestDockerfileBuildsAStaticNonRootImageWithAHealthcheck(t *testing.T) {
	raw, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	df := string(raw)
	for _, want := range []string{
		"CGO_ENABLED=0 go build",
		"\nFROM scratch\n",
		"\nUSER 65532:65532\n",
		"\nVOLUME /data\n",
		"\nEXPOSE 8910 8911\n",
		`HEALTHCHECK --interval=5s --timeout=3s --start-period=2s --retries=3 CMD ["/paysandbox", "health"]`,
		"PAYSANDBOX_DATA=/data/paysandbox.db",
	} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	if strings.Count(df, "\nFROM ") != 2 || !strings.HasPrefix(strings.TrimLeft(df[strings.Index(df, "FROM"):], " "), "FROM golang:") {
		t.Errorf("want a two-stage build: golang, then scratch")
	}
}
