package commercelayer

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/paysandbox/paysandbox/emulator/platform"
)

// Routes mounts the whole surface at Commerce Layer's own paths: the Core
// API under /api (every resource type of the model through the same JSON:API
// handlers; openapi/commercelayer.yaml is generated from the same catalogue),
// and the authentication endpoints.
func (cl *CommerceLayer) Routes(r *mux.Router) {
	render := apiRenderer{cl.p.Log}
	api := cl.p.Surface(r, platform.SurfaceConfig{
		Provider: provider, Spec: provider, Principal: cl.auth.authenticate, Renderer: render,
	})
	api.Use(cors, cl.rate.middleware(cl.p.Clock), negotiate(render))
	// Every resource type of Commerce Layer's model at its own path, with
	// exactly the actions the model gives it: catalogue/catalogue.json,
	// generated from the research facts. Types with behaviour are in
	// kinds.go; every other type is stored data checked against the model.
	// The table (written by catalogue/gen; TestRoutesListTheCatalogue keeps
	// it true) is the whole resource surface:
	//
	// @@SURFACE@@
	// /api/addresses                             list retrieve create update delete
	// /api/adjustments                           list retrieve create update delete
	// /api/adyen_gateways                        list retrieve create update delete
	// /api/adyen_payments                        list retrieve create update delete
	// /api/application                           retrieve
	// /api/attachments                           list retrieve create update delete
	// /api/authorizations                        list retrieve update
	// /api/avalara_accounts                      list retrieve create update delete
	// /api/axerve_gateways                       list retrieve create update delete
	// /api/axerve_payments                       list retrieve create update delete
	// /api/billing_info_validation_rules         list retrieve create update delete
	// /api/bing_geocoders                        list retrieve create update delete
	// /api/braintree_gateways                    list retrieve create update delete
	// /api/braintree_payments                    list retrieve create update delete
	// /api/bundles                               list retrieve create update delete
	// /api/buy_x_pay_y_promotions                list retrieve create update delete
	// /api/captures                              list retrieve update
	// /api/carrier_accounts                      list retrieve create update delete
	// /api/checkout_com_gateways                 list retrieve create update delete
	// /api/checkout_com_payments                 list retrieve create update delete
	// /api/cleanups                              list retrieve create update delete
	// /api/coupon_codes_promotion_rules          list retrieve create update delete
	// /api/coupon_recipients                     list retrieve create update delete
	// /api/coupons                               list retrieve create update delete
	// /api/custom_promotion_rules                list retrieve create update delete
	// /api/customer_addresses                    list retrieve create update delete
	// /api/customer_groups                       list retrieve create update delete
	// /api/customer_password_resets              list retrieve create update delete
	// /api/customer_payment_sources              list retrieve create update delete
	// /api/customer_subscriptions                list retrieve create update delete
	// /api/customers                             list retrieve create update delete
	// /api/delivery_lead_times                   list retrieve create update delete
	// /api/discount_engine_items                 list retrieve
	// /api/discount_engines                      list retrieve
	// /api/easypost_pickups                      list retrieve create update delete
	// /api/event_callbacks                       list retrieve
	// /api/event_stores                          retrieve
	// /api/events                                list retrieve update
	// /api/exports                               list retrieve create update delete
	// /api/external_gateways                     list retrieve create update delete
	// /api/external_payments                     list retrieve create update delete
	// /api/external_promotions                   list retrieve create update delete
	// /api/external_tax_calculators              list retrieve create update delete
	// /api/fixed_amount_promotions               list retrieve create update delete
	// /api/fixed_price_promotions                list retrieve create update delete
	// /api/flex_promotions                       list retrieve create update delete
	// /api/free_gift_promotions                  list retrieve create update delete
	// /api/free_shipping_promotions              list retrieve create update delete
	// /api/geocoders                             list retrieve
	// /api/gift_card_recipients                  list retrieve create update delete
	// /api/gift_cards                            list retrieve create update delete
	// /api/google_geocoders                      list retrieve create update delete
	// /api/imports                               list retrieve create update delete
	// /api/in_stock_subscriptions                list retrieve create update delete
	// /api/inventory_models                      list retrieve create update delete
	// /api/inventory_return_locations            list retrieve create update delete
	// /api/inventory_stock_locations             list retrieve create update delete
	// /api/klarna_gateways                       list retrieve create update delete
	// /api/klarna_payments                       list retrieve create update delete
	// /api/line_item_options                     list retrieve create update delete
	// /api/line_items                            list retrieve create update delete
	// /api/links                                 list retrieve create update delete
	// /api/manual_gateways                       list retrieve create update delete
	// /api/manual_tax_calculators                list retrieve create update delete
	// /api/markets                               list retrieve create update delete
	// /api/merchants                             list retrieve create update delete
	// /api/notifications                         list retrieve create update delete
	// /api/order_amount_promotion_rules          list retrieve create update delete
	// /api/order_copies                          list retrieve create update delete
	// /api/order_factories                       list retrieve
	// /api/order_subscription_items              list retrieve create update delete
	// /api/order_subscriptions                   list retrieve create update delete
	// /api/order_validation_rules                list retrieve
	// /api/orders                                list retrieve create update delete
	// /api/organization                          retrieve
	// /api/packages                              list retrieve create update delete
	// /api/parcel_line_items                     list retrieve create update delete
	// /api/parcels                               list retrieve create update delete
	// /api/payment_gateways                      list retrieve
	// /api/payment_methods                       list retrieve create update delete
	// /api/payment_options                       list retrieve create update delete
	// /api/paypal_gateways                       list retrieve create update delete
	// /api/paypal_payments                       list retrieve create update delete
	// /api/percentage_discount_promotions        list retrieve create update delete
	// /api/pickups                               list retrieve
	// /api/price_frequency_tiers                 list retrieve create update delete
	// /api/price_list_schedulers                 list retrieve create update delete
	// /api/price_lists                           list retrieve create update delete
	// /api/price_tiers                           list retrieve
	// /api/price_volume_tiers                    list retrieve create update delete
	// /api/prices                                list retrieve create update delete
	// /api/promotion_rules                       list retrieve
	// /api/promotions                            list retrieve
	// /api/recurring_order_copies                list retrieve create update delete
	// /api/refunds                               list retrieve update
	// /api/reserved_stocks                       list retrieve
	// /api/resource_errors                       list retrieve
	// /api/return_line_items                     list retrieve create update delete
	// /api/returns                               list retrieve create update delete
	// /api/satispay_gateways                     list retrieve create update delete
	// /api/satispay_payments                     list retrieve create update delete
	// /api/shipment_line_items                   list retrieve
	// /api/shipments                             list retrieve create update delete
	// /api/shipping_categories                   list retrieve create update delete
	// /api/shipping_method_tiers                 list retrieve
	// /api/shipping_methods                      list retrieve create update delete
	// /api/shipping_weight_tiers                 list retrieve create update delete
	// /api/shipping_zones                        list retrieve create update delete
	// /api/sku_list_items                        list retrieve create update delete
	// /api/sku_list_promotion_rules              list retrieve create update delete
	// /api/sku_lists                             list retrieve create update delete
	// /api/sku_options                           list retrieve create update delete
	// /api/skus                                  list retrieve create update delete
	// /api/stock_items                           list retrieve create update delete
	// /api/stock_line_items                      list retrieve create update delete
	// /api/stock_locations                       list retrieve create update delete
	// /api/stock_reservations                    list retrieve create update delete
	// /api/stock_transfers                       list retrieve create update delete
	// /api/stores                                list retrieve create update delete
	// /api/stripe_gateways                       list retrieve create update delete
	// /api/stripe_payments                       list retrieve create update delete
	// /api/stripe_tax_accounts                   list retrieve create update delete
	// /api/subscription_models                   list retrieve create update delete
	// /api/tags                                  list retrieve create update delete
	// /api/talon_one_accounts                    list retrieve create update delete
	// /api/tax_calculators                       list retrieve
	// /api/tax_categories                        list retrieve create update delete
	// /api/tax_rules                             list retrieve create update delete
	// /api/taxjar_accounts                       list retrieve create update delete
	// /api/transactions                          list retrieve
	// /api/versions                              list retrieve
	// /api/vertex_accounts                       list retrieve create update delete
	// /api/voids                                 list retrieve update
	// /api/webhooks                              list retrieve create update delete
	// /api/wire_transfers                        list retrieve create update delete
	// @@END SURFACE@@
	//
	// Each type's paths are members of two families, /api/* and /api/*/{id}
	// (platform.Family): two routes that find the type by a map lookup,
	// where a route per path would be 270 regexps tried in order.
	list, item := api.Family("/api/*"), api.Family("/api/*/{id}")
	for _, res := range clModel.Resources {
		typ := res.Type
		if res.Singleton {
			list.Handle(http.MethodGet, "/api/"+res.Name, cl.serveSingleton(typ))
			continue
		}
		if res.Has("list") {
			list.Handle(http.MethodGet, "/api/"+typ, cl.serveList(typ))
		}
		if res.Has("create") {
			list.Handle(http.MethodPost, "/api/"+typ, cl.serveCreate(typ))
		}
		if res.Has("retrieve") {
			item.Handle(http.MethodGet, "/api/"+typ+"/{id}", cl.serveGet(typ))
		}
		if res.Has("update") {
			item.Handle(http.MethodPatch, "/api/"+typ+"/{id}", cl.serveUpdate(typ))
		}
		if res.Has("delete") {
			item.Handle(http.MethodDelete, "/api/"+typ+"/{id}", cl.serveDelete(typ))
		}
	}
	api.Handle(http.MethodGet, "/api/{type}/{id}/{rel}", cl.serveRelated)
	api.Handle(http.MethodGet, "/api/{type}/{id}/relationships/{rel}", cl.serveRelationship)
	api.NotFound("/api/")

	// Tokens and keys: no bearer token; errors with a numeric status.
	auth := cl.p.Surface(r, platform.SurfaceConfig{Provider: provider, Spec: provider, Renderer: oauthRenderer{cl.p.Log}, MaxBody: 64 << 10})
	auth.Use(cors, cl.rate.middleware(cl.p.Clock))
	auth.Handle(http.MethodPost, "/oauth/token", cl.serveToken)
	auth.Handle(http.MethodPost, "/oauth/revoke", cl.serveRevoke)
	auth.Handle(http.MethodGet, "/.well-known/jwks.json", cl.serveJWKS)
	auth.NotFound("/oauth/")
}

// cors lets storefronts call the API from the browser, as they do with
// Commerce Layer's sales channel tokens; preflights are answered here.
func cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if origin := r.Header.Get("Origin"); origin != "" {
			h.Set("Access-Control-Allow-Origin", "*")
			h.Set("Access-Control-Expose-Headers", "X-Ratelimit-Limit, X-Ratelimit-Interval, X-Ratelimit-Remaining")
		}
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Set("Access-Control-Allow-Methods", "GET, POST, PATCH, DELETE, OPTIONS")
			allow := r.Header.Get("Access-Control-Request-Headers")
			if allow == "" {
				allow = "Accept, Authorization, Content-Type"
			}
			h.Set("Access-Control-Allow-Headers", allow)
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}
