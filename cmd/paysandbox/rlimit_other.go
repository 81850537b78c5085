//go:build !unix

package main

// fdLimit is unknown here: connLimits picks a fixed ceiling.
func fdLimit() uint64 { return 0 }
