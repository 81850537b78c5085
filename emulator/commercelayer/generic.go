package commercelayer

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/paysandbox/paysandbox/emulator/commercelayer/catalogue"
	"github.com/paysandbox/paysandbox/emulator/commercelayer/jsonapi"
)

// clModel is Commerce Layer's resource model (catalogue/catalogue.json,
// generated from the research facts): it decides which types exist, their
// actions, attributes, relationships, filters and sorts. The kinds with
// behaviour (kinds.go) add rules on top; every other type is plain stored
// data with the model's validation (the OpenAPI file generated from the same
// catalogue checks types, enums, writability and plain required rules).
var clModel = catalogue.Load()

// salesWritable are the types without behaviour here that a sales channel
// may create and change (its customers' own data); on every other such type
// a sales channel may only read. UNCONFIRMED: Commerce Layer's role table is
// not in the research; this follows what a storefront does.
var salesWritable = map[string]bool{
	"customer_addresses": true, "customer_payment_sources": true, "customer_subscriptions": true,
	"customer_password_resets": true, "in_stock_subscriptions": true, "line_item_options": true,
	"adyen_payments": true, "axerve_payments": true, "braintree_payments": true, "checkout_com_payments": true,
	"paypal_payments": true, "satispay_payments": true, "stripe_payments": true,
}

// backOffice are the types without behaviour a sales channel may not even
// read: credentials and integrations of the organization, its event
// machinery and bulk jobs (UNCONFIRMED, as salesWritable).
func backOffice(typ string) bool {
	for _, suffix := range []string{"_gateways", "_accounts", "_geocoders", "_tax_calculators"} {
		if strings.HasSuffix(typ, suffix) {
			return true
		}
	}
	return in_(typ, []string{"payment_gateways", "tax_calculators", "geocoders", "event_callbacks", "events", "event_stores",
		"imports", "exports", "cleanups", "resource_errors", "versions", "notifications", "webhooks", "order_factories"})
}

// engineResource is the engine's description of a type: the model's
// fetchable attributes, filters, sorts and relationships, plus what the
// kind's own description adds (paths such as market_code).
func engineResource(r *catalogue.Resource, own *jsonapi.Resource) *jsonapi.Resource {
	res := &jsonapi.Resource{Type: r.Type}
	seen := map[string]bool{}
	add := func(list *[]string, names ...string) {
		for _, n := range names {
			if !seen[n] {
				seen[n] = true
				*list = append(*list, n)
			}
		}
	}
	for _, a := range r.Attrs {
		if a.Fetch {
			add(&res.Attributes, a.Name)
		}
	}
	res.Null = slices.Clone(res.Attributes) // every object shows them, null when not set
	seen = map[string]bool{}
	add(&res.Filters, commonFilters...)
	add(&res.Filters, r.Filters...)
	for _, a := range r.Attrs {
		if a.Filter {
			add(&res.Filters, a.Name)
		}
	}
	seen = map[string]bool{}
	add(&res.Sorts, commonSorts...)
	for _, a := range r.Attrs {
		if a.Sort {
			add(&res.Sorts, a.Name)
		}
	}
	relSeen := map[string]bool{}
	for _, rel := range r.Rels {
		relSeen[rel.Name] = true
		res.Rels = append(res.Rels, jsonapi.Rel{Name: rel.Name, Type: rel.Type, Types: rel.Types, Many: rel.Many})
	}
	if own != nil {
		seen = map[string]bool{}
		for _, n := range res.Attributes {
			seen[n] = true
		}
		add(&res.Attributes, own.Attributes...)
		seen = map[string]bool{}
		for _, n := range res.Filters {
			seen[n] = true
		}
		add(&res.Filters, own.Filters...)
		seen = map[string]bool{}
		for _, n := range res.Sorts {
			seen[n] = true
		}
		add(&res.Sorts, own.Sorts...)
		for _, rel := range own.Rels {
			if !relSeen[rel.Name] {
				res.Rels = append(res.Rels, rel)
			}
		}
	}
	return res
}

// genericKind is a type with no behaviour of its own.
func (cl *CommerceLayer) genericKind(r *catalogue.Resource) *kind {
	k := &kind{
		res:    engineResource(r, nil),
		newRec: func() model { return &Record{} },
		sales:  []op{opList, opRead},
		object: func(c *call, m model) *jsonapi.Object {
			rec := m.(*Record)
			return c.object(r.Type, &rec.Base, nil, nil, nil)
		},
	}
	switch {
	case salesWritable[r.Type]:
		k.sales = append(k.sales, opCreate, opUpdate, opDelete)
	case backOffice(r.Type):
		k.sales = nil
	}
	if rel := r.Rel("customer"); rel != nil && !rel.Many {
		// A customer's token sees its own records; a guest's none of them.
		k.owned = func(c *call, m model) bool {
			refs := m.base().Rels["customer"]
			return len(refs) == 1 && refs[0].ID == c.tok.customerID() && c.tok.customerID() != ""
		}
	}
	cl.addGenericWrites(k, r)
	return k
}

// addGenericWrites gives a kind the model's write actions it lacks: the
// record's attributes and relationships are stored as sent.
func (cl *CommerceLayer) addGenericWrites(k *kind, r *catalogue.Resource) {
	if r.Has("create") && k.create == nil {
		k.create = func(c *call, in *input) (string, error) {
			var id string
			err := c.update(func() error {
				m := k.newRec()
				b, err := c.newBase(r.Type)
				if err != nil {
					return err
				}
				*m.base() = b
				if err := writeModel(r, m, in, true); err != nil {
					return err
				}
				for _, a := range r.Attrs {
					if a.Default != nil && a.Fetch {
						if _, set := m.base().Extra[a.Name]; !set && !in.has(a.Name) {
							if m.base().Extra == nil {
								m.base().Extra = map[string]any{}
							}
							m.base().Extra[a.Name] = a.Default
						}
					}
				}
				id = b.ID
				c.emit(r.Type+".create", r.Type, id)
				return c.put(r.Type, m)
			})
			return id, err
		}
	}
	if r.Has("update") && k.update == nil {
		k.update = func(c *call, id string, in *input) error {
			return c.update(func() error {
				m := k.newRec()
				if err := c.get(r.Type, id, m); err != nil {
					return err
				}
				if err := writeModel(r, m, in, false); err != nil {
					return err
				}
				if err := c.applyTags(m.base(), in); err != nil {
					return err
				}
				c.touch(m)
				c.emit(r.Type+".update", r.Type, id)
				for name := range in.Attrs {
					if strings.HasPrefix(name, "_") && in.flag(name) {
						c.emit(r.Type+"."+strings.TrimPrefix(name, "_"), r.Type, id)
					}
				}
				return c.put(r.Type, m)
			})
		}
	}
	if r.Has("delete") && k.destroy == nil {
		k.destroy = func(c *call, id string) error {
			return c.update(func() error {
				c.emit(r.Type+".destroy", r.Type, id)
				if err := c.flushEvents(); err != nil { // the payload needs the record
					return err
				}
				c.events = nil
				return c.del(r.Type, id)
			})
		}
	}
}

// writeModel writes in onto any record: attributes its struct has go there
// (when the model lets clients write them), the rest to Base.Extra; to-one
// relationships also onto a <name>_id field when the record has one (a
// price's sku_id).
func writeModel(r *catalogue.Resource, m model, in *input, create bool) error {
	raw, err := json.Marshal(m)
	if err != nil {
		return err
	}
	var rec map[string]json.RawMessage
	if err := json.Unmarshal(raw, &rec); err != nil {
		return err
	}
	attrs := map[string]any{}
	var allowed []string
	if a, ok := rec["attributes"]; ok {
		if err := json.Unmarshal(a, &attrs); err != nil {
			return err
		}
		for name := range attrs {
			if at := r.Attr(name); at != nil && ((create && at.Create) || (!create && at.Update)) {
				allowed = append(allowed, name)
			}
		}
	}
	var dst any
	if _, ok := rec["attributes"]; ok {
		dst = &attrs
	}
	if err := overlay(m.base(), dst, in, allowed...); err != nil {
		return err
	}
	patch := map[string]any{}
	if dst != nil {
		patch["attributes"] = attrs
	}
	for name, rel := range in.Rels {
		if _, ok := rec[name+"_id"]; ok && !rel.Many {
			id := ""
			if len(rel.Refs) == 1 {
				id = rel.Refs[0].ID
			}
			patch[name+"_id"] = id
		}
	}
	raw, err = json.Marshal(patch)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, m); err != nil {
		return jsonapi.Validation("/data/attributes", "attributes", "is invalid", "invalid")
	}
	return nil
}

// applyTags is _add_tags / _remove_tags (comma-separated tag names) on a
// record's tags relationship; a tag named for the first time is created.
func (c *call) applyTags(b *Base, in *input) error {
	add, remove := in.str("_add_tags"), in.str("_remove_tags")
	if add == nil && remove == nil {
		return nil
	}
	tags, err := scan(c, "tags", func(*Record) bool { return true })
	if err != nil {
		return err
	}
	byName := map[string]string{}
	for _, t := range tags {
		if n, ok := t.Extra["name"].(string); ok {
			byName[n] = t.ID
		}
	}
	refs := b.Rels["tags"]
	has := func(id string) bool {
		for _, r := range refs {
			if r.ID == id {
				return true
			}
		}
		return false
	}
	for _, name := range splitList(add) {
		id, ok := byName[name]
		if !ok {
			t := &Record{}
			if t.Base, err = c.newBase("tags"); err != nil {
				return err
			}
			t.Extra = map[string]any{"name": name}
			if err := c.put("tags", t); err != nil {
				return err
			}
			id, byName[name] = t.ID, t.ID
		}
		if !has(id) {
			refs = append(refs, jsonapi.Ref{Type: "tags", ID: id})
		}
	}
	for _, name := range splitList(remove) {
		id := byName[name]
		kept := refs[:0:0]
		for _, r := range refs {
			if r.ID != id {
				kept = append(kept, r)
			}
		}
		refs = kept
	}
	if b.Rels == nil {
		b.Rels = map[string][]jsonapi.Ref{}
	}
	b.Rels["tags"] = refs
	return nil
}

func splitList(s *string) []string {
	if s == nil {
		return nil
	}
	var out []string
	for _, p := range strings.Split(*s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// checkRels checks the relationships of a write before the kind runs: each
// must name a type the relationship allows and an existing record.
func (c *call) checkRels(r *catalogue.Resource, in *input) error {
	for name, rel := range in.Rels {
		cr := r.Rel(name)
		if cr == nil {
			continue // the OpenAPI file refused it already
		}
		for _, ref := range rel.Refs {
			// A relationship to an abstract type (promotions, payment
			// gateways) takes any of its kinds (percentage_discount_promotions).
			ok := ref.Type == cr.Type || strings.HasSuffix(ref.Type, "_"+cr.Type) ||
				(cr.Type == "" && (len(cr.Types) == 0 || in_(ref.Type, cr.Types)))
			if cr.Type == "" && len(cr.Types) == 0 {
				ok = clModel.Get(ref.Type) != nil
			}
			if !ok {
				return jsonapi.Validation(jsonapi.RelationshipPointer(name), name, "is invalid", "invalid")
			}
			if !c.exists(ref.Type, ref.ID) || !c.sees(ref) {
				return relNotFound(name, ref.ID)
			}
		}
	}
	return nil
}

// sees tells whether the token sees the record ref names (a customer's
// token another customer's records, or their orders, not): a write may not
// attach to what the token could not read.
func (c *call) sees(ref jsonapi.Ref) bool {
	k := c.cl.kinds[ref.Type]
	if k == nil || c.seesAllOf(k) {
		return true
	}
	m := k.newRec()
	return c.read(k, ref.ID, m) == nil && c.visible(k, m)
}

// checkSalesChannel refuses the attributes the model keeps from sales channels.
func (c *call) checkSalesChannel(r *catalogue.Resource, in *input) error {
	if !c.tok.isSalesChannel() {
		return nil
	}
	for name := range in.Attrs {
		if a := r.Attr(name); a != nil && a.NoSalesChannel {
			return errAccessDenied
		}
	}
	return nil
}

// checkWrite runs the model's checks every create and update passes before
// the kind's own rules.
func (c *call) checkWrite(k *kind, in *input) error {
	r := clModel.Get(k.res.Type)
	if r == nil {
		return nil
	}
	if err := c.checkSalesChannel(r, in); err != nil {
		return err
	}
	// The webhooks' circuits, which the write's update reads first, come
	// from the same view.
	var hooks []Webhook
	err := c.view(func() error {
		if err := c.checkRels(r, in); err != nil {
			return err
		}
		var err error
		hooks, err = webhooksIn(c.tx)
		return err
	})
	if err != nil {
		return err
	}
	if c.circuits, err = c.cl.circuitsOf(c.r.Context(), c.org, hooks); err != nil {
		return err
	}
	c.circuitsRead = true
	return nil
}
