package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/paysandbox/paysandbox/emulator"
	"github.com/paysandbox/paysandbox/emulator/scenario"
)

const scenariosUsage = `usage:
  paysandbox scenarios list [--scenarios DIR]   the built-in scenarios (and DIR's)
  paysandbox scenarios validate FILE...         check scenario files as --scenarios would
`

// scenariosCmd is `paysandbox scenarios list|validate`.
func scenariosCmd(_ context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, scenariosUsage)
		return 2
	}
	switch args[0] {
	case "list":
		return scenariosList(args[1:], getenv, stdout, stderr)
	case "validate":
		return scenariosValidate(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, scenariosUsage)
		return 0
	}
	fmt.Fprintf(stderr, "paysandbox scenarios: unknown command %q\n%s", args[0], scenariosUsage)
	return 2
}

func scenariosList(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("paysandbox scenarios list", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("scenarios", getenv("PAYSANDBOX_SCENARIOS"), "directory of your own scenario files (env PAYSANDBOX_SCENARIOS)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "paysandbox scenarios list: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	set, err := scenario.Load(*dir, emulator.ScenarioCatalogue())
	if err != nil {
		fmt.Fprintln(stderr, "paysandbox:", err)
		return 1
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tPROVIDER\tSOURCE\tDESCRIPTION")
	for _, sc := range set.All() {
		src := "built-in"
		if !sc.Builtin {
			src = sc.Where()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", sc.Name, sc.Provider, src, firstSentence(sc.Description))
	}
	_ = tw.Flush()
	fmt.Fprintln(stdout, "\nUse one with the header \"Sandbox-Scenario: <name>\" or arm it: POST /_sandbox/scenarios/<name>/arm {\"tenant\":\"...\"}.")
	return 0
}

func scenariosValidate(files []string, stdout, stderr io.Writer) int {
	if len(files) == 0 {
		fmt.Fprint(stderr, "paysandbox scenarios validate: name at least one file\n"+scenariosUsage)
		return 2
	}
	n, err := scenario.ValidateFiles(emulator.ScenarioCatalogue(), files...)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	fmt.Fprintf(stdout, "ok: %d scenario(s) in %d file(s)\n", n, len(files))
	return 0
}

// firstSentence shortens a description for a one-line listing.
func firstSentence(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if i := strings.Index(s, ". "); i >= 0 {
		s = s[:i+1]
	}
	return s
}
