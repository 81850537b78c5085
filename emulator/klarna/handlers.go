package klarna

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/paysandbox/paysandbox/emulator/contract"
	"github.com/paysandbox/paysandbox/emulator/page"
	"github.com/paysandbox/paysandbox/emulator/platform"
)

// Handlers are thin: decode, call the method of Klarna that does the work,
// encode. Errors go to the surface's renderer.

// correlation stamps every response with a fresh Klarna-Correlation-Id; the
// error renderers repeat it in the body.
func (k *Klarna) correlation(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(correlationHeader, k.p.IDs.UUID())
		next.ServeHTTP(w, r)
	})
}

func tenantOf(r *http.Request) string { return platform.Tenant(r.Context()) }

// decode reads the (already validated) JSON body into v; an empty body leaves v as is.
func decode(r *http.Request, v any) error {
	if _, err := platform.DecodeBody(r, v); err != nil {
		return decodeError(err)
	}
	return nil
}

// reply writes v with status, or err in Klarna's format.
func (k *Klarna) reply(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	switch {
	case err != nil:
		apiRenderer{k.p.Log}.RenderError(w, r, err)
	case v == nil:
		w.WriteHeader(status)
	default:
		platform.WriteJSON(w, status, v)
	}
}

// withBody decodes the body into a fresh T and calls fn with it.
func withBody[T any](k *Klarna, w http.ResponseWriter, r *http.Request, fn func(in T) (any, int, error)) {
	var in T
	if err := decode(r, &in); err != nil {
		k.reply(w, r, 0, nil, err)
		return
	}
	v, status, err := fn(in)
	k.reply(w, r, status, v, err)
}

// idempotent carries the request's Klarna-Idempotency-Key to the domain.
func idempotent(r *http.Request) *http.Request {
	return r.WithContext(WithIdempotencyKey(r.Context(), r.Header.Get(idempotencyHeader)))
}

// --- Payments v1

func (k *Klarna) handleCreateSession(w http.ResponseWriter, r *http.Request) {
	withBody(k, w, r, func(in Purchase) (any, int, error) {
		out, err := k.OpenSession(r.Context(), tenantOf(r), in)
		return out, http.StatusOK, err
	})
}

func (k *Klarna) handleReadSession(w http.ResponseWriter, r *http.Request) {
	s, err := k.ReadSession(r.Context(), tenantOf(r), platform.PathVar(r, "session_id"))
	k.reply(w, r, http.StatusOK, s, err)
}

func (k *Klarna) handleUpdateSession(w http.ResponseWriter, r *http.Request) {
	withBody(k, w, r, func(in map[string]json.RawMessage) (any, int, error) {
		return nil, http.StatusNoContent, k.UpdateSession(r.Context(), tenantOf(r), platform.PathVar(r, "session_id"), in)
	})
}

func (k *Klarna) handleCreateOrder(w http.ResponseWriter, r *http.Request) {
	withBody(k, w, r, func(in OrderRequest) (any, int, error) {
		out, err := k.PlaceOrder(r.Context(), tenantOf(r), platform.PathVar(r, "authorization_token"), in, platform.BaseURL(r))
		return out, http.StatusOK, err
	})
}

func (k *Klarna) handleCreateCustomerToken(w http.ResponseWriter, r *http.Request) {
	withBody(k, w, r, func(in CustomerTokenRequest) (any, int, error) {
		out, err := k.CreateCustomerToken(r.Context(), tenantOf(r), platform.PathVar(r, "authorization_token"), in, platform.BaseURL(r))
		return out, http.StatusOK, err
	})
}

func (k *Klarna) handleCancelAuthorization(w http.ResponseWriter, r *http.Request) {
	err := k.CancelAuthorization(r.Context(), tenantOf(r), platform.PathVar(r, "authorization_token"))
	k.reply(w, r, http.StatusNoContent, nil, err)
}

// --- Customer Token v1

func (k *Klarna) handleReadCustomerToken(w http.ResponseWriter, r *http.Request) {
	t, err := k.ReadCustomerToken(r.Context(), tenantOf(r), platform.PathVar(r, "token_id"))
	k.reply(w, r, http.StatusOK, t, err)
}

func (k *Klarna) handleTokenOrder(w http.ResponseWriter, r *http.Request) {
	r = idempotent(r)
	withBody(k, w, r, func(in TokenOrderRequest) (any, int, error) {
		out, err := k.TokenOrder(r.Context(), tenantOf(r), platform.PathVar(r, "token_id"), in, platform.BaseURL(r))
		return out, http.StatusOK, err
	})
}

func (k *Klarna) handleTokenStatus(w http.ResponseWriter, r *http.Request) {
	// The schema admits only {"status":"CANCELLED"}.
	err := k.CancelCustomerToken(r.Context(), tenantOf(r), platform.PathVar(r, "token_id"))
	k.reply(w, r, http.StatusAccepted, nil, err)
}

// --- Order Management v1

func (k *Klarna) handleReadOrder(w http.ResponseWriter, r *http.Request) {
	o, err := k.Order(r.Context(), tenantOf(r), platform.PathVar(r, "order_id"))
	k.reply(w, r, http.StatusOK, o, err)
}

// orderCall runs a 204 Order Management call with the request's idempotency key.
func (k *Klarna) orderCall(w http.ResponseWriter, r *http.Request, fn func(r *http.Request, tenant, orderID string) error) {
	r = idempotent(r)
	k.reply(w, r, http.StatusNoContent, nil, fn(r, tenantOf(r), platform.PathVar(r, "order_id")))
}

func (k *Klarna) handleAcknowledge(w http.ResponseWriter, r *http.Request) {
	k.orderCall(w, r, func(r *http.Request, tenant, id string) error { return k.Acknowledge(r.Context(), tenant, id) })
}

func (k *Klarna) handleUpdateAuthorization(w http.ResponseWriter, r *http.Request) {
	k.orderCall(w, r, func(r *http.Request, tenant, id string) error {
		var in UpdateAuthorizationRequest
		if err := decode(r, &in); err != nil {
			return err
		}
		return k.UpdateAuthorization(r.Context(), tenant, id, in)
	})
}

func (k *Klarna) handleCustomerDetails(w http.ResponseWriter, r *http.Request) {
	k.orderCall(w, r, func(r *http.Request, tenant, id string) error {
		var in CustomerDetails
		if err := decode(r, &in); err != nil {
			return err
		}
		return k.UpdateCustomerDetails(r.Context(), tenant, id, in)
	})
}

func (k *Klarna) handleMerchantReferences(w http.ResponseWriter, r *http.Request) {
	k.orderCall(w, r, func(r *http.Request, tenant, id string) error {
		var in MerchantReferences
		if err := decode(r, &in); err != nil {
			return err
		}
		return k.UpdateMerchantReferences(r.Context(), tenant, id, in)
	})
}

func (k *Klarna) handleExtendAuthorizationTime(w http.ResponseWriter, r *http.Request) {
	k.orderCall(w, r, func(r *http.Request, tenant, id string) error {
		return k.ExtendAuthorizationTime(r.Context(), tenant, id)
	})
}

func (k *Klarna) handleReleaseRemaining(w http.ResponseWriter, r *http.Request) {
	k.orderCall(w, r, func(r *http.Request, tenant, id string) error {
		return k.ReleaseRemainingAuthorization(r.Context(), tenant, id)
	})
}

func (k *Klarna) handleCancelOrder(w http.ResponseWriter, r *http.Request) {
	k.orderCall(w, r, func(r *http.Request, tenant, id string) error { return k.CancelOrder(r.Context(), tenant, id) })
}

type shippingInfoBody struct {
	ShippingInfo []ShippingInfo `json:"shipping_info"`
}

func (k *Klarna) handleShippingInfo(w http.ResponseWriter, r *http.Request) {
	k.orderCall(w, r, func(r *http.Request, tenant, id string) error {
		var in shippingInfoBody
		if err := decode(r, &in); err != nil {
			return err
		}
		return k.AddShippingInfo(r.Context(), tenant, id, in.ShippingInfo)
	})
}

// created answers a capture or refund: 201, no body, the new resource's
// absolute URL in Location and its id in idHeader.
func created(w http.ResponseWriter, r *http.Request, kind, idHeader, id string) {
	w.Header().Set("Location", platform.BaseURL(r)+"/ordermanagement/v1/orders/"+url.PathEscape(platform.PathVar(r, "order_id"))+"/"+kind+"/"+id)
	w.Header().Set(idHeader, id)
	w.WriteHeader(http.StatusCreated)
}

func (k *Klarna) handleCapture(w http.ResponseWriter, r *http.Request) {
	r = idempotent(r)
	var in CaptureRequest
	if err := decode(r, &in); err != nil {
		k.reply(w, r, 0, nil, err)
		return
	}
	c, err := k.Capture(r.Context(), tenantOf(r), platform.PathVar(r, "order_id"), in)
	if err != nil {
		k.reply(w, r, 0, nil, err)
		return
	}
	created(w, r, "captures", "Capture-Id", c.CaptureID)
}

func (k *Klarna) handleListCaptures(w http.ResponseWriter, r *http.Request) {
	cs, err := k.Captures(r.Context(), tenantOf(r), platform.PathVar(r, "order_id"))
	k.reply(w, r, http.StatusOK, cs, err)
}

func (k *Klarna) handleReadCapture(w http.ResponseWriter, r *http.Request) {
	c, err := k.GetCapture(r.Context(), tenantOf(r), platform.PathVar(r, "order_id"), platform.PathVar(r, "capture_id"))
	k.reply(w, r, http.StatusOK, c, err)
}

func (k *Klarna) handleCaptureShippingInfo(w http.ResponseWriter, r *http.Request) {
	k.orderCall(w, r, func(r *http.Request, tenant, id string) error {
		var in shippingInfoBody
		if err := decode(r, &in); err != nil {
			return err
		}
		return k.AddCaptureShippingInfo(r.Context(), tenant, id, platform.PathVar(r, "capture_id"), in.ShippingInfo)
	})
}

func (k *Klarna) handleTriggerSendOut(w http.ResponseWriter, r *http.Request) {
	k.orderCall(w, r, func(r *http.Request, tenant, id string) error {
		return k.TriggerSendOut(r.Context(), tenant, id, platform.PathVar(r, "capture_id"))
	})
}

func (k *Klarna) handleDueDateOptions(w http.ResponseWriter, r *http.Request) {
	opts, err := k.DueDateOptions(r.Context(), tenantOf(r), platform.PathVar(r, "order_id"), platform.PathVar(r, "capture_id"))
	k.reply(w, r, http.StatusOK, opts, err)
}

func (k *Klarna) handleExtendDueDate(w http.ResponseWriter, r *http.Request) {
	k.orderCall(w, r, func(r *http.Request, tenant, id string) error {
		var in struct {
			NumberOfDays int64 `json:"number_of_days"`
		}
		if err := decode(r, &in); err != nil {
			return err
		}
		return k.ExtendDueDate(r.Context(), tenant, id, platform.PathVar(r, "capture_id"), in.NumberOfDays)
	})
}

func (k *Klarna) handleRefund(w http.ResponseWriter, r *http.Request) {
	r = idempotent(r)
	var in RefundRequest
	if err := decode(r, &in); err != nil {
		k.reply(w, r, 0, nil, err)
		return
	}
	rf, err := k.Refund(r.Context(), tenantOf(r), platform.PathVar(r, "order_id"), in)
	if err != nil {
		k.reply(w, r, 0, nil, err)
		return
	}
	created(w, r, "refunds", "Refund-Id", rf.RefundID)
}

func (k *Klarna) handleReadRefund(w http.ResponseWriter, r *http.Request) {
	rf, err := k.GetRefund(r.Context(), tenantOf(r), platform.PathVar(r, "order_id"), platform.PathVar(r, "refund_id"))
	k.reply(w, r, http.StatusOK, rf, err)
}

// --- Sandbox helpers

func (k *Klarna) handleRedirect(w http.ResponseWriter, r *http.Request) {
	target, err := k.RedirectTarget(r.Context(), platform.PathVar(r, "id"))
	if err != nil {
		k.reply(w, r, 0, nil, err)
		return
	}
	// Only ever to an http(s) URL: merchant_urls are checked when created,
	// and a stored one from before that check is refused here.
	if !page.Redirect(w, r, target, http.StatusFound) {
		k.reply(w, r, 0, nil, badValue("merchant_urls.confirmation"))
	}
}

// authorizeBody is POST /_sandbox/klarna/authorizations.
type authorizeBody struct {
	ClientToken string `json:"client_token"`
	AuthorizeRequest
}

func (k *Klarna) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	render := sdkRenderer{k.p.Log}
	var in authorizeBody
	if err := decode(r, &in); err != nil {
		render.RenderError(w, r, err)
		return
	}
	tenant, sessionID, err := k.readClientToken(r.Context(), in.ClientToken)
	if err != nil {
		render.RenderError(w, r, err)
		return
	}
	r = r.WithContext(platform.WithTenant(r.Context(), tenant)) // for the journal
	res, err := k.Authorize(r.Context(), tenant, sessionID, in.AuthorizeRequest)
	switch {
	case err != nil:
		render.RenderError(w, r, err)
	case res.Error != nil:
		platform.WriteJSON(w, http.StatusBadRequest, res)
	default:
		platform.WriteJSON(w, http.StatusOK, res)
	}
}

// cors opens the authorization endpoint to any origin: it is what a shop's
// front end (or a test page) calls in place of Klarna's widget.
func cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
		h.Set("Access-Control-Allow-Headers", "Content-Type")
		if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
			h.Set("Access-Control-Allow-Headers", req)
		}
		h.Set("Access-Control-Max-Age", "600")
		next.ServeHTTP(w, r)
	})
}

func handlePreflight(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }

// sdkRenderer answers the authorization endpoint's failures in the JS SDK's
// shape: {approved:false, show_form, error:{invalid_fields, code, message}}.
// A field the schema rejects is fixable (show_form true, 400); a bad client
// token is 401; an expired or unknown session 404 NOT_FOUND; a completed one
// 404 SESSION_COMPLETED.
type sdkRenderer struct{ log *slog.Logger }

func (s sdkRenderer) RenderViolation(w http.ResponseWriter, r *http.Request, v *contract.Violation) {
	if v.Kind == contract.Body && len(v.Pointer) > 0 {
		platform.WriteJSON(w, http.StatusBadRequest, fixable(fieldPath(v.Pointer)))
		return
	}
	s.RenderError(w, r, violationError(v))
}

func (s sdkRenderer) RenderError(w http.ResponseWriter, r *http.Request, err error) {
	err = fromScenario(err) // scenarios.go
	var e *Error
	if !errors.As(err, &e) {
		s.log.Error("klarna: internal error", "path", r.URL.Path, "err", err)
		e = newError(http.StatusInternalServerError, "INTERNAL_SERVER_ERROR", "Internal server error")
	}
	msg := ""
	if len(e.Messages) > 0 {
		msg = e.Messages[0]
	}
	platform.WriteJSON(w, e.Status, AuthorizeResult{Error: &AuthorizeError{InvalidFields: []string{}, Code: e.Code, Message: msg}})
}
