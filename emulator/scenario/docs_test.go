package scenario_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/paysandbox/paysandbox/emulator"
	"github.com/paysandbox/paysandbox/emulator/scenario"
)

// docTable returns the rows of the first Markdown table under heading.
func docTable(t *testing.T, doc, heading string) [][]string {
	t.Helper()
	i := strings.Index(doc, "\n"+heading+"\n")
	if i < 0 {
		t.Fatalf("docs/scenarios.md has no %q", heading)
	}
	var rows [][]string
	inTable := false
	for _, line := range strings.Split(doc[i+len(heading)+2:], "\n") {
		if strings.HasPrefix(line, "## ") {
			break
		}
		if !strings.HasPrefix(line, "|") {
			if inTable {
				break
			}
			continue
		}
		inTable = true
		cells := strings.Split(strings.Trim(line, "|"), "|") // these tables have no | inside cells
		for k := range cells {
			cells[k] = strings.TrimSpace(cells[k])
		}
		rows = append(rows, cells)
	}
	if len(rows) < 3 {
		t.Fatalf("no table under %q", heading)
	}
	return rows[2:] // past the header and the rule
}

var codeSpan = regexp.MustCompile("`([^`]*)`")

func unquote(s string) string { return strings.Trim(s, "`") }

// TestDocsMatchTheBuiltins: docs/scenarios.md lists every built-in, in
// order, with its provider and params, and every action of the catalogue;
// and every built-in is exercised by a test here.
func TestDocsMatchTheBuiltins(t *testing.T) {
	raw, err := os.ReadFile("../../docs/scenarios.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	set, err := scenario.Builtins(emulator.ScenarioCatalogue())
	if err != nil {
		t.Fatal(err)
	}

	rows := docTable(t, doc, "## Built-in scenarios")
	var documented []string
	for _, r := range rows {
		name := unquote(r[0])
		documented = append(documented, name)
		sc := set.Get(name)
		if sc == nil {
			t.Errorf("docs list %q, which is not a built-in", name)
			continue
		}
		if r[1] != sc.Provider {
			t.Errorf("%s: docs say provider %s, the file %s", name, r[1], sc.Provider)
		}
		var params []string
		for _, m := range codeSpan.FindAllStringSubmatch(r[2], -1) {
			params = append(params, m[1])
		}
		var want []string
		for k, v := range sc.Params {
			want = append(want, k+"="+v)
		}
		slices.Sort(params)
		slices.Sort(want)
		if !slices.Equal(params, want) {
			t.Errorf("%s: docs say params %v, the file %v", name, params, want)
		}
		if r[4] == "" {
			t.Errorf("%s: no description in the docs", name)
		}
	}
	var builtins []string
	for _, sc := range set.All() {
		builtins = append(builtins, sc.Name)
	}
	if !slices.Equal(documented, builtins) {
		t.Errorf("docs list\n%v\nthe built-ins are (in this order)\n%v", documented, builtins)
	}

	var actions, catalogue []string
	for _, r := range docTable(t, doc, "## Actions") {
		actions = append(actions, r[1]+"/"+unquote(r[0]))
	}
	for _, a := range emulator.ScenarioCatalogue().All() {
		p := a.Provider
		if p == "" {
			p = "any"
		}
		catalogue = append(catalogue, p+"/"+a.Name)
	}
	if !slices.Equal(actions, catalogue) {
		t.Errorf("docs list actions\n%v\nthe catalogue has\n%v", actions, catalogue)
	}

	// Every built-in is exercised by an end-to-end test of this package.
	var tests strings.Builder
	files, _ := filepath.Glob("*_e2e_test.go")
	for _, f := range files {
		b, _ := os.ReadFile(f)
		tests.Write(b)
	}
	for _, name := range builtins {
		if !strings.Contains(tests.String(), `"`+name+`"`) && !strings.Contains(tests.String(), `"`+name+`;`) {
			t.Errorf("no end-to-end test uses %s", name)
		}
	}
}
