package scenario

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/paysandbox/paysandbox/emulator/platform"
)

// The YAML reading every part of a scenario file shares: mappings with
// known keys only, typed scalars, and errors that name file, line and column.

var yamlLine = regexp.MustCompile(`line (\d+)`)

// ParseFile reads the scenarios of one file: one per YAML document
// (documents are separated by ---); providers and actions are checked
// against cat.
func ParseFile(name string, data []byte, cat Catalogue) ([]*Scenario, error) {
	p := &parser{file: name, cat: cat}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var out []*Scenario
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line := 0
			if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
				line, _ = strconv.Atoi(m[1])
			}
			msg := strings.TrimPrefix(err.Error(), "yaml: ")
			msg = strings.TrimPrefix(msg, fmt.Sprintf("line %d: ", line))
			p.errs = append(p.errs, &FileError{File: name, Line: line, Msg: "not valid YAML: " + msg})
			break
		}
		if len(doc.Content) == 0 || (doc.Content[0].Kind == yaml.ScalarNode && doc.Content[0].Tag == "!!null") {
			continue // an empty document
		}
		if sc := p.scenario(doc.Content[0]); sc != nil {
			out = append(out, sc)
		}
	}
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	if len(out) == 0 {
		return nil, Errors{{File: name, Msg: "no scenario in this file"}}
	}
	return out, nil
}

type parser struct {
	file string
	cat  Catalogue
	errs Errors
	// per scenario
	refs []paramRef
}

type paramRef struct {
	name string
	node *yaml.Node
}

func (p *parser) errf(n *yaml.Node, format string, args ...any) {
	e := &FileError{File: p.file, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Col = n.Line, n.Column
	}
	p.errs = append(p.errs, e)
}

func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// fields walks a mapping, calling the handler of each key and refusing
// unknown or repeated keys.
func (p *parser) fields(n *yaml.Node, what string, handlers map[string]func(k, v *yaml.Node)) bool {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		p.errf(n, "%s must be a mapping (key: value lines)", what)
		return false
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		h, ok := handlers[k.Value]
		if !ok {
			known := make([]string, 0, len(handlers))
			for key := range handlers {
				known = append(known, key)
			}
			slices.Sort(known)
			msg := fmt.Sprintf("unknown key %q in %s", k.Value, what)
			if s := closest(k.Value, known); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			p.errf(k, "%s; known keys: %s", msg, strings.Join(known, ", "))
			continue
		}
		if seen[k.Value] {
			p.errf(k, "%s has %q twice", what, k.Value)
			continue
		}
		seen[k.Value] = true
		h(k, v)
	}
	return true
}

// each reads every item of a sequence with read.
func each[T any](seq *yaml.Node, read func(*yaml.Node) T) []T {
	out := make([]T, 0, len(seq.Content))
	for _, c := range seq.Content {
		out = append(out, read(resolve(c)))
	}
	return out
}

// closest is the candidate within edit distance 2 of s, if any.
func closest(s string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if d := editDistance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func (p *parser) str(n *yaml.Node, what string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		p.errf(n, "%s must be a single value", what)
		return "", false
	}
	p.collectRefs(n)
	return n.Value, true
}

func (p *parser) integer(n *yaml.Node, what string, lo, hi int) (int, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
		p.errf(n, "%s must be a whole number", what)
		return 0, false
	}
	v, err := strconv.Atoi(n.Value)
	if err != nil || v < lo || v > hi {
		p.errf(n, "%s must be a whole number from %d to %d", what, lo, hi)
		return 0, false
	}
	return v, true
}

func (p *parser) number(n *yaml.Node, what string) (float64, bool) {
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") {
		p.errf(n, "%s must be a number", what)
		return 0, false
	}
	v, err := strconv.ParseFloat(n.Value, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		p.errf(n, "%s must be a number", what)
		return 0, false
	}
	return v, true
}

func (p *parser) boolean(n *yaml.Node, what string) (bool, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		p.errf(n, "%s must be true or false", what)
		return false, false
	}
	return n.Value == "true", true
}

// maxDuration bounds every duration a scenario sets for requests.
const maxDuration = 10 * time.Minute

func (p *parser) duration(n *yaml.Node, what string, max time.Duration) (time.Duration, bool) {
	s, ok := p.str(n, what)
	if !ok {
		return 0, false
	}
	d, err := platform.ParseDuration(s)
	if err != nil || d < 0 || d > max {
		p.errf(n, "%s must be a duration from 0 to %s, like 250ms, 2s or 5m", what, max)
		return 0, false
	}
	return d, true
}

// strList is one value or a list of values.
func (p *parser) strList(n *yaml.Node, what string) []string {
	if n.Kind == yaml.SequenceNode {
		var out []string
		for _, c := range n.Content {
			if s, ok := p.str(resolve(c), what); ok {
				out = append(out, s)
			}
		}
		if len(out) == 0 {
			p.errf(n, "%s is an empty list", what)
		}
		return out
	}
	if s, ok := p.str(n, what); ok {
		return []string{s}
	}
	return nil
}

func (p *parser) strMap(n *yaml.Node, what string) map[string]string {
	if n.Kind != yaml.MappingNode {
		p.errf(n, "%s must be a mapping (name: value)", what)
		return nil
	}
	out := map[string]string{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		if _, dup := out[k.Value]; dup {
			p.errf(k, "%s has %q twice", what, k.Value)
			continue
		}
		if s, ok := p.str(v, what+"."+k.Value); ok {
			out[k.Value] = s
		}
	}
	return out
}

var placeholderRE = regexp.MustCompile(`\$\{([^}]*)\}`)

// collectRefs remembers the ${name} placeholders of a value, checked against
// the scenario's params once the whole document is read.
func (p *parser) collectRefs(n *yaml.Node) {
	for _, m := range placeholderRE.FindAllStringSubmatch(n.Value, -1) {
		p.refs = append(p.refs, paramRef{name: m[1], node: n})
	}
}

func hasPlaceholder(s string) bool { return strings.Contains(s, "${") }
