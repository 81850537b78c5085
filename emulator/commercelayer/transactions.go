package commercelayer

import (
	"github.com/paysandbox/paysandbox/emulator/commercelayer/jsonapi"
)

// ---- Transactions: authorizations, captures, voids, refunds ----------------
//
// They are made by the order's payment triggers, never created directly.
// Authorizations take _capture (with _capture_amount_cents) and _void;
// captures take _refund (with _refund_amount_cents).

func (cl *CommerceLayer) transactionKind(typ string) *kind {
	amounts := []string{"amount"}
	rels := []jsonapi.Rel{toOne("order", "orders"), {Name: "payment_source"}}
	switch typ {
	case "authorizations":
		amounts = append(amounts, "capture_amount", "capture_balance", "void_balance")
		rels = append(rels, toMany("captures", "captures"), toMany("voids", "voids"))
	case "captures":
		amounts = append(amounts, "refund_amount", "refund_balance")
		rels = append(rels, toOne("reference_authorization", "authorizations"), toMany("refunds", "refunds"))
	case "voids":
		rels = append(rels, toOne("reference_authorization", "authorizations"))
	case "refunds":
		rels = append(rels, toOne("reference_capture", "captures"))
	}
	k := &kind{
		res: resource(typ, attributeNames(Transaction{}.A, amountNames(amounts...)...),
			[]string{"number", "type", "payment_method_type", "currency_code", "amount_cents", "succeeded", "message", "gateway_transaction_id", "order_id", "order_number"},
			[]string{"number", "amount_cents", "succeeded"}, rels...),
		newRec: func() model { return &Transaction{} },
		object: func(c *call, m model) *jsonapi.Object { return c.transactionObject(typ, m.(*Transaction)) },
	}
	k.update = func(c *call, id string, in *input) error { return c.updateTransaction(typ, id, in) }
	return k
}

// transactionObject renders a transaction with the amounts and links of
// its type.
func (c *call) transactionObject(typ string, r *Transaction) *jsonapi.Object {
	cur := r.A.CurrencyCode
	extra := map[string]any{}
	putAmount(extra, "amount", r.A.AmountCents, cur)
	children := func(coll string) func() []jsonapi.Ref {
		return func() []jsonapi.Ref {
			ts, _ := lookup(c, coll, "reference", r.ID, func(t *Transaction) bool { return t.ReferenceID == r.ID })
			return refs(coll, ts)
		}
	}
	ls := links{
		"order": func() []jsonapi.Ref { return one("orders", r.OrderID) },
		"payment_source": func() []jsonapi.Ref {
			if r.PaymentSource == nil {
				return nil
			}
			return []jsonapi.Ref{*r.PaymentSource}
		},
	}
	switch typ {
	case "authorizations":
		putAmount(extra, "capture_amount", r.Captured, cur)
		putAmount(extra, "capture_balance", authBalance(r), cur)
		putAmount(extra, "void_balance", authBalance(r), cur)
		ls["captures"], ls["voids"] = children("captures"), children("voids")
	case "captures":
		putAmount(extra, "refund_amount", r.Refunded, cur)
		putAmount(extra, "refund_balance", captureBalance(r), cur)
		ls["reference_authorization"] = func() []jsonapi.Ref { return one("authorizations", r.ReferenceID) }
		ls["refunds"] = children("refunds")
	case "voids":
		ls["reference_authorization"] = func() []jsonapi.Ref { return one("authorizations", r.ReferenceID) }
	case "refunds":
		ls["reference_capture"] = func() []jsonapi.Ref { return one("captures", r.ReferenceID) }
	}
	return c.object(typ, &r.Base, r.A, extra, ls)
}

// updateTransaction is PATCH on a transaction: its triggers (_capture and
// _void on an authorization, _refund on a capture) act on its order;
// without one, its writable attributes change.
func (c *call) updateTransaction(typ, id string, in *input) error {
	var t Transaction
	if err := c.view(func() error { return c.get(typ, id, &t) }); err != nil {
		return err
	}
	if !in.flag("_capture") && !in.flag("_void") && !in.flag("_refund") {
		return c.update(func() error {
			r := &Transaction{}
			if err := c.get(typ, id, r); err != nil {
				return err
			}
			if err := overlay(&r.Base, &r.A, in); err != nil {
				return err
			}
			c.touch(r)
			return c.put(typ, r)
		})
	}
	switch {
	case typ == "authorizations" && in.flag("_capture"):
		var amount *int64
		if n, ok := in.int("_capture_amount_cents"); ok {
			amount = &n
		}
		return c.capture(t.OrderID, id, amount)
	case typ == "authorizations" && in.flag("_void"):
		return c.void(t.OrderID, id, false)
	case typ == "captures" && in.flag("_refund"):
		var amount *int64
		if n, ok := in.int("_refund_amount_cents"); ok {
			amount = &n
		}
		return c.refund(t.OrderID, id, amount)
	}
	return jsonapi.Validation("/data/attributes", "attributes", "has a trigger this transaction does not take", "invalid")
}

// ---- External payments and wire transfers ----------------------------------

func (cl *CommerceLayer) externalPaymentKind() *kind {
	return &kind{
		res: resource("external_payments", attributeNames(ExternalPayment{}.A), []string{"payment_source_token", "order_id"}, nil,
			toOne("order", "orders")),
		newRec: func() model { return &ExternalPayment{} },
		sales:  []op{opCreate, opRead, opUpdate},
		object: func(c *call, m model) *jsonapi.Object {
			r := m.(*ExternalPayment)
			if r.A.Options == nil {
				r.A.Options = map[string]any{}
			}
			return c.object("external_payments", &r.Base, r.A, nil, links{"order": func() []jsonapi.Ref { return one("orders", r.OrderID) }})
		},
		create: func(c *call, in *input) (string, error) {
			return c.createSource("external_payments", in, func(b Base, orderID string) (model, error) {
				r := &ExternalPayment{Base: b, OrderID: orderID}
				return r, overlay(&r.Base, &r.A, in, "payment_source_token", "options")
			})
		},
		update: func(c *call, id string, in *input) error {
			return c.update(func() error {
				r := &ExternalPayment{}
				if err := c.get("external_payments", id, r); err != nil {
					return err
				}
				if err := overlay(&r.Base, &r.A, in, "payment_source_token", "options"); err != nil {
					return err
				}
				c.touch(r)
				return c.put("external_payments", r)
			})
		},
	}
}

func (cl *CommerceLayer) wireTransferKind() *kind {
	return &kind{
		res:    resource("wire_transfers", attributeNames(WireTransfer{}.A), []string{"order_id"}, nil, toOne("order", "orders")),
		newRec: func() model { return &WireTransfer{} },
		sales:  []op{opCreate, opRead, opUpdate},
		object: func(c *call, m model) *jsonapi.Object {
			r := m.(*WireTransfer)
			return c.object("wire_transfers", &r.Base, r.A, nil, links{"order": func() []jsonapi.Ref { return one("orders", r.OrderID) }})
		},
		create: func(c *call, in *input) (string, error) {
			return c.createSource("wire_transfers", in, func(b Base, orderID string) (model, error) {
				r := &WireTransfer{Base: b, OrderID: orderID}
				return r, overlay(&r.Base, &r.A, in)
			})
		},
		update: func(c *call, id string, in *input) error {
			return c.update(func() error {
				r := &WireTransfer{}
				if err := c.get("wire_transfers", id, r); err != nil {
					return err
				}
				if err := overlay(&r.Base, &r.A, in); err != nil {
					return err
				}
				c.touch(r)
				return c.put("wire_transfers", r)
			})
		},
	}
}

// createSource creates a payment source that needs no gateway call and makes
// it the order's payment source.
func (c *call) createSource(typ string, in *input, build func(b Base, orderID string) (model, error)) (string, error) {
	var id string
	err := c.update(func() error {
		o, _, err := c.sourceOrder(in, typ)
		if err != nil {
			return err
		}
		b, err := c.newBase(typ)
		if err != nil {
			return err
		}
		m, err := build(b, o.ID)
		if err != nil {
			return err
		}
		o.PaymentSource = &jsonapi.Ref{Type: typ, ID: b.ID}
		c.touch(o)
		id = b.ID
		if err := c.put(typ, m); err != nil {
			return err
		}
		return c.put("orders", o)
	})
	return id, err
}
