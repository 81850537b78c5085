// Package emulator builds the whole paysandbox emulator as an http.Handler:
// the shared infrastructure, the admin API and every provider.
package emulator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/mux"

	"github.com/paysandbox/paysandbox/emulator/admin"
	"github.com/paysandbox/paysandbox/emulator/clock"
	"github.com/paysandbox/paysandbox/emulator/contract"
	"github.com/paysandbox/paysandbox/emulator/dashboard"
	"github.com/paysandbox/paysandbox/emulator/ids"
	"github.com/paysandbox/paysandbox/emulator/journal"
	"github.com/paysandbox/paysandbox/emulator/platform"
	"github.com/paysandbox/paysandbox/emulator/scenario"
	"github.com/paysandbox/paysandbox/emulator/snapshot"
	"github.com/paysandbox/paysandbox/emulator/store"
	"github.com/paysandbox/paysandbox/emulator/webhook"
	"github.com/paysandbox/paysandbox/openapi"
)

// Config configures an emulator.
type Config struct {
	// DataPath is the bbolt file.
	DataPath string
	// NoSync skips fsync (throwaway data, e.g. --ephemeral).
	NoSync bool
	// Seed makes ids and fake data repeatable; 0 picks a random seed.
	Seed int64
	// StrictAuth accepts only the credentials in fixtures/.
	StrictAuth bool
	// AdminToken guards the admin API: a comma-separated list of tokens,
	// plain (global) or PATTERN=TOKEN (per tenant pattern; admin.ParseTokens).
	// AdminOrigins may call it from browsers. AdminHosts are Host names the
	// admin API answers to besides its own (listen addresses, public URL,
	// --admin-hosts).
	AdminToken   string
	AdminOrigins []string
	AdminHosts   []string
	// JournalSize is how many requests the journal keeps (default 1000).
	JournalSize int
	Version     string
	Logger      *slog.Logger
	// Now is the real-time source (time.Now when nil); tests may pin it.
	Now func() time.Time
	// Quiet turns off the console's line per request (webhook warnings stay).
	Quiet bool
	// WebhookAllow restricts the internal addresses webhooks may reach
	// (CIDRs and host patterns; see webhook.Destinations). Empty: any
	// address but the emulator's own.
	WebhookAllow []string
	// Scenarios is a directory of the user's scenario files, loaded with the
	// built-in ones; a bad file stops start-up.
	Scenarios string
	// HTTPSPort is the https listener's port (0: none). Commerce Layer's
	// tokens name it in iss, whichever listener they are asked on.
	HTTPSPort int
	// PublicURL is the base URL browsers use for the emulator's links
	// (--public-url); TrustedProxies may set X-Forwarded-* (nil: loopback).
	PublicURL      string
	TrustedProxies []netip.Prefix
	// Pprof serves net/http/pprof under /_sandbox/debug/pprof/ (--pprof),
	// behind the admin guard.
	Pprof bool
}

// Emulator is a running emulator. Handler serves it; Close releases it.
type Emulator struct {
	cfg       Config
	platform  *platform.Platform
	journal   *journal.Journal
	admin     *admin.API
	scenarios *scenario.Engine
	snapshots *snapshot.Loader
	providers []Provider
	dashboard *dashboard.UI
	handler   http.Handler
	ready     atomic.Bool
	listeners atomic.Pointer[[]string]

	stop    context.CancelFunc
	stopped chan struct{}
	closeMu sync.Once
}

// Provider is one emulated vendor API.
type Provider interface {
	Routes(r *mux.Router)
	Info() platform.ProviderInfo
}

var (
	specsOnce sync.Once
	specs     *contract.Set
	specsErr  error
)

// Specs loads our embedded OpenAPI files once per process. Each is parsed
// when its provider gets its first request (which waits for it: see
// docs/benchmarks.md), so an instance holds only the files it serves.
func Specs() (*contract.Set, error) {
	specsOnce.Do(func() {
		specs, specsErr = contract.Load(openapi.FS)
		if specsErr == nil {
			// A parse leaves several times the parsed file in garbage; give
			// it back now rather than at the next GC cycle of an idle
			// process (at most once per file and process).
			specs.OnParse(func(string) { debug.FreeOSMemory() })
		}
	})
	return specs, specsErr
}

// New opens the data file and builds the emulator. Start runs its background
// work; until then nothing scheduled runs.
func New(cfg Config) (*Emulator, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Version == "" {
		cfg.Version = "dev"
	}
	set, err := Specs()
	if err != nil {
		return nil, err
	}
	if cfg.PublicURL, err = platform.ParsePublicURL(cfg.PublicURL); err != nil {
		return nil, err
	}
	scenarios, err := scenario.Load(cfg.Scenarios, ScenarioCatalogue())
	if err != nil {
		return nil, err
	}
	src := ids.New(cfg.Seed)
	st, err := store.Open(cfg.DataPath, store.Options{NoSync: cfg.NoSync, IDs: src})
	if err != nil {
		return nil, err
	}
	e, err := build(cfg, set, scenarios, src, st)
	if err != nil {
		_ = st.Close() // the error that stopped New is the one to report
		return nil, err
	}
	return e, nil
}

// build wires the emulator on its open store: the platform, the scenario
// engine, admin and snapshots, the providers and the dashboard.
func build(cfg Config, set *contract.Set, scenarios *scenario.Set, src *ids.Source, st *store.Store) (*Emulator, error) {
	clk, err := clock.New(st, cfg.Now)
	if err != nil {
		return nil, fmt.Errorf("data file %s: reading the clock: %w", cfg.DataPath, err)
	}
	sch := clock.NewScheduler(st, clk, cfg.Logger)
	p := &platform.Platform{
		Store: st, Clock: clk, Scheduler: sch,
		Webhooks: webhook.New(st, clk, sch, cfg.Logger),
		Contract: set, IDs: src, Log: cfg.Logger,
		Config: platform.Config{StrictAuth: cfg.StrictAuth, Version: cfg.Version, HTTPSPort: cfg.HTTPSPort},
	}
	if err := p.Webhooks.Destinations.SetAllow(cfg.WebhookAllow); err != nil {
		return nil, err
	}
	e := &Emulator{cfg: cfg, platform: p, journal: journal.New(cfg.JournalSize)}
	if e.scenarios, err = scenario.New(p, scenarios); err != nil {
		return nil, err
	}
	p.Interceptor = e.scenarios
	tokens, err := admin.ParseTokens(cfg.AdminToken)
	if err != nil {
		return nil, err
	}
	e.admin = admin.New(admin.Deps{
		Platform: p, Store: st, Clock: clk, Scheduler: sch, Journal: e.journal, Webhooks: p.Webhooks, Contract: set,
		Version: cfg.Version, Ready: e.ready.Load, Tokens: tokens, Origins: cfg.AdminOrigins, Hosts: cfg.AdminHosts,
		OnReset: []func(string){e.scenarios.Reset},
	})
	e.snapshots = &snapshot.Loader{
		Store: st, Clock: clk, Scheduler: sch, Scenarios: e.scenarios, Version: cfg.Version,
		OnLoad: []func(string){e.journal.Clear},
	}
	if e.providers, err = buildProviders(p); err != nil {
		return nil, err
	}
	for _, prov := range e.providers {
		if a, ok := prov.(platform.ScenarioActor); ok {
			if err := e.scenarios.AddActions(a.ScenarioActions()); err != nil {
				return nil, err
			}
		}
	}
	e.dashboard = e.newDashboard(tokens)
	links := &platform.Links{Public: cfg.PublicURL, Trusted: cfg.TrustedProxies}
	e.handler = links.Handler(e.routes())
	e.ready.Store(true)
	return e, nil
}

// Start runs the scheduler (expiries, webhook deliveries) until Close. Call
// it once the listeners answer.
func (e *Emulator) Start() {
	// Start-up (fixtures, routes, templates, the data file, the local CA)
	// leaves megabytes of garbage that an idle process would otherwise hold
	// until its next GC cycle, minutes away: collect it and give it back.
	go debug.FreeOSMemory()
	ctx, cancel := context.WithCancel(context.Background())
	e.stop, e.stopped = cancel, make(chan struct{})
	go func() {
		defer close(e.stopped)
		e.platform.Scheduler.Run(ctx, 250*time.Millisecond)
	}()
}

// newDashboard builds the web dashboard over the same pieces as the admin
// API, behind the admin API's guard.
func (e *Emulator) newDashboard(tokens []admin.Token) *dashboard.UI {
	var infos []platform.ProviderInfo
	for _, p := range e.providers {
		infos = append(infos, p.Info())
	}
	p := e.platform
	return dashboard.New(dashboard.Deps{
		Store: p.Store, Clock: p.Clock, Scheduler: p.Scheduler, Journal: e.journal, Webhooks: p.Webhooks,
		Scenarios: e.scenarios, Contract: p.Contract, Providers: infos, Guard: e.admin.Guard,
		Tokens: tokens, Version: e.cfg.Version, Started: time.Now(), Ready: e.ready.Load,
		Listeners: func() []string {
			if l := e.listeners.Load(); l != nil {
				return *l
			}
			return nil
		},
		Reset:   e.admin.Reset,
		Handler: func() http.Handler { return e.handler },
	})
}

// SetListeners tells the dashboard the bound base URLs (http://localhost:8910).
func (e *Emulator) SetListeners(urls []string) { e.listeners.Store(&urls) }

// Handler serves every surface.
func (e *Emulator) Handler() http.Handler { return e.handler }

// Platform exposes the shared infrastructure (for tests and tools).
func (e *Emulator) Platform() *platform.Platform { return e.platform }

// Scenarios exposes the scenario engine.
func (e *Emulator) Scenarios() *scenario.Engine { return e.scenarios }

// Snapshots takes and loads snapshots of the running emulator.
func (e *Emulator) Snapshots() *snapshot.Loader { return e.snapshots }

// Journal exposes the request journal.
func (e *Emulator) Journal() *journal.Journal { return e.journal }

// Providers lists the mounted providers.
func (e *Emulator) Providers() []Provider { return e.providers }

// SetReady flips what /_sandbox/health answers (false while draining).
// Draining also ends requests a scenario keeps hanging, so they do not hold
// up the shutdown.
func (e *Emulator) SetReady(v bool) {
	e.ready.Store(v)
	if !v {
		e.scenarios.Close()
	}
}

// Close stops background work and closes the data file.
func (e *Emulator) Close() error {
	var err error
	e.closeMu.Do(func() {
		e.ready.Store(false)
		e.scenarios.Close() // ends hanging requests
		if e.stop != nil {
			e.stop()
			<-e.stopped
		}
		e.platform.Scheduler.Close() // ends webhook attempts under way
		err = e.platform.Store.Close()
	})
	return err
}

// ErrLocked and ErrNotOurs tell why a data file could not be opened.
var (
	ErrLocked  = store.ErrLocked
	ErrNotOurs = store.ErrNotOurs
)

// IsStartupError tells errors that deserve a one-line message from others.
func IsStartupError(err error) bool {
	return errors.Is(err, ErrLocked) || errors.Is(err, ErrNotOurs)
}
