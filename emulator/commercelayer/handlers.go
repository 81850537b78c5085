package commercelayer

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/gorilla/mux"

	"github.com/paysandbox/paysandbox/emulator/commercelayer/jsonapi"
	"github.com/paysandbox/paysandbox/emulator/platform"
)

// op is something a token may do on a resource type.
type op int

const (
	opList op = iota
	opRead
	opCreate
	opUpdate
	opDelete
)

// kind is a resource type: its description for the engine, how its records
// become objects, who may touch it, and its write operations (nil: the
// OpenAPI file offers none).
type kind struct {
	res    *jsonapi.Resource
	newRec func() model
	// colls are the collections the type's records live in (default: the
	// type's own; transactions are every authorization, capture, void and refund).
	colls  []string
	object func(c *call, m model) *jsonapi.Object
	// sales lists what a sales channel token may do.
	sales []op
	// ownerOps are what a sales channel token may do only when it acts for a
	// customer (its owner), on that customer's records.
	ownerOps []op
	// owned tells whether a sales channel token may see a record (nil: all).
	owned func(c *call, m model) bool
	// guestsSeeAll: a sales channel token that acts for no customer sees
	// every record, and owned is asked only for a customer's token (so a
	// guest's write that names an order does not read the order to check).
	guestsSeeAll bool
	create       func(c *call, in *input) (string, error)
	update       func(c *call, id string, in *input) error
	destroy      func(c *call, id string) error
}

func (k *kind) collections() []string {
	if len(k.colls) > 0 {
		return k.colls
	}
	return []string{k.res.Type}
}

// read loads id of the kind into m from whichever of its collections has it.
func (c *call) read(k *kind, id string, m model) error {
	var err error
	for _, coll := range k.collections() {
		if err = c.get(coll, id, m); err == nil {
			return nil
		}
	}
	return err
}

// may checks what the token may do. Integrations may do everything the
// OpenAPI file offers; sales channels what the kind lists, and write only
// with a market in their scope.
func (c *call) may(k *kind, o op) error {
	if !c.tok.isSalesChannel() {
		return nil
	}
	allowed := false
	for _, s := range k.sales {
		allowed = allowed || s == o
	}
	for _, s := range k.ownerOps {
		allowed = allowed || (s == o && c.tok.customerID() != "")
	}
	if !allowed {
		return errAccessDenied
	}
	if o >= opCreate && c.tok.marketID() == "" {
		return errNeedsMarket
	}
	return nil
}

// visible tells whether the token sees a record.
func (c *call) visible(k *kind, m model) bool {
	return c.seesAllOf(k) || k.owned(c, m)
}

// seesAllOf tells whether the token sees every record of k, whatever it
// holds.
func (c *call) seesAllOf(k *kind) bool {
	return !c.tok.isSalesChannel() || k.owned == nil || (k.guestsSeeAll && c.tok.customerID() == "")
}

// load reads a record the token may see.
func (c *call) load(k *kind, id string) (model, error) {
	m := k.newRec()
	if err := c.read(k, id, m); err != nil {
		return nil, err
	}
	if !c.visible(k, m) {
		return nil, recordNotFound(id)
	}
	return m, nil
}

// all is every record of a kind the token sees that q may select (all of
// them, or those an index narrows to), as objects, in creation order.
func (c *call) all(k *kind, q *jsonapi.Query) ([]*jsonapi.Object, error) {
	var objs []*jsonapi.Object
	ms, narrowed, err := c.candidates(k, q)
	if err != nil {
		return nil, err
	}
	for _, coll := range k.collections() {
		if narrowed {
			break
		}
		err := c.tx.List(coll, func(_ string, raw []byte) error {
			m := k.newRec()
			if err := jsonUnmarshal(raw, m); err != nil {
				return err
			}
			if c.visible(k, m) {
				ms = append(ms, m)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sortModels(ms)
	for _, m := range ms {
		objs = append(objs, k.object(c, m))
	}
	return objs, nil
}

// begin starts a Core API call on a resource type (typ, or the URL's).
func (cl *CommerceLayer) begin(r *http.Request, typ string) (*call, *kind, error) {
	if typ == "" {
		typ = mux.Vars(r)["type"]
	}
	k := cl.kinds[typ]
	if k == nil {
		return nil, nil, errNotFoundRoute
	}
	c, err := cl.newCall(r)
	if err != nil {
		return nil, nil, err
	}
	if k.res.Type == "webhooks" { // their circuit state comes from the sender's log
		if c.circuits, err = cl.circuits(r.Context(), c.org); err != nil {
			return nil, nil, err
		}
	}
	return c, k, nil
}

func (cl *CommerceLayer) fail(w http.ResponseWriter, r *http.Request, err error) {
	apiRenderer{cl.p.Log}.RenderError(w, r, err)
}

func writeDoc(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", jsonAPIMediaType)
	if doc, ok := v.(*jsonapi.Document); ok {
		writeDocument(w, status, doc)
		return
	}
	platform.WriteJSON(w, status, v)
}

// requestURL is the absolute URL of the request, for pagination links.
func requestURL(r *http.Request) *url.URL {
	u, err := url.Parse(platform.BaseURL(r) + r.URL.RequestURI())
	if err != nil {
		return &url.URL{Path: r.URL.Path}
	}
	return u
}

// GET /api/{type}
func (cl *CommerceLayer) serveList(typ string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { cl.serveListOf(w, r, typ) }
}

func (cl *CommerceLayer) serveListOf(w http.ResponseWriter, r *http.Request, typ string) {
	c, k, err := cl.begin(r, typ)
	if err == nil {
		err = c.may(k, opList)
	}
	var q *jsonapi.Query
	if err == nil {
		q, err = jsonapi.ParseQuery(cl.registry(), k.res, r.URL.Query(), true)
	}
	var doc *jsonapi.Document
	if err == nil {
		err = c.view(func() error {
			if page, total, ok, err := c.window(k, q); err != nil || ok {
				if err == nil {
					doc, err = c.renderer().ManyOf(page, total, q, requestURL(r))
				}
				return err
			}
			objs, err := c.all(k, q)
			if err != nil {
				return err
			}
			objs = jsonapi.Select(cl.registry(), c, objs, q)
			doc, err = c.renderer().Many(objs, q, requestURL(r))
			return err
		})
	}
	if err != nil {
		cl.fail(w, r, err)
		return
	}
	writeDoc(w, http.StatusOK, doc)
}

// GET /api/{type}/{id}
func (cl *CommerceLayer) serveGet(typ string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { cl.serveGetOf(w, r, typ) }
}

func (cl *CommerceLayer) serveGetOf(w http.ResponseWriter, r *http.Request, typ string) {
	c, k, err := cl.begin(r, typ)
	if err == nil {
		err = c.may(k, opRead)
	}
	if err != nil {
		cl.fail(w, r, err)
		return
	}
	cl.respondOne(w, r, c, k, mux.Vars(r)["id"], http.StatusOK, true)
}

// respondOne renders one record with the request's include and fields.
// A record the call just created is shown even where the token could not
// read it afterwards (a guest signing a customer up).
func (cl *CommerceLayer) respondOne(w http.ResponseWriter, r *http.Request, c *call, k *kind, id string, status int, checkVisible bool) {
	q, err := jsonapi.ParseQuery(cl.registry(), k.res, r.URL.Query(), false)
	var doc *jsonapi.Document
	if err == nil {
		err = c.view(func() error {
			m, ok := c.savedAs(k, id)
			if checkVisible || !ok {
				m = k.newRec()
				if err := c.read(k, id, m); err != nil {
					return err
				}
			}
			if checkVisible && !c.visible(k, m) {
				return recordNotFound(id)
			}
			doc, err = c.renderer().One(k.object(c, m), q)
			return err
		})
	}
	if err != nil {
		cl.fail(w, r, err)
		return
	}
	writeDoc(w, status, doc)
}

// POST /api/{type}
func (cl *CommerceLayer) serveCreate(typ string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { cl.serveCreateOf(w, r, typ) }
}

func (cl *CommerceLayer) serveCreateOf(w http.ResponseWriter, r *http.Request, typ string) {
	c, k, err := cl.begin(r, typ)
	if err == nil {
		err = c.may(k, opCreate)
	}
	if err == nil && k.create == nil {
		err = errMethodNotAllowed
	}
	var in *input
	if err == nil {
		_, err = jsonapi.ParseQuery(cl.registry(), k.res, r.URL.Query(), false)
	}
	if err == nil {
		in, err = decodeInput(r, k.res.Type, "")
	}
	if err == nil {
		err = c.checkWrite(k, in)
	}
	var id string
	if err == nil {
		id, err = k.create(c, in)
	}
	if err != nil {
		cl.fail(w, r, err)
		return
	}
	cl.respondOne(w, r, c, k, id, http.StatusCreated, false)
}

// PATCH /api/{type}/{id}
func (cl *CommerceLayer) serveUpdate(typ string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { cl.serveUpdateOf(w, r, typ) }
}

func (cl *CommerceLayer) serveUpdateOf(w http.ResponseWriter, r *http.Request, typ string) {
	c, k, err := cl.begin(r, typ)
	id := mux.Vars(r)["id"]
	if err == nil {
		err = c.may(k, opUpdate)
	}
	if err == nil && k.update == nil {
		err = errMethodNotAllowed
	}
	if err == nil {
		_, err = jsonapi.ParseQuery(cl.registry(), k.res, r.URL.Query(), false)
	}
	if err == nil {
		err = c.view(func() error { _, err := c.load(k, id); return err })
	}
	var in *input
	if err == nil {
		in, err = decodeInput(r, k.res.Type, id)
	}
	if err == nil {
		err = c.checkWrite(k, in)
	}
	if err == nil {
		err = k.update(c, id, in)
	}
	if err != nil {
		cl.fail(w, r, err)
		return
	}
	cl.respondOne(w, r, c, k, id, http.StatusOK, false)
}

// DELETE /api/{type}/{id}
func (cl *CommerceLayer) serveDelete(typ string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { cl.serveDeleteOf(w, r, typ) }
}

func (cl *CommerceLayer) serveDeleteOf(w http.ResponseWriter, r *http.Request, typ string) {
	c, k, err := cl.begin(r, typ)
	id := mux.Vars(r)["id"]
	if err == nil {
		err = c.may(k, opDelete)
	}
	if err == nil && k.destroy == nil {
		err = errMethodNotAllowed
	}
	if err == nil {
		err = c.view(func() error { _, err := c.load(k, id); return err })
	}
	if err == nil {
		err = k.destroy(c, id)
	}
	if err != nil {
		cl.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// relationship finds the URL's record and relationship.
func (cl *CommerceLayer) relationship(r *http.Request) (*call, *kind, *jsonapi.Rel, error) {
	c, k, err := cl.begin(r, "")
	if err != nil {
		return nil, nil, nil, err
	}
	if err := c.may(k, opRead); err != nil {
		return nil, nil, nil, err
	}
	rel := k.res.Rel(mux.Vars(r)["rel"])
	if rel == nil {
		return nil, nil, nil, errNotFoundRoute
	}
	return c, k, rel, nil
}

// GET /api/{type}/{id}/{rel}: the related resource(s); a to-many
// relationship is a list (filter, sort and pages apply).
func (cl *CommerceLayer) serveRelated(w http.ResponseWriter, r *http.Request) {
	c, k, rel, err := cl.relationship(r)
	if err != nil {
		cl.fail(w, r, err)
		return
	}
	target := cl.registry().Get(rel.Type)
	if target == nil {
		target = &jsonapi.Resource{Type: rel.Name} // polymorphic: no filters, sorts or includes
	}
	q, err := jsonapi.ParseQuery(cl.registry(), target, r.URL.Query(), rel.Many)
	var doc any
	if err == nil {
		err = c.view(func() error {
			m, err := c.load(k, mux.Vars(r)["id"])
			if err != nil {
				return err
			}
			refs, _ := k.object(c, m).Link(rel.Name)
			var objs []*jsonapi.Object
			for _, ref := range refs {
				o, err := c.Find(ref)
				if errors.Is(err, jsonapi.ErrNotFound) {
					continue
				}
				if err != nil {
					return err
				}
				objs = append(objs, o)
			}
			if rel.Many {
				objs = jsonapi.Select(cl.registry(), c, objs, q)
				doc, err = c.renderer().Many(objs, q, requestURL(r))
				return err
			}
			if len(objs) == 0 {
				doc = map[string]any{"data": nil}
				return nil
			}
			doc, err = c.renderer().One(objs[0], q)
			return err
		})
	}
	if err != nil {
		cl.fail(w, r, err)
		return
	}
	writeDoc(w, http.StatusOK, doc)
}

// GET /api/{type}/{id}/relationships/{rel}: the linkage.
func (cl *CommerceLayer) serveRelationship(w http.ResponseWriter, r *http.Request) {
	c, k, rel, err := cl.relationship(r)
	var doc map[string]any
	if err == nil {
		err = c.view(func() error {
			m, err := c.load(k, mux.Vars(r)["id"])
			if err != nil {
				return err
			}
			doc, err = c.renderer().RelationshipDocument(k.object(c, m), *rel)
			return err
		})
	}
	if err != nil {
		cl.fail(w, r, err)
		return
	}
	writeDoc(w, http.StatusOK, doc)
}

// ---- OAuth ----------------------------------------------------------------

// POST /oauth/token
func (cl *CommerceLayer) serveToken(w http.ResponseWriter, r *http.Request) {
	render := oauthRenderer{cl.p.Log}
	in, err := decodeTokenRequest(r)
	if err != nil {
		render.RenderError(w, r, err)
		return
	}
	slug := orgFromHost(r.Host)
	if slug == "" {
		slug = cl.world.Organization.Slug
	}
	r = r.WithContext(platform.WithTenant(r.Context(), slug)) // for the journal
	out, err := cl.auth.grant(r.Context(), slug, issuer(r.Host, slug, r.TLS != nil, cl.p.Config.HTTPSPort), in)
	if err != nil {
		render.RenderError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	platform.WriteJSON(w, http.StatusOK, out)
}

// POST /oauth/revoke
func (cl *CommerceLayer) serveRevoke(w http.ResponseWriter, r *http.Request) {
	render := oauthRenderer{cl.p.Log}
	in, err := decodeTokenRequest(r)
	if err == nil {
		err = cl.auth.revoke(r.Context(), in)
	}
	if err != nil {
		render.RenderError(w, r, err)
		return
	}
	platform.WriteJSON(w, http.StatusOK, map[string]any{})
}

// GET /.well-known/jwks.json
func (cl *CommerceLayer) serveJWKS(w http.ResponseWriter, r *http.Request) {
	keys, err := cl.auth.jwks(r.Context(), r.Host)
	if err != nil {
		oauthRenderer{cl.p.Log}.RenderError(w, r, err)
		return
	}
	platform.WriteJSON(w, http.StatusOK, map[string]any{"keys": keys})
}
