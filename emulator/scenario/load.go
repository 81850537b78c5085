package scenario

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/paysandbox/paysandbox/scenarios"
)

// Scenario files are read with yaml.v3's node API, so every problem is
// reported with its file, line and column, and unknown keys are refused (a
// typo must not silently turn a scenario into a no-op).

// FileError is one problem in a scenario file.
type FileError struct {
	File      string
	Line, Col int
	Msg       string
}

func (e *FileError) Error() string {
	switch {
	case e.Line == 0:
		return e.File + ": " + e.Msg
	case e.Col == 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// Errors is every problem found, in file order.
type Errors []*FileError

func (es Errors) Error() string {
	const most = 20
	var b strings.Builder
	for i, e := range es {
		if i == most {
			fmt.Fprintf(&b, "\n... and %d more", len(es)-most)
			break
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Set is a validated collection of scenarios with unique names.
type Set struct {
	list   []*Scenario
	byName map[string]*Scenario
	cat    Catalogue // what its scenarios were checked against
}

// Get returns the scenario called name, or nil.
func (s *Set) Get(name string) *Scenario { return s.byName[name] }

// All lists the scenarios: built-ins first, each file's in order.
func (s *Set) All() []*Scenario { return slices.Clone(s.list) }

// add appends scs, refusing names already taken.
func (s *Set) add(scs []*Scenario) Errors {
	var errs Errors
	for _, sc := range scs {
		if prev := s.byName[sc.Name]; prev != nil {
			errs = append(errs, &FileError{File: sc.File, Line: sc.Line, Msg: fmt.Sprintf("scenario name %q is already used at %s", sc.Name, prev.Where())})
			continue
		}
		s.byName[sc.Name] = sc
		s.list = append(s.list, sc)
	}
	return errs
}

var (
	builtinOnce sync.Once
	builtinSet  *Set
	builtinErr  error
)

// Builtins are the scenarios embedded from scenarios/, checked against cat
// (a process has one catalogue: the first call's is kept).
func Builtins(cat Catalogue) (*Set, error) {
	builtinOnce.Do(func() {
		builtinSet, builtinErr = loadFS(scenarios.FS, ".", "scenarios/", true, cat)
		if builtinErr == nil {
			// Listed by provider, then provider-neutral faults, then webhook chaos.
			providers := cat.providers()
			rank := func(sc *Scenario) int {
				if sc.Webhook {
					return len(providers)
				}
				return slices.Index(providers, sc.Provider)
			}
			slices.SortStableFunc(builtinSet.list, func(a, b *Scenario) int { return rank(a) - rank(b) })
		}
	})
	return builtinSet, builtinErr
}

// Load returns the built-ins plus the scenarios of every .yaml or .yml file
// in dir ("" for none). Any problem in any file fails the whole load.
func Load(dir string, cat Catalogue) (*Set, error) {
	b, err := Builtins(cat)
	if err != nil {
		return nil, err
	}
	set := &Set{list: slices.Clone(b.list), byName: map[string]*Scenario{}, cat: cat}
	for k, v := range b.byName {
		set.byName[k] = v
	}
	if dir == "" {
		return set, nil
	}
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("scenarios directory %s: %w", dir, err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("scenarios directory %s: not a directory", dir)
	}
	user, err := loadFS(os.DirFS(dir), ".", filepath.Clean(dir)+string(filepath.Separator), false, cat)
	if err != nil {
		return nil, err
	}
	if errs := set.add(user.list); len(errs) > 0 {
		return nil, errs
	}
	return set, nil
}

// ValidateFiles parses files and checks them together with the built-ins,
// as --scenarios would at start-up. It returns how many scenarios they hold.
func ValidateFiles(cat Catalogue, paths ...string) (int, error) {
	b, err := Builtins(cat)
	if err != nil {
		return 0, err
	}
	set := &Set{list: slices.Clone(b.list), byName: map[string]*Scenario{}, cat: cat}
	for k, v := range b.byName {
		set.byName[k] = v
	}
	var errs Errors
	n := 0
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			errs = append(errs, &FileError{File: path, Msg: err.Error()})
			continue
		}
		scs, err := ParseFile(path, data, cat)
		if err != nil {
			errs = append(errs, asErrors(err, path)...)
			continue
		}
		n += len(scs)
		errs = append(errs, set.add(scs)...)
	}
	if len(errs) > 0 {
		return n, errs
	}
	return n, nil
}

func loadFS(fsys fs.FS, dir, prefix string, builtin bool, cat Catalogue) (*Set, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	set := &Set{byName: map[string]*Scenario{}, cat: cat}
	var errs Errors
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		if e.IsDir() || (ext != ".yaml" && ext != ".yml") {
			continue
		}
		name := prefix + e.Name()
		data, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			errs = append(errs, &FileError{File: name, Msg: err.Error()})
			continue
		}
		scs, err := ParseFile(name, data, cat)
		if err != nil {
			errs = append(errs, asErrors(err, name)...)
			continue
		}
		for _, sc := range scs {
			sc.Builtin = builtin
		}
		errs = append(errs, set.add(scs)...)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return set, nil
}

func asErrors(err error, file string) Errors {
	var es Errors
	if errors.As(err, &es) {
		return es
	}
	return Errors{{File: file, Msg: err.Error()}}
}
