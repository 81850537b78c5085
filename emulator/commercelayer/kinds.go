package commercelayer

import (
	"sort"
	"sync"

	"github.com/paysandbox/paysandbox/emulator/commercelayer/jsonapi"
)

// Every resource has these.
var (
	commonAttributes = []string{"created_at", "updated_at", "reference", "reference_origin", "metadata"}
	commonFilters    = []string{"id", "created_at", "updated_at", "reference", "reference_origin"}
	commonSorts      = []string{"id", "created_at", "updated_at", "reference"}
	// writableCommon are accepted on every create and update.
	writableCommon = []string{"reference", "reference_origin", "metadata"}
)

// attributeNames is the readable attributes of a kind: its attributes
// struct's fields, the common ones and the computed extras.
func attributeNames(attrs any, extra ...string) []string {
	out := append([]string{}, commonAttributes...)
	for k := range toMap(attrs) {
		out = append(out, k)
	}
	out = append(out, extra...)
	sort.Strings(out)
	return out
}

// amountNames are the three attributes of an amount: <base>_cents,
// <base>_float and formatted_<base>.
func amountNames(bases ...string) []string {
	var out []string
	for _, b := range bases {
		out = append(out, b+"_cents", b+"_float", "formatted_"+b)
	}
	return out
}

func resource(typ string, attrs []string, filters, sorts []string, rels ...jsonapi.Rel) *jsonapi.Resource {
	return &jsonapi.Resource{
		Type: typ, Attributes: attrs,
		Filters: append(append([]string{}, commonFilters...), filters...),
		Sorts:   append(append([]string{}, commonSorts...), sorts...),
		Rels:    rels,
	}
}

func toOne(name, typ string) jsonapi.Rel  { return jsonapi.Rel{Name: name, Type: typ} }
func toMany(name, typ string) jsonapi.Rel { return jsonapi.Rel{Name: name, Type: typ, Many: true} }

// readOnly is what a sales channel may do with catalog resources.
var readOnly = []op{opList, opRead}

// handledRels are, per type with behaviour, the relationships its kind keeps
// in fields of its own (the rest are stored as the client set them).
var (
	handledRels     = map[string]map[string]bool{}
	handledRelsOnce sync.Once
)

// buildKinds makes a kind of every type of the resource model: the ones
// with behaviour here from their constructors (their own descriptions
// widened to the whole model), every other one plain stored data.
func (cl *CommerceLayer) buildKinds() map[string]*kind {
	own := map[string]*kind{}
	for _, k := range []*kind{
		cl.marketKind(), cl.priceListKind(), cl.skuKind(), cl.priceKind(), cl.shippingMethodKind(),
		cl.paymentMethodKind(), cl.klarnaGatewayKind(),
		cl.customerKind(), cl.addressKind(),
		cl.orderKind(), cl.lineItemKind(), cl.shipmentKind(),
		cl.klarnaPaymentKind(), cl.externalPaymentKind(), cl.wireTransferKind(),
		cl.transactionKind("authorizations"), cl.transactionKind("captures"), cl.transactionKind("voids"), cl.transactionKind("refunds"),
		cl.transactionsKind(), cl.webhookKind(),
	} {
		if k != nil {
			own[k.res.Type] = k
		}
	}
	m := map[string]*kind{}
	handled := map[string]map[string]bool{}
	defer handledRelsOnce.Do(func() { handledRels = handled }) // the same for every instance
	for _, r := range clModel.Resources {
		k := own[r.Type]
		if k == nil {
			m[r.Type] = cl.genericKind(r)
			continue
		}
		handled[r.Type] = map[string]bool{}
		for _, rel := range k.res.Rels {
			handled[r.Type][rel.Name] = true
		}
		k.res = engineResource(r, k.res)
		cl.addGenericWrites(k, r)
		m[r.Type] = k
	}
	return m
}

// newRegistry is the engine's view of every kind.
func newRegistry(kinds map[string]*kind) *jsonapi.Registry {
	var rs []*jsonapi.Resource
	for _, k := range kinds {
		rs = append(rs, k.res)
	}
	return jsonapi.NewRegistry(rs...)
}

func (cl *CommerceLayer) registry() *jsonapi.Registry { return cl.reg }

// jsonUnmarshal decodes a stored record (goccy, as store.Tx.Get does).
func jsonUnmarshal(raw []byte, v any) error { return unmarshal(raw, v) }

func sortModels(ms []model) {
	sort.SliceStable(ms, func(i, j int) bool { return ms[i].base().Seq < ms[j].base().Seq })
}
