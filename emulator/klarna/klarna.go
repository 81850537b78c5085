// Package klarna emulates Klarna's server-side APIs: Payments v1 (sessions,
// orders, customer tokens from an authorization), Customer Token v1, Order
// Management v1, and a sandbox-only endpoint that authorizes a session without
// a browser (what the JS SDK's authorize() does in the real world).
//
// Handlers (routes.go) decode, call the exported methods of Klarna, encode.
// Those methods are also the Go API other providers use (Commerce Layer opens
// sessions, places orders, captures and refunds through them).
package klarna

import (
	"context"
	"errors"
	"time"

	"github.com/paysandbox/paysandbox/emulator/platform"
	"github.com/paysandbox/paysandbox/emulator/store"
	"github.com/paysandbox/paysandbox/emulator/webhook"
	"github.com/paysandbox/paysandbox/fixtures"
)

// provider is this package's name in the store, the webhook sender and the journal.
const provider = "klarna"

// Store collections.
const (
	colSessions       = "sessions"
	colAuthorizations = "authorizations"
	colOrders         = "orders"
	colTokens         = "customer_tokens"
	colIdempotency    = "idempotency"
)

// Lifetimes.
const (
	sessionLifetime       = 48 * time.Hour
	authorizationLifetime = 60 * time.Minute
	orderAuthLifetime     = 28 * 24 * time.Hour
	maxAuthLifetime       = 180 * 24 * time.Hour
	idempotencyWindow     = 24 * time.Hour
)

// Klarna is the provider.
type Klarna struct {
	p       *platform.Platform
	markets *Markets
	creds   credentials
}

// New builds the provider from the fixtures and registers its webhook policy
// and scheduler jobs.
func New(p *platform.Platform) (*Klarna, error) {
	markets, err := loadMarkets(fixtures.FS)
	if err != nil {
		return nil, err
	}
	creds, err := loadCredentials(fixtures.FS)
	if err != nil {
		return nil, err
	}
	k := &Klarna{p: p, markets: markets, creds: creds}
	// Sessions are the hot create: kept in creation order, each durable
	// create appends to the last page of the data file (store/ordered.go).
	p.Store.OrderByCreation(provider, colSessions)
	p.Webhooks.Register(provider, webhook.Policy{Retries: notificationRetries()})
	p.Scheduler.Handle(jobFraudDecision, k.runFraudDecision)
	return k, nil
}

// Info describes the provider for the start-up banner.
func (k *Klarna) Info() platform.ProviderInfo {
	return platform.ProviderInfo{
		Name:        "Klarna",
		BasePath:    "/",
		Credentials: "HTTP Basic, any username:password (the username names the tenant); with strict auth PK_TEST_paysandbox:sandbox",
	}
}

// notificationRetries is Klarna's schedule for merchant notifications: every
// 10 minutes for 24 hours until a 2xx.
func notificationRetries() []time.Duration {
	out := make([]time.Duration, 24*6)
	for i := range out {
		out[i] = 10 * time.Minute
	}
	return out
}

func (k *Klarna) now(tenant string) time.Time { return k.p.Clock.Now(tenant) }

func (k *Klarna) update(ctx context.Context, tenant string, fn func(tx *store.Tx) error) error {
	return k.p.Store.Update(ctx, provider, tenant, fn)
}

func (k *Klarna) view(ctx context.Context, tenant string, fn func(tx *store.Tx) error) error {
	return k.p.Store.View(ctx, provider, tenant, fn)
}

// get reads collection/id, turning "not found" into notFound.
func get(tx *store.Tx, collection, id string, v any, notFound *Error) error {
	err := tx.Get(collection, id, v)
	if errors.Is(err, store.ErrNotFound) {
		return notFound
	}
	return err
}
