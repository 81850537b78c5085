package klarna

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/paysandbox/paysandbox/emulator/platform"
)

// Routes mounts Klarna's whole surface at the vendor's own paths.
func (k *Klarna) Routes(r *mux.Router) {
	// The server-side APIs: HTTP Basic, Klarna's error body, a correlation id
	// on every response.
	api := k.p.Surface(r, platform.SurfaceConfig{
		Provider: provider, Spec: "klarna", Authenticate: k.authenticate, Renderer: apiRenderer{k.p.Log},
	})
	api.Use(k.correlation)

	// Payments v1
	api.Handle(http.MethodPost, "/payments/v1/sessions", k.handleCreateSession)
	api.Handle(http.MethodGet, "/payments/v1/sessions/{session_id}", k.handleReadSession)
	api.Handle(http.MethodPost, "/payments/v1/sessions/{session_id}", k.handleUpdateSession)
	api.Handle(http.MethodPost, "/payments/v1/authorizations/{authorization_token}/order", k.handleCreateOrder)
	api.Handle(http.MethodPost, "/payments/v1/authorizations/{authorization_token}/customer-token", k.handleCreateCustomerToken)
	api.Handle(http.MethodDelete, "/payments/v1/authorizations/{authorization_token}", k.handleCancelAuthorization)

	// Customer Token v1
	api.Handle(http.MethodGet, "/customer-token/v1/tokens/{token_id}", k.handleReadCustomerToken)
	api.Handle(http.MethodPost, "/customer-token/v1/tokens/{token_id}/order", k.handleTokenOrder)
	api.Handle(http.MethodPatch, "/customer-token/v1/tokens/{token_id}/status", k.handleTokenStatus)

	// Order Management v1
	const order = "/ordermanagement/v1/orders/{order_id}"
	api.Handle(http.MethodGet, order, k.handleReadOrder)
	api.Handle(http.MethodPost, order+"/acknowledge", k.handleAcknowledge)
	api.Handle(http.MethodPatch, order+"/authorization", k.handleUpdateAuthorization)
	api.Handle(http.MethodPatch, order+"/customer-details", k.handleCustomerDetails)
	api.Handle(http.MethodPatch, order+"/merchant-references", k.handleMerchantReferences)
	api.Handle(http.MethodPost, order+"/extend-authorization-time", k.handleExtendAuthorizationTime)
	api.Handle(http.MethodPost, order+"/release-remaining-authorization", k.handleReleaseRemaining)
	api.Handle(http.MethodPost, order+"/cancel", k.handleCancelOrder)
	api.Handle(http.MethodPost, order+"/shipping-info", k.handleShippingInfo)
	api.Handle(http.MethodPost, order+"/captures", k.handleCapture)
	api.Handle(http.MethodGet, order+"/captures", k.handleListCaptures)
	api.Handle(http.MethodGet, order+"/captures/{capture_id}", k.handleReadCapture)
	api.Handle(http.MethodPost, order+"/captures/{capture_id}/shipping-info", k.handleCaptureShippingInfo)
	api.Handle(http.MethodPost, order+"/captures/{capture_id}/trigger-send-out", k.handleTriggerSendOut)
	api.Handle(http.MethodGet, order+"/captures/{capture_id}/extend-due-date-options", k.handleDueDateOptions)
	api.Handle(http.MethodPatch, order+"/captures/{capture_id}/extend-due-date", k.handleExtendDueDate)
	api.Handle(http.MethodPost, order+"/refunds", k.handleRefund)
	api.Handle(http.MethodGet, order+"/refunds/{refund_id}", k.handleReadRefund)

	for _, prefix := range []string{"/payments/v1/", "/customer-token/v1/", "/ordermanagement/v1/"} {
		api.NotFound(prefix)
	}

	// Sandbox-only: authorize a session without a browser. No credentials (the
	// client token names tenant and session), callable from any origin, and
	// answered in the JS SDK's authorize() shape.
	sdk := k.p.Surface(r, platform.SurfaceConfig{Provider: provider, Spec: "klarna", Renderer: sdkRenderer{k.p.Log}})
	sdk.Use(k.correlation, cors)
	sdk.Handle(http.MethodPost, "/_sandbox/klarna/authorizations", k.handleAuthorize)
	sdk.Handle(http.MethodOptions, "/_sandbox/klarna/authorizations", handlePreflight)

	// Sandbox-only: where redirect_url sends the customer's browser.
	page := k.p.Surface(r, platform.SurfaceConfig{Provider: provider, Spec: "klarna", Renderer: apiRenderer{k.p.Log}})
	page.Use(k.correlation)
	page.Handle(http.MethodGet, redirectPath+"{id}", k.handleRedirect)
}
