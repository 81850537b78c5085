// Package openapi embeds our own OpenAPI files: the contract that requests are
// validated against and that tests check every response against.
package openapi

import "embed"

// FS holds every *.yaml file of this folder.
//
//go:embed *.yaml
var FS embed.FS
