// Package snapshot saves and loads the emulator's state as one JSON file:
// the records of one tenant (or of every tenant), their clock offsets and
// their armed scenarios (which are records too). A demo starts from a
// prepared state, a CI suite from a fixture.
//
// A snapshot loads in one store transaction: completely or not at all. It
// is versioned; a file of another version is refused with the version it
// has and the one this build reads.
package snapshot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/paysandbox/paysandbox/emulator/clock"
	"github.com/paysandbox/paysandbox/emulator/scenario"
	"github.com/paysandbox/paysandbox/emulator/store"
)

// Kind marks a paysandbox snapshot; Version is the layout this build reads
// and writes. Bump Version when the layout or the store's record format
// changes in a way an older file cannot be read under.
const (
	Kind    = "paysandbox-snapshot"
	Version = 1
)

// MaxSize is the largest snapshot Decode accepts.
const MaxSize = 256 << 20

// File is a snapshot.
type File struct {
	Kind    string `json:"kind"`
	Version int    `json:"version"`
	// Paysandbox is the version of the binary that wrote the file.
	Paysandbox string    `json:"paysandbox"`
	CreatedAt  time.Time `json:"created_at"`
	// Tenant is the tenant held; "*" for the whole instance.
	Tenant string        `json:"tenant"`
	Clock  clock.Offsets `json:"clock"`
	Data   *store.Dump   `json:"data"`
}

// All is the Tenant of a whole-instance snapshot (as in arming for "*").
const All = "*"

// ErrIncompatible means the file is not a snapshot this build can load.
var ErrIncompatible = errors.New("incompatible snapshot")

// Take reads tenant's state (All or "" for every tenant) in one transaction.
func Take(st *store.Store, tenant, by string, now time.Time) (*File, error) {
	if tenant == All {
		tenant = ""
	}
	d, err := st.Dump(tenant, clock.MetaKey)
	if err != nil {
		return nil, err
	}
	offsets, err := clock.OffsetsOf(d.Meta[clock.MetaKey], tenant)
	if err != nil {
		return nil, fmt.Errorf("reading the clock: %w", err)
	}
	d.Meta = nil // the clock travels as Offsets, readable and per tenant
	f := &File{Kind: Kind, Version: Version, Paysandbox: by, CreatedAt: now.UTC(), Tenant: tenant, Clock: offsets, Data: d}
	if f.Tenant == "" {
		f.Tenant = All
	}
	return f, nil
}

// Encode writes f as indented JSON (records keep "<" and "&" as they are).
func Encode(w io.Writer, f *File) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	return enc.Encode(f)
}

// Decode reads a snapshot and checks that this build can load it.
func Decode(r io.Reader) (*File, error) {
	raw, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, err
	}
	if len(raw) > MaxSize {
		return nil, fmt.Errorf("%w: larger than %d MiB", ErrIncompatible, MaxSize>>20)
	}
	var head struct {
		Kind       string `json:"kind"`
		Version    int    `json:"version"`
		Paysandbox string `json:"paysandbox"`
	}
	if err := json.Unmarshal(raw, &head); err != nil || head.Kind != Kind {
		return nil, fmt.Errorf("%w: not a paysandbox snapshot (no \"kind\": %q)", ErrIncompatible, Kind)
	}
	if head.Version != Version {
		return nil, fmt.Errorf("%w: the file is snapshot version %d (written by paysandbox %s); this paysandbox reads version %d: save it again with a matching paysandbox",
			ErrIncompatible, head.Version, head.Paysandbox, Version)
	}
	f := &File{}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(f); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrIncompatible, err)
	}
	if f.Data == nil {
		return nil, fmt.Errorf("%w: no \"data\"", ErrIncompatible)
	}
	if f.Data.Format != store.Format {
		return nil, fmt.Errorf("%w: records in data format %q, this paysandbox reads %q", ErrIncompatible, f.Data.Format, store.Format)
	}
	if f.Tenant == "" || (f.Tenant == All) != (f.Data.Tenant == "") || (f.Tenant != All && f.Tenant != f.Data.Tenant) {
		return nil, fmt.Errorf("%w: \"tenant\" %q does not match its data (tenant %q)", ErrIncompatible, f.Tenant, f.Data.Tenant)
	}
	return f, nil
}

// Known tells whether a scenario is loaded (to refuse a snapshot that arms
// one the instance does not have).
type Known func(name string) bool

// Apply loads f into st in one transaction: the tenant's records (every
// record for a whole-instance snapshot) are replaced by the file's, and its
// clock offsets by the file's. Running instances use Loader.Load, which also
// refreshes what they keep in memory.
func Apply(st *store.Store, f *File, known Known) error {
	if err := checkArmed(f, known); err != nil {
		return err
	}
	scope := f.Data.Tenant
	merge, err := f.Clock.Merge(scope)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrIncompatible, err)
	}
	return st.Restore(f.Data, map[string]func([]byte) ([]byte, error){clock.MetaKey: merge})
}

func checkArmed(f *File, known Known) error {
	if f.Data.Sys == nil || known == nil {
		return nil
	}
	b := f.Data.Sys.Buckets[scenario.SysBucket]
	if b == nil {
		return nil
	}
	for _, raw := range b.Records {
		var a struct {
			Tenant string `json:"tenant"`
			Name   string `json:"name"`
		}
		if err := json.Unmarshal(raw, &a); err != nil {
			return fmt.Errorf("%w: an armed scenario does not decode: %v", ErrIncompatible, err)
		}
		if !known(a.Name) {
			return fmt.Errorf("%w: it arms scenario %q (tenant %s), which this instance has not loaded (see --scenarios)", ErrIncompatible, a.Name, a.Tenant)
		}
	}
	return nil
}

// Loader loads snapshots into a running emulator.
type Loader struct {
	Store     *store.Store
	Clock     *clock.Clock
	Scheduler *clock.Scheduler
	Scenarios *scenario.Engine
	// OnLoad drops in-memory state of the tenant ("" = every tenant), as
	// after a reset (the journal, providers' caches).
	OnLoad  []func(tenant string)
	Version string
}

// Take snapshots the running emulator.
func (l *Loader) Take(tenant string) (*File, error) {
	return Take(l.Store, tenant, l.Version, l.Clock.Now(""))
}

// Load applies f and refreshes the in-memory state that mirrors the store.
func (l *Loader) Load(f *File) error {
	known := func(name string) bool { return l.Scenarios.Set().Get(name) != nil }
	if err := Apply(l.Store, f, known); err != nil {
		return err
	}
	scope := f.Data.Tenant
	for _, fn := range l.OnLoad {
		fn(scope)
	}
	if err := l.Clock.Reload(); err != nil {
		return err
	}
	if err := l.Scenarios.Reload(scope); err != nil {
		return err
	}
	l.Scheduler.Kick() // jobs that are due under the loaded clock
	return nil
}

// Records counts the records a snapshot holds (for answers and logs).
func (f *File) Records() int {
	n := 0
	var walk func(b *store.Bucket)
	walk = func(b *store.Bucket) {
		if b == nil {
			return
		}
		n += len(b.Records) + len(b.Values)
		for _, s := range b.Buckets {
			walk(s)
		}
	}
	for _, b := range f.Data.Tenants {
		walk(b)
	}
	walk(f.Data.Sys)
	return n
}
