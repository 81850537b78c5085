// Package multisafepay emulates MultiSafepay's JSON API v1 (/v1/json): orders
// (redirect, direct, payment links), refunds, captures, gateways, issuers,
// payment methods and transactions; its hosted payment page; and its signed
// status-change notifications, retried on the virtual clock.
package multisafepay

import (
	"context"
	"encoding/json"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/gorilla/mux"

	"github.com/paysandbox/paysandbox/emulator/platform"
	"github.com/paysandbox/paysandbox/emulator/store"
	"github.com/paysandbox/paysandbox/fixtures"
)

const provider = "multisafepay"

// MultiSafepay is the provider.
type MultiSafepay struct {
	p   *platform.Platform
	cat *Catalogue
}

// New loads the gateway catalogue and registers the notification policy and
// the expiry job.
func New(p *platform.Platform) (*MultiSafepay, error) {
	cat, err := loadCatalogue(fixtures.FS)
	if err != nil {
		return nil, err
	}
	m := &MultiSafepay{p: p, cat: cat}
	p.Webhooks.Register(provider, notificationPolicy())
	p.Scheduler.Handle(jobTimer, func(ctx context.Context, j store.Job) error {
		var orderID string
		if err := json.Unmarshal(j.Payload, &orderID); err != nil {
			return nil // unreadable: nothing to retry
		}
		return m.runTimer(ctx, j.Tenant, orderID)
	})
	return m, nil
}

// Info describes the provider for the start-up banner.
func (m *MultiSafepay) Info() platform.ProviderInfo {
	return platform.ProviderInfo{Name: "MultiSafepay", BasePath: "/v1/json",
		Credentials: "api_key header or ?api_key= (any key; with --strict-auth: paysandbox-test-key)"}
}

// Routes is the whole surface.
func (m *MultiSafepay) Routes(r *mux.Router) {
	api := m.p.Surface(r, platform.SurfaceConfig{Provider: provider, Spec: provider, Authenticate: m.authenticate, Renderer: apiRenderer{log: m.p.Log}})
	api.Use(jsonBody)
	api.Handle(http.MethodPost, "/v1/json/orders", m.createOrder)
	api.Handle(http.MethodGet, "/v1/json/orders/{order_id}", m.getOrder)
	api.Handle(http.MethodPatch, "/v1/json/orders/{order_id}", m.updateOrder)
	api.Handle(http.MethodPost, "/v1/json/orders/{order_id}/refunds", m.createRefund)
	api.Handle(http.MethodPatch, "/v1/json/orders/{order_id}/refunds/{refund_id}", m.updateRefund)
	api.Handle(http.MethodPost, "/v1/json/orders/{order_id}/capture", m.captureOrder)
	api.Handle(http.MethodPost, "/v1/json/orders/{order_id}/cancel", m.cancelQR)
	api.Handle(http.MethodPatch, "/v1/json/capture/{order_id}", m.cancelCapture)
	api.Handle(http.MethodGet, "/v1/json/gateways", m.listGateways)
	api.Handle(http.MethodGet, "/v1/json/gateways/{gateway_id}", m.getGateway)
	api.Handle(http.MethodGet, "/v1/json/issuers/{gateway}", m.listIssuers)
	api.Handle(http.MethodGet, "/v1/json/payment-methods", m.listPaymentMethods)
	api.Handle(http.MethodGet, "/v1/json/payment-methods/{payment_method_id}", m.getPaymentMethod)
	api.Handle(http.MethodGet, "/v1/json/recurring/{reference}", m.listTokens)
	api.Handle(http.MethodGet, "/v1/json/recurring/{reference}/token/{token}", m.getToken)
	api.Handle(http.MethodDelete, "/v1/json/recurring/{reference}/remove/{token}", m.deleteToken)
	api.Handle(http.MethodPatch, "/v1/json/recurring/{reference}/update/{token}", m.updateToken)
	api.Handle(http.MethodGet, "/v1/json/transactions", m.listTransactions)
	api.Handle(http.MethodGet, "/v1/json/transactions/{transaction_id}", m.getTransaction)
	api.NotFound("/v1/json/")

	// The hosted payment page: no API key, the session id names the tenant.
	page := m.p.Surface(r, platform.SurfaceConfig{Provider: provider, Spec: provider, Renderer: pageRenderer{}, MaxBody: 16 << 10})
	page.Handle(http.MethodGet, "/multisafepay/connect/{session_id}/", m.showPage)
	page.Handle(http.MethodPost, "/multisafepay/connect/{session_id}/", m.submitPage)
}

// authenticate reads the API key from the api_key header (any case) or query
// parameter. The key names the tenant; with StrictAuth only the keys of
// fixtures/multisafepay/credentials.yaml pass.
func (m *MultiSafepay) authenticate(r *http.Request) (string, error) {
	key := strings.TrimSpace(r.Header.Get("api_key"))
	if key == "" {
		key = strings.TrimSpace(r.URL.Query().Get("api_key"))
	}
	if key == "" || !utf8.ValidString(key) || strings.ContainsAny(key, "\x00\r\n/") {
		return "", errAPIKey()
	}
	if m.p.Config.StrictAuth && !m.cat.APIKeys[key] {
		return "", errAPIKey()
	}
	return key, nil
}

// jsonBody: MultiSafepay reads every body as JSON whatever its Content-Type
// (clients and curl often send none, or form encoding), so the contract sees
// JSON too.
func jsonBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength != 0 && r.Method != http.MethodGet {
			if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
				r.Header.Set("Content-Type", "application/json")
			}
		}
		next.ServeHTTP(w, r)
	})
}
