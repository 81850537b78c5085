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

	// Hosted Payment Page v1
	api.Handle(http.MethodPost, "/hpp/v1/sessions", k.handleCreateHPPSession)
	api.Handle(http.MethodGet, "/hpp/v1/sessions/{session_id}", k.handleReadHPPSession)
	api.Handle(http.MethodDelete, "/hpp/v1/sessions/{session_id}", k.handleDisableHPPSession)
	api.Handle(http.MethodPost, "/hpp/v1/sessions/{session_id}/distribution", k.handleDistributeHPPSession)

	for _, prefix := range []string{"/payments/v1/", "/customer-token/v1/", "/ordermanagement/v1/", "/hpp/v1/"} {
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

	// The browser side (hpp_page.go, hpp_sdk.go): the hosted payment page
	// that redirect_url of an HPP session leads to, and the JS SDK stand-in
	// with the pages of its iframes. No credentials; HTML errors.
	k.registerHPPJobs()
	html := k.p.Surface(r, platform.SurfaceConfig{Provider: provider, Spec: "klarna", Renderer: pageRenderer{k.p.Log}, MaxBody: 16 << 10})
	html.Handle(http.MethodGet, hppPagePath+"{session_id}", k.handleHostedPage)
	html.Handle(http.MethodPost, hppPagePath+"{session_id}", k.handleSubmitHostedPage)
	html.Handle(http.MethodGet, hppPagePath+"{session_id}/qr", k.handleHostedQR)
	html.Handle(http.MethodGet, "/kp/lib/v1/widget", k.handleWidget)
	html.Handle(http.MethodGet, "/kp/lib/v1/approval", k.handleApproval)
	for _, asset := range []string{"api.js", "frame.js", "frame.css"} {
		html.Handle(http.MethodGet, "/kp/lib/v1/"+asset, handleSDKAsset(asset))
	}
}
