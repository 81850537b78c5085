// Command paysandbox runs the payment API emulator.
//
//	paysandbox [serve] [flags]   run the emulator (the default)
//	paysandbox health [--url U]  exit 0 when a running instance answers ready
//	paysandbox version           print the version
//	paysandbox ca [--pem]        where the local CA is and how to trust it
//	paysandbox scenarios list|validate FILE...
//	paysandbox snapshot save|load FILE [--tenant T] [--url U | --data F]
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	runtimeDefaults(os.Getenv)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the whole program, testable without a process.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		// The top-level help lists the subcommands, then serve's flags.
		fmt.Fprint(stdout, usage)
		fmt.Fprintln(stdout, "\nserve flags (each has a PAYSANDBOX_* environment twin):")
		printServeFlags(stdout, getenv)
		return 0
	}
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, getenv, stdout, stderr, nil)
	case "health":
		return health(ctx, args, getenv, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "paysandbox", version)
		return 0
	case "scenarios":
		return scenariosCmd(ctx, args, getenv, stdout, stderr)
	case "ca":
		return caCmd(ctx, args, getenv, stdout, stderr)
	case "snapshot":
		return snapshotCmd(ctx, args, getenv, stdout, stderr)
	case "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "paysandbox: unknown command %q\n%s", cmd, usage)
		return 2
	}
}

const usage = `usage:
  paysandbox [serve] [flags]   run the emulator (flags: paysandbox serve -h)
  paysandbox health [--url U]  exit 0 when a running instance answers ready
  paysandbox version           print the version
  paysandbox scenarios list    the built-in scenarios (and --scenarios DIR's)
  paysandbox scenarios validate FILE...   check scenario files
  paysandbox snapshot save FILE [--tenant T]  write a snapshot (of a data file or, with --url, a running instance)
  paysandbox snapshot load FILE               load a snapshot into a data file or, with --url, a running instance
  paysandbox help                  this text
`
