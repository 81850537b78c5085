package commercelayer

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/paysandbox/paysandbox/emulator/commercelayer/jsonapi"
	"github.com/paysandbox/paysandbox/emulator/store"
)

// World is fixtures/commercelayer/world.yaml.
type World struct {
	Organization struct {
		Slug string `yaml:"slug"`
		ID   string `yaml:"id"`
		Name string `yaml:"name"`
	} `yaml:"organization"`
	Applications []Application `yaml:"applications"`
	PriceLists   []struct {
		ID           string `yaml:"id"`
		Name         string `yaml:"name"`
		Code         string `yaml:"code"`
		CurrencyCode string `yaml:"currency_code"`
		TaxIncluded  bool   `yaml:"tax_included"`
	} `yaml:"price_lists"`
	Markets []struct {
		ID             string           `yaml:"id"`
		Number         int64            `yaml:"number"`
		Name           string           `yaml:"name"`
		Code           string           `yaml:"code"`
		PriceList      string           `yaml:"price_list"`
		CountryCode    string           `yaml:"country_code"`
		LanguageCode   string           `yaml:"language_code"`
		DefaultTaxRate int64            `yaml:"default_tax_rate"`
		TaxRates       map[string]int64 `yaml:"tax_rates"`
	} `yaml:"markets"`
	Skus []struct {
		ID           string           `yaml:"id"`
		Code         string           `yaml:"code"`
		Name         string           `yaml:"name"`
		Description  string           `yaml:"description"`
		ImageURL     string           `yaml:"image_url"`
		Weight       *float64         `yaml:"weight"`
		UnitOfWeight string           `yaml:"unit_of_weight"`
		DoNotShip    bool             `yaml:"do_not_ship"`
		Prices       map[string]int64 `yaml:"prices"`
	} `yaml:"skus"`
	ShippingMethods []struct {
		ID                  string `yaml:"id"`
		Name                string `yaml:"name"`
		Market              string `yaml:"market"`
		CurrencyCode        string `yaml:"currency_code"`
		PriceAmountCents    int64  `yaml:"price_amount_cents"`
		FreeOverAmountCents *int64 `yaml:"free_over_amount_cents"`
	} `yaml:"shipping_methods"`
	KlarnaGateways []struct {
		ID          string `yaml:"id"`
		Name        string `yaml:"name"`
		CountryCode string `yaml:"country_code"`
	} `yaml:"klarna_gateways"`
	ManualGateways   []struct{ ID, Name string } `yaml:"manual_gateways"`
	ExternalGateways []struct{ ID, Name string } `yaml:"external_gateways"`
	PaymentMethods   []struct {
		ID                string `yaml:"id"`
		Name              string `yaml:"name"`
		PaymentSourceType string `yaml:"payment_source_type"`
		Market            string `yaml:"market"`
		CurrencyCode      string `yaml:"currency_code"`
		Gateway           string `yaml:"gateway"`
		PriceAmountCents  int64  `yaml:"price_amount_cents"`
		RequireCapture    bool   `yaml:"require_capture"`
		AutoCapture       bool   `yaml:"auto_capture"`
	} `yaml:"payment_methods"`

	gatewayTypes map[string]string // gateway id -> resource type
}

// Application is an API client of the organization.
type Application struct {
	ID           string `yaml:"id"`
	Kind         string `yaml:"kind"`
	Name         string `yaml:"name"`
	ClientID     string `yaml:"client_id"`
	ClientSecret string `yaml:"client_secret"`
}

// Application kinds.
const (
	kindSalesChannel = "sales_channel"
	kindIntegration  = "integration"
)

var slugPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

func loadWorld(fsys fs.FS) (*World, error) {
	raw, err := fs.ReadFile(fsys, "commercelayer/world.yaml")
	if err != nil {
		return nil, err
	}
	var w World
	if err := yaml.Unmarshal(raw, &w); err != nil {
		return nil, fmt.Errorf("commercelayer/world.yaml: %w", err)
	}
	if !slugPattern.MatchString(w.Organization.Slug) {
		return nil, fmt.Errorf("commercelayer/world.yaml: bad organization slug %q", w.Organization.Slug)
	}
	if w.salesChannel() == nil || w.integration() == nil {
		return nil, errors.New("commercelayer/world.yaml: needs a sales_channel and an integration application")
	}
	w.gatewayTypes = map[string]string{}
	for _, g := range w.KlarnaGateways {
		w.gatewayTypes[g.ID] = "klarna_gateways"
	}
	for _, g := range w.ManualGateways {
		w.gatewayTypes[g.ID] = "manual_gateways"
	}
	for _, g := range w.ExternalGateways {
		w.gatewayTypes[g.ID] = "external_gateways"
	}
	for _, pm := range w.PaymentMethods {
		if w.gatewayTypes[pm.Gateway] == "" {
			return nil, fmt.Errorf("commercelayer/world.yaml: payment method %s: unknown gateway %q", pm.ID, pm.Gateway)
		}
	}
	return &w, nil
}

func (w *World) app(kind string) *Application {
	for i := range w.Applications {
		if w.Applications[i].Kind == kind {
			return &w.Applications[i]
		}
	}
	return nil
}

func (w *World) salesChannel() *Application { return w.app(kindSalesChannel) }
func (w *World) integration() *Application  { return w.app(kindIntegration) }

// appByClientID finds a fixture application.
func (w *World) appByClientID(id string) *Application {
	for i := range w.Applications {
		if w.Applications[i].ClientID == id {
			return &w.Applications[i]
		}
	}
	return nil
}

// orgID is the organization's id: the fixture's for the default slug, a
// stable 10-letter hash of the slug for any other.
func (w *World) orgID(slug string) string {
	if slug == w.Organization.Slug {
		return w.Organization.ID
	}
	sum := sha256.Sum256([]byte("commercelayer-org:" + slug))
	const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	b := make([]byte, 10)
	for i := range b {
		b[i] = letters[int(sum[i])%len(letters)]
	}
	return string(b)
}

// klarnaCredentials are an organization's Klarna merchant credentials: its
// Klarna gateways talk to the Klarna emulator as this merchant, so what one
// organization does at Klarna is no other's, nor the default Klarna login's
// (PK_TEST_paysandbox). The username names the organization, as its host
// name does; the password is derived from it.
func klarnaCredentials(slug string) (string, string) {
	sum := sha256.Sum256([]byte("commercelayer-klarna:" + slug))
	return "PK_TEST_cl_" + slug, fmt.Sprintf("%x", sum[:12])
}

// priceID is the derived id of a fixture price.
func priceID(skuID, currency string) string {
	return "Pr" + strings.TrimPrefix(skuID, "Sku") + currency[:1]
}

// Collections that are not resource types.
const (
	colOrganization  = "organization"
	colSigningKeys   = "signing_keys"
	colRefreshTokens = "refresh_tokens"
	colRevoked       = "revoked_tokens"
	selfID           = "self"
)

func strp(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// seed writes the default world into an empty organization (inside the
// caller's transaction; it does nothing if the organization exists).
func (w *World) seed(tx *store.Tx, slug string, now time.Time) error {
	if tx.Exists(colOrganization, selfID) {
		return nil
	}
	ts := timestamp(now)
	var seq uint64
	base := func(id string) Base {
		seq++
		return Base{ID: id, Seq: seq, CreatedAt: ts, UpdatedAt: ts, Metadata: map[string]any{}}
	}
	org := Organization{Base: base(w.orgID(slug)), Slug: slug, Name: w.Organization.Name}
	if slug != w.Organization.Slug {
		org.Name = slug
	}
	put := func(coll string, m model) error { return tx.Put(coll, m.base().ID, storedAs(coll, m)) }
	if err := tx.Put(colOrganization, selfID, org); err != nil {
		return err
	}
	for _, pl := range w.PriceLists {
		r := PriceList{Base: base(pl.ID)}
		r.A.Name, r.A.Code, r.A.CurrencyCode, r.A.TaxIncluded = pl.Name, pl.Code, pl.CurrencyCode, pl.TaxIncluded
		if err := put("price_lists", &r); err != nil {
			return err
		}
	}
	for _, m := range w.Markets {
		r := Market{Base: base(m.ID), PriceListID: m.PriceList, CountryCode: m.CountryCode, LanguageCode: m.LanguageCode,
			DefaultTaxRate: m.DefaultTaxRate, TaxRates: m.TaxRates}
		r.A.Number, r.A.Name, r.A.Code = m.Number, m.Name, m.Code
		if err := put("markets", &r); err != nil {
			return err
		}
	}
	for _, s := range w.Skus {
		r := Sku{Base: base(s.ID)}
		r.A.Code, r.A.Name, r.A.Description, r.A.ImageURL = s.Code, s.Name, strp(s.Description), strp(s.ImageURL)
		r.A.Weight, r.A.UnitOfWeight, r.A.DoNotShip = s.Weight, strp(s.UnitOfWeight), s.DoNotShip
		if err := put("skus", &r); err != nil {
			return err
		}
		for _, pl := range w.PriceLists {
			amount, ok := s.Prices[pl.CurrencyCode]
			if !ok {
				continue
			}
			p := Price{Base: base(priceID(s.ID, pl.CurrencyCode)), PriceListID: pl.ID, SkuID: s.ID}
			p.A.CurrencyCode, p.A.SkuCode, p.A.AmountCents, p.A.CompareAtAmountCents = pl.CurrencyCode, s.Code, amount, amount
			if err := put("prices", &p); err != nil {
				return err
			}
		}
	}
	for _, s := range w.ShippingMethods {
		r := ShippingMethod{Base: base(s.ID), MarketID: s.Market}
		r.A.Name, r.A.Scheme, r.A.CurrencyCode, r.A.PriceAmountCents, r.A.FreeOverAmountCents = s.Name, "flat", s.CurrencyCode, s.PriceAmountCents, s.FreeOverAmountCents
		if err := put("shipping_methods", &r); err != nil {
			return err
		}
	}
	for _, g := range w.KlarnaGateways {
		key, secret := klarnaCredentials(slug)
		r := KlarnaGateway{Base: base(g.ID), APIKey: key, APISecret: secret}
		r.A.Name, r.CountryCode = g.Name, g.CountryCode
		if err := put("klarna_gateways", &r); err != nil {
			return err
		}
	}
	for _, pm := range w.PaymentMethods {
		r := PaymentMethod{Base: base(pm.ID), MarketID: pm.Market, Gateway: jsonapi.Ref{Type: w.gatewayTypes[pm.Gateway], ID: pm.Gateway}}
		r.A.Name, r.A.PaymentSourceType, r.A.CurrencyCode = pm.Name, pm.PaymentSourceType, pm.CurrencyCode
		r.A.PriceAmountCents, r.A.RequireCapture, r.A.AutoCapture = pm.PriceAmountCents, pm.RequireCapture, pm.AutoCapture
		if err := put("payment_methods", &r); err != nil {
			return err
		}
	}
	return nil
}

// ensureWorld seeds the organization's default world if it has none.
func (cl *CommerceLayer) ensureWorld(ctx context.Context, slug string) error {
	exists := false
	if err := cl.p.Store.View(ctx, provider, slug, func(tx *store.Tx) error {
		exists = tx.Exists(colOrganization, selfID)
		return nil
	}); err != nil {
		return err
	}
	if exists {
		return nil
	}
	now := cl.p.Clock.Now(slug)
	return cl.p.Store.Update(ctx, provider, slug, func(tx *store.Tx) error { return cl.world.seed(tx, slug, now) })
}

// orgFromHost is the organization a host names: its first label when the
// rest is localhost, a commercelayer.io domain or a loopback wildcard domain
// (paysandbox.localhost:8910, acme.commercelayer.io). auth.* names none.
func orgFromHost(host string) string {
	h := strings.ToLower(host)
	if i := strings.LastIndex(h, ":"); i >= 0 && !strings.Contains(h[i:], "]") {
		h = h[:i]
	}
	label, rest, ok := strings.Cut(h, ".")
	if !ok || label == "auth" || label == "www" || label == "api" || !slugPattern.MatchString(label) {
		return ""
	}
	switch {
	case rest == "localhost", rest == "lvh.me", rest == "localtest.me", rest == "commercelayer.io", strings.HasSuffix(rest, ".commercelayer.io"):
		return label
	}
	return ""
}
