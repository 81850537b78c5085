package multisafepay

import (
	"bytes"
	"fmt"
	"io/fs"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/paysandbox/paysandbox/emulator/platform"
)

// Gateway is one payment method: its id, name and kind come from
// fixtures/multisafepay/gateways.tsv (the vendor's list), its behaviour from
// fixtures/multisafepay/gateways.yaml.
type Gateway struct {
	ID               string         `yaml:"-"`
	Name             string         `yaml:"-"`
	Kind             string         `yaml:"kind"`
	Categories       []string       `yaml:"-"` // the vendor spec's categories (creditcard, banking, ...)
	Aliases          []string       `yaml:"aliases"`
	Currencies       []string       `yaml:"currencies"`
	Countries        []string       `yaml:"countries"`
	MinAmount        int64          `yaml:"min_amount"`
	MaxAmount        int64          `yaml:"max_amount"`
	Expiry           *time.Duration `yaml:"expiry"`
	Types            []string       `yaml:"types"`
	DirectNeeds      []string       `yaml:"direct_needs"`
	Requires         []string       `yaml:"requires"`
	PaidFinancial    string         `yaml:"paid_financial"`
	Authorized       string         `yaml:"authorized"`
	Cancelled        string         `yaml:"cancelled"`
	ShipBeforeRefund bool           `yaml:"ship_before_refund"`
	ShipWindow       time.Duration  `yaml:"ship_window"`
	ShipExtension    time.Duration  `yaml:"ship_extension"`
	ShipWindowMax    time.Duration  `yaml:"ship_window_max"`
	CaptureExpiry    time.Duration  `yaml:"capture_expiry"`
	Issuers          string         `yaml:"issuers"`

	// Derived from Kind and ID.
	Type        string `yaml:"-"` // "coupon" for gift cards, as /gateways shows them
	BNPL        bool   `yaml:"-"`
	Card        bool   `yaml:"-"`
	DirectDebit bool   `yaml:"-"`
	Disabled    bool   `yaml:"-"` // reserved: every vendor id is served
}

// Kinds of gateways.
const (
	kindBNPL     = "bnpl"
	kindBanking  = "banking"
	kindCard     = "card"
	kindWallet   = "wallet"
	kindGiftCard = "giftcard"
	kindPrepaid  = "prepaid" // prepaid cards the vendor lists as payment methods (Edenred, Paysafecard)
)

var kinds = setOf("bnpl banking card wallet giftcard prepaid")

// Issuer is a bank of an issuer list (iDEAL).
type Issuer struct {
	Code        string `yaml:"code" json:"code"`
	Description string `yaml:"description" json:"description"`
}

// Catalogue is the account's gateways, issuers and API keys.
type Catalogue struct {
	Gateways []*Gateway
	byID     map[string]*Gateway
	Issuers  map[string][]Issuer
	APIKeys  map[string]bool
}

func decodeYAML(fsys fs.FS, name string, v any) error {
	raw, err := fs.ReadFile(fsys, name)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("fixtures/%s: %w", name, err)
	}
	return nil
}

// tsvRow is a line of gateways.tsv.
type tsvRow struct{ id, name, group, categories string }

// readTSV reads the vendor's gateway list; an id listed twice (EDENCOM is both
// a payment method and a gift card there) keeps its first row.
func readTSV(fsys fs.FS, name string) ([]tsvRow, error) {
	raw, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, err
	}
	var out []tsvRow
	seen := map[string]bool{}
	for i, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "gateway_id\t") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 4 || f[0] == "" {
			return nil, fmt.Errorf("fixtures/%s:%d: want 4 tab-separated columns", name, i+1)
		}
		if seen[f[0]] {
			continue
		}
		seen[f[0]] = true
		out = append(out, tsvRow{id: strings.ToUpper(f[0]), name: f[1], group: f[2], categories: f[3]})
	}
	return out, nil
}

// kindOf is a row's kind: an extra row names it, a TSV row's derives from
// the vendor's group and categories.
func kindOf(r tsvRow) string {
	cats := strings.Split(r.categories, ",")
	switch {
	case r.group == "extra":
		return r.categories
	case r.group == "gift card":
		return kindGiftCard
	case contains(cats, "prepaidcard"):
		return kindPrepaid
	case contains(cats, "bnpl"):
		return kindBNPL
	case contains(cats, "creditcard"):
		return kindCard
	case contains(cats, "banking"):
		return kindBanking
	case contains(cats, "wallet"):
		return kindWallet
	}
	return ""
}

// gateway is the method of one TSV row: a copy of its spec in
// gateways.yaml (nil: none), named and classified by the row, checked
// against the catalogue's issuers and what the emulator knows.
func (c *Catalogue) gateway(r tsvRow, spec *Gateway, expiry time.Duration) (*Gateway, error) {
	g := &Gateway{}
	if spec != nil {
		copied := *spec
		g = &copied
	}
	g.ID, g.Name = r.id, r.name
	if r.group != "extra" {
		g.Categories = strings.Split(r.categories, ",")
	}
	if g.Kind == "" {
		g.Kind = kindOf(r)
	}
	if !kinds[g.Kind] {
		return nil, fmt.Errorf("gateway %s has no kind (the TSV says %q)", g.ID, r.categories)
	}
	if g.Expiry == nil {
		g.Expiry = &expiry
	}
	if g.Issuers != "" && c.Issuers[g.Issuers] == nil {
		return nil, fmt.Errorf("gateway %s names unknown issuers %q", g.ID, g.Issuers)
	}
	for _, p := range g.Requires {
		if !requirable[p] {
			return nil, fmt.Errorf("gateway %s requires unknown part %q", g.ID, p)
		}
	}
	for _, t := range g.Types {
		if t != typeRedirect && t != typeDirect && t != typePaymentLink {
			return nil, fmt.Errorf("gateway %s has unknown type %q", g.ID, t)
		}
	}
	g.BNPL, g.Card = g.Kind == kindBNPL, g.Kind == kindCard
	g.DirectDebit = g.ID == "DIRDEB"
	if g.Kind == kindGiftCard {
		g.Type = "coupon"
	}
	return g, nil
}

// loadCatalogue reads fixtures/multisafepay from fsys (rooted at fixtures/).
func loadCatalogue(fsys fs.FS) (*Catalogue, error) {
	const file = "fixtures/multisafepay/gateways.yaml"
	var gw struct {
		Defaults struct {
			Expiry time.Duration `yaml:"expiry"`
		} `yaml:"defaults"`
		Gateways  map[string]*Gateway `yaml:"gateways"`
		GiftCards *Gateway            `yaml:"giftcards"`
		Extra     []struct {
			ID   string `yaml:"id"`
			Name string `yaml:"name"`
			Kind string `yaml:"kind"`
		} `yaml:"extra"`
	}
	var creds struct {
		APIKeys []string `yaml:"api_keys"`
	}
	c := &Catalogue{byID: map[string]*Gateway{}, APIKeys: map[string]bool{}}
	rows, err := readTSV(fsys, "multisafepay/gateways.tsv")
	if err != nil {
		return nil, err
	}
	if err := decodeYAML(fsys, "multisafepay/gateways.yaml", &gw); err != nil {
		return nil, err
	}
	if err := decodeYAML(fsys, "multisafepay/issuers.yaml", &c.Issuers); err != nil {
		return nil, err
	}
	if err := decodeYAML(fsys, "multisafepay/credentials.yaml", &creds); err != nil {
		return nil, err
	}
	for _, k := range creds.APIKeys {
		c.APIKeys[k] = true
	}
	for _, e := range gw.Extra {
		rows = append(rows, tsvRow{id: strings.ToUpper(e.ID), name: e.Name, group: "extra", categories: e.Kind})
	}
	used := map[string]bool{}
	for _, r := range rows {
		if _, dup := c.byID[r.id]; dup {
			continue // an extra id the TSV has meanwhile
		}
		spec := gw.Gateways[r.id]
		if spec != nil {
			used[r.id] = true
		} else if kindOf(r) == kindGiftCard {
			spec = gw.GiftCards
		}
		g, err := c.gateway(r, spec, gw.Defaults.Expiry)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		c.byID[g.ID] = g
		c.Gateways = append(c.Gateways, g)
		for _, a := range g.Aliases {
			c.byID[strings.ToUpper(a)] = g
		}
	}
	for id := range gw.Gateways {
		if !used[id] {
			return nil, fmt.Errorf("%s: gateway %s is not in gateways.tsv nor in extra", file, id)
		}
	}
	return c, nil
}

// requirable are the request parts a gateway may require.
var requirable = setOf("customer delivery gateway_info shopping_cart checkout_options")

// Gateway finds a gateway by id or alias in any case.
func (c *Catalogue) Gateway(id string) (*Gateway, bool) {
	g, ok := c.byID[strings.ToUpper(strings.TrimSpace(id))]
	return g, ok
}

// expiry is how long an unfinished transaction lives (0: it does not expire).
func (g *Gateway) expiry() time.Duration {
	if g.Expiry == nil {
		return 0
	}
	return *g.Expiry
}

// takesType tells whether the gateway takes orders of this type.
func (g *Gateway) takesType(t string) bool {
	return len(g.Types) == 0 || contains(g.Types, t)
}

// takesCurrency tells whether the gateway processes the currency.
func (g *Gateway) takesCurrency(currency string) bool {
	return len(g.Currencies) == 0 || contains(g.Currencies, strings.ToUpper(currency))
}

// Accepts tells whether the gateway is listed for a payment of this currency,
// amount and country ("" and 0 mean: do not filter).
func (g *Gateway) Accepts(currency, country string, amount int64) bool {
	if g.Disabled {
		return false
	}
	if currency != "" && !g.takesCurrency(currency) {
		return false
	}
	if country != "" && len(g.Countries) > 0 && !contains(g.Countries, strings.ToUpper(country)) {
		return false
	}
	if amount > 0 && (amount < g.MinAmount || (g.MaxAmount > 0 && amount > g.MaxAmount)) {
		return false
	}
	return true
}

func (g *Gateway) requires(part string) bool { return contains(g.Requires, part) }

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// gatewayJSON is an entry of GET /gateways.
type gatewayJSON struct {
	Description string `json:"description"`
	ID          string `json:"id"`
	Type        string `json:"type,omitempty"`
}

// listGateways filters the catalogue like GET /gateways: by country, currency
// and amount; only the first gift card unless include=coupons.
func (c *Catalogue) listGateways(country, currency string, amount int64, coupons bool) []gatewayJSON {
	out := []gatewayJSON{}
	sawCoupon := false
	for _, g := range c.Gateways {
		if !g.Accepts(currency, country, amount) {
			continue
		}
		if g.Type == "coupon" {
			if sawCoupon && !coupons {
				continue
			}
			sawCoupon = true
		}
		out = append(out, gatewayJSON{ID: g.ID, Description: g.Name, Type: g.Type})
	}
	return out
}

// paymentMethodJSON is an entry of GET /payment-methods.
type paymentMethodJSON struct {
	AdditionalData       struct{}      `json:"additional_data"`
	AllowedAmount        allowedAmount `json:"allowed_amount"`
	AllowedCountries     []string      `json:"allowed_countries"`
	AllowedCurrencies    []string      `json:"allowed_currencies"`
	Apps                 pmApps        `json:"apps"`
	Brands               []struct{}    `json:"brands"`
	IconURLs             iconURLs      `json:"icon_urls"`
	ID                   string        `json:"id"`
	Name                 string        `json:"name"`
	PreferredCountries   []string      `json:"preferred_countries"`
	RequiredCustomerData []string      `json:"required_customer_data"`
	ShoppingCartRequired bool          `json:"shopping_cart_required"`
	Tokenization         tokenization  `json:"tokenization"`
	Type                 string        `json:"type"`
}

type allowedAmount struct {
	Max *int64 `json:"max"`
	Min int64  `json:"min"`
}

type pmApps struct {
	Fastcheckout      appEnabled `json:"fastcheckout"`
	PaymentComponents struct {
		HasFields bool `json:"has_fields"`
		IsEnabled bool `json:"is_enabled"`
	} `json:"payment_components"`
}

type appEnabled struct {
	IsEnabled bool `json:"is_enabled"`
}

type iconURLs struct {
	Large  string `json:"large"`
	Medium string `json:"medium"`
	Vector string `json:"vector"`
}

type tokenization struct {
	IsEnabled bool     `json:"is_enabled"`
	Models    []string `json:"models"`
}

func (g *Gateway) paymentMethod() paymentMethodJSON {
	pm := paymentMethodJSON{
		AllowedAmount:        allowedAmount{Min: g.MinAmount},
		AllowedCountries:     nonNil(g.Countries),
		AllowedCurrencies:    nonNil(g.Currencies),
		Brands:               []struct{}{},
		ID:                   g.ID,
		Name:                 g.Name,
		PreferredCountries:   []string{},
		RequiredCustomerData: []string{},
		ShoppingCartRequired: g.requires("shopping_cart"),
		Type:                 "payment-method",
	}
	if g.Type == "coupon" {
		pm.Type = "coupon"
	}
	if len(pm.AllowedCurrencies) == 0 {
		for c := range supportedCurrencies {
			pm.AllowedCurrencies = append(pm.AllowedCurrencies, c)
		}
		sort.Strings(pm.AllowedCurrencies)
	}
	if g.MaxAmount > 0 {
		max := g.MaxAmount
		pm.AllowedAmount.Max = &max
	}
	if g.requires("gateway_info") {
		pm.RequiredCustomerData = []string{"birthday", "email", "gender", "phone"}
	}
	pm.Apps.Fastcheckout.IsEnabled = true
	pm.Apps.PaymentComponents.IsEnabled = true
	pm.Apps.PaymentComponents.HasFields = g.Card
	pm.Tokenization.IsEnabled = g.Card
	icon := strings.ToLower(g.ID)
	// The vendor's icon host: the emulator serves no images.
	pm.IconURLs = iconURLs{
		Large:  "https://media.multisafepay.com/img/methods/3x/" + icon + ".png",
		Medium: "https://media.multisafepay.com/img/methods/2x/" + icon + ".png",
		Vector: "https://media.multisafepay.com/img/methods/svg/" + icon + ".svg",
	}
	return pm
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return append([]string(nil), s...)
}

// success is MultiSafepay's success envelope.
type success struct {
	Success bool `json:"success"`
	Data    any  `json:"data"`
}

func ok(w http.ResponseWriter, data any) {
	platform.WriteJSON(w, http.StatusOK, success{Success: true, Data: data})
}

// queryAmount reads the optional amount filter.
func queryAmount(r *http.Request) (int64, *Error) {
	s := r.URL.Query().Get("amount")
	if s == "" {
		return 0, nil
	}
	n, good := parseMinor(s)
	if !good || n < 0 {
		return 0, errAmount("Invalid amount")
	}
	return n, nil
}

// queryFilters reads country, currency and amount of the catalogue endpoints.
func queryFilters(r *http.Request) (country, currency string, amount int64, err *Error) {
	q := r.URL.Query()
	country, currency = q.Get("country"), q.Get("currency")
	if country != "" && !validCountry(country) {
		return "", "", 0, errCountry()
	}
	if currency != "" {
		var good bool
		if currency, good = normCurrency(currency); !good {
			return "", "", 0, errCurrency()
		}
	}
	amount, err = queryAmount(r)
	return country, currency, amount, err
}

func (m *MultiSafepay) listGateways(w http.ResponseWriter, r *http.Request) {
	country, currency, amount, err := queryFilters(r)
	if err != nil {
		writeError(w, err)
		return
	}
	ok(w, m.cat.listGateways(country, currency, amount, r.URL.Query().Get("include") == "coupons"))
}

func (m *MultiSafepay) getGateway(w http.ResponseWriter, r *http.Request) {
	g, found := m.cat.Gateway(platform.PathVar(r, "gateway_id"))
	if !found || g.Disabled {
		writeError(w, errGatewayNotFound())
		return
	}
	ok(w, gatewayJSON{ID: g.ID, Description: g.Name, Type: g.Type})
}

func (m *MultiSafepay) listIssuers(w http.ResponseWriter, r *http.Request) {
	g, found := m.cat.Gateway(platform.PathVar(r, "gateway"))
	if !found || g.Disabled {
		writeError(w, errGatewayNotFound())
		return
	}
	list := m.cat.Issuers[g.Issuers]
	if list == nil {
		list = []Issuer{}
	}
	ok(w, list)
}

func (m *MultiSafepay) listPaymentMethods(w http.ResponseWriter, r *http.Request) {
	country, currency, amount, err := queryFilters(r)
	if err != nil {
		writeError(w, err)
		return
	}
	coupons := true
	if v := r.URL.Query().Get("include_coupons"); v != "" {
		coupons, _ = strconv.ParseBool(v)
	}
	q := r.URL.Query()
	group, _ := strconv.ParseBool(q.Get("group_cards"))
	typ := q.Get("type") // payment-method or coupon
	out := []paymentMethodJSON{}
	for _, g := range m.cat.Gateways {
		if !g.Accepts(currency, country, amount) || (!coupons && g.Type == "coupon") {
			continue
		}
		if group && g.Card && g.ID != "CREDITCARD" {
			continue // grouped: the cards show as one CREDITCARD entry
		}
		pm := g.paymentMethod()
		if typ != "" && pm.Type != typ {
			continue
		}
		out = append(out, pm)
	}
	ok(w, out)
}

func (m *MultiSafepay) getPaymentMethod(w http.ResponseWriter, r *http.Request) {
	g, found := m.cat.Gateway(platform.PathVar(r, "payment_method_id"))
	if !found || g.Disabled {
		writeError(w, errGatewayNotFound())
		return
	}
	ok(w, g.paymentMethod())
}
