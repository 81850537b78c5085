// Package commercelayer emulates Commerce Layer's Core API: OAuth tokens
// (RS512 JWTs), a JSON:API surface (package jsonapi does documents, include,
// fields, filters, sort and pages) over the resources a checkout needs
// (markets, SKUs, prices, customers, addresses, orders, line items,
// shipments, payment methods and sources, transactions, webhooks), and a
// Klarna integration that drives the Klarna emulator through a narrow
// interface.
//
// The organization's slug is the tenant. Every organization starts with the
// default world of fixtures/commercelayer/world.yaml, seeded the first time a
// token is asked for it.
package commercelayer

import (
	"context"

	"github.com/paysandbox/paysandbox/emulator/commercelayer/jsonapi"
	"github.com/paysandbox/paysandbox/emulator/klarnaapi"
	"github.com/paysandbox/paysandbox/emulator/platform"
	"github.com/paysandbox/paysandbox/fixtures"
)

// provider is this package's name in the store, the webhook sender and the journal.
const provider = "commercelayer"

// KlarnaPayments is what Commerce Layer needs from Klarna: the methods a
// Klarna gateway calls server to server, satisfied by *klarna.Klarna. It
// names only emulator/klarnaapi's types, so this package does not depend
// on the Klarna emulator (deps_test.go).
// tenant is the gateway's api_key (the Klarna merchant username).
type KlarnaPayments interface {
	OpenSession(ctx context.Context, tenant string, p klarnaapi.Purchase) (klarnaapi.CreatedSession, error)
	UpdateSessionCart(ctx context.Context, tenant, sessionID string, p klarnaapi.Purchase) error
	ReadSession(ctx context.Context, tenant, sessionID string) (klarnaapi.Session, error)
	PlaceOrder(ctx context.Context, tenant, token string, in klarnaapi.OrderRequest, baseURL string) (klarnaapi.PlacedOrder, error)
	Capture(ctx context.Context, tenant, orderID string, in klarnaapi.CaptureRequest) (klarnaapi.Capture, error)
	Refund(ctx context.Context, tenant, orderID string, in klarnaapi.RefundRequest) (klarnaapi.Refund, error)
	CancelOrder(ctx context.Context, tenant, orderID string) error
	ReleaseRemainingAuthorization(ctx context.Context, tenant, orderID string) error
}

// CommerceLayer is the provider.
type CommerceLayer struct {
	p     *platform.Platform
	kl    KlarnaPayments
	world *World
	kinds map[string]*kind
	reg   *jsonapi.Registry
	auth  *authority
	rate  *rateLimiter
}

// New builds the provider from the fixtures and registers its webhook policy.
func New(p *platform.Platform, kl KlarnaPayments) (*CommerceLayer, error) {
	w, err := loadWorld(fixtures.FS)
	if err != nil {
		return nil, err
	}
	cl := &CommerceLayer{p: p, kl: kl, world: w, rate: newRateLimiter()}
	cl.auth = &authority{cl: cl}
	cl.kinds = cl.buildKinds()
	cl.reg = newRegistry(cl.kinds)
	p.Webhooks.Register(provider, webhookPolicy())
	// A cart change re-prices its whole order: run in the requests'
	// goroutines, not one at a time on the committer (store/speculate.go).
	p.Store.Speculate(provider)
	p.Store.IndexTypes(provider, cl.storedTypes())
	return cl, nil
}

// storedTypes is what each collection stores (a value of it), for the
// store to read old index keys from a record being deleted
// (store.IndexTypes).
func (cl *CommerceLayer) storedTypes() map[string]any {
	types := map[string]any{}
	for _, k := range cl.kinds {
		if k.newRec == nil {
			continue
		}
		for _, coll := range k.collections() {
			types[coll] = storedAs(coll, k.newRec())
		}
	}
	return types
}

// Info describes the provider for the start-up banner.
func (cl *CommerceLayer) Info() platform.ProviderInfo {
	sc, in := cl.world.salesChannel(), cl.world.integration()
	return platform.ProviderInfo{
		Name:     "Commerce Layer",
		BasePath: "/api",
		Credentials: "POST /oauth/token client_credentials: sales channel client_id=" + sc.ClientID + " (scope market:code:EU or US), " +
			"integration client_id=" + in.ClientID + " client_secret=" + in.ClientSecret + "; organization " + cl.world.Organization.Slug +
			" (another: <slug>.localhost)",
	}
}
