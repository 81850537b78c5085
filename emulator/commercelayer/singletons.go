package commercelayer

import (
	"net/http"

	"github.com/paysandbox/paysandbox/emulator/commercelayer/jsonapi"
)

// transactionsKind is /api/transactions: every authorization, capture, void
// and refund, as the common transaction resource (its amount, order and
// payment source; transactionObject adds the rest only for the four types).
func (cl *CommerceLayer) transactionsKind() *kind {
	return &kind{
		res:    resource("transactions", nil, []string{"order_id", "order_number"}, nil),
		colls:  []string{"authorizations", "captures", "voids", "refunds"},
		newRec: func() model { return &Transaction{} },
		object: func(c *call, m model) *jsonapi.Object { return c.transactionObject("transactions", m.(*Transaction)) },
	}
}

// serveSingleton is GET /api/organization and GET /api/application: the
// token's organization and application.
func (cl *CommerceLayer) serveSingleton(typ string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := cl.newCall(r)
		if err != nil {
			cl.fail(w, r, err)
			return
		}
		q, err := jsonapi.ParseQuery(cl.registry(), cl.registry().Get(typ), r.URL.Query(), false)
		var doc *jsonapi.Document
		if err == nil {
			err = c.view(func() error {
				var o *jsonapi.Object
				switch typ {
				case "organizations":
					var org Organization
					if err := c.tx.Get(colOrganization, selfID, &org); err != nil {
						return err
					}
					org.ID = c.orgID
					o = c.object(typ, &org.Base, nil, map[string]any{"name": org.Name, "slug": org.Slug}, nil)
				default:
					b := Base{ID: c.tok.Application.ID, CreatedAt: timestamp(c.now), UpdatedAt: timestamp(c.now)}
					o = c.object(typ, &b, nil, map[string]any{"kind": c.tok.Application.Kind, "public_access": c.tok.Application.Public,
						"name": cl.applicationName(c.tok.Application.ClientID)}, nil)
				}
				var err error
				doc, err = c.renderer().One(o, q)
				return err
			})
		}
		if err != nil {
			cl.fail(w, r, err)
			return
		}
		writeDoc(w, http.StatusOK, doc)
	}
}

func (cl *CommerceLayer) applicationName(clientID string) any {
	if a := cl.world.appByClientID(clientID); a != nil {
		return a.Name
	}
	return nil
}
