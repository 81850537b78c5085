// Package scenarios holds the built-in scenario files, embedded in the
// binary. docs/scenarios.md is their reference.
package scenarios

import "embed"

// FS holds every built-in scenario file.
//
//go:embed *.yaml
var FS embed.FS
