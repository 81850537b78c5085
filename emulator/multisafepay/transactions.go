package multisafepay

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	gojson "github.com/goccy/go-json"

	"github.com/paysandbox/paysandbox/emulator/platform"
	"github.com/paysandbox/paysandbox/emulator/store"
)

// transactionJSON is an entry of GET /transactions: a payment or a refund.
type transactionJSON struct {
	Amount          int64      `json:"amount"`
	Completed       *string    `json:"completed"`
	Costs           []any      `json:"costs"`
	Created         string     `json:"created"`
	Currency        string     `json:"currency"`
	Customer        txCustomer `json:"customer"`
	DebitCredit     string     `json:"debit_credit"`
	Description     string     `json:"description"`
	FinancialStatus string     `json:"financial_status"`
	InvoiceID       *string    `json:"invoice_id"`
	Net             int64      `json:"net"`
	OrderID         string     `json:"order_id"`
	PaymentMethod   *string    `json:"payment_method"`
	Status          string     `json:"status"`
	TransactionID   int64      `json:"transaction_id"`
	Type            string     `json:"type"`
	Updated         string     `json:"updated"`
	Var1            *string    `json:"var1"`
	Var2            *string    `json:"var2"`
	Var3            *string    `json:"var3"`

	created, completed time.Time
}

type txCustomer struct {
	Email     *string `json:"email"`
	FirstName *string `json:"first_name"`
	LastName  *string `json:"last_name"`
}

// transactions lists the payment and refund transactions of an order at now.
func (o *Order) transactions(now time.Time) []transactionJSON {
	var invoice *string
	if o.Shipping != nil {
		invoice = null(o.Shipping.InvoiceID)
	}
	cust := txCustomer{Email: null(o.Customer.Email), FirstName: null(o.Customer.FirstName), LastName: null(o.Customer.LastName)}
	pay := transactionJSON{
		Amount: o.Amount, Completed: stampPtr(o.Completed), Costs: []any{}, Created: stamp(o.Created), Currency: o.Currency,
		Customer: cust, DebitCredit: "C", Description: o.Description, FinancialStatus: o.FinancialStatus, InvoiceID: invoice,
		Net: o.Amount, OrderID: o.OrderID, PaymentMethod: null(o.Gateway), Status: o.Status, TransactionID: o.TransactionID,
		Type: "payment", Updated: stamp(o.Modified), Var1: null(o.Vars[0]), Var2: null(o.Vars[1]), Var3: null(o.Vars[2]),
		created: o.Created,
	}
	if o.Completed != nil {
		pay.completed = *o.Completed
	}
	out := []transactionJSON{pay}
	for i := range o.Refunds {
		rf := &o.Refunds[i]
		st := rf.status(now)
		t := transactionJSON{
			Amount: rf.Amount, Costs: []any{}, Created: stamp(rf.Created), Currency: rf.Currency, Customer: cust,
			DebitCredit: "D", Description: rf.Description, FinancialStatus: st, InvoiceID: invoice, Net: -rf.Amount,
			OrderID: rf.OrderID, PaymentMethod: null(o.Gateway), Status: st, TransactionID: rf.ID, Type: "refund",
			Updated: stamp(rf.modified(now)), Var1: null(rf.Vars[0]), Var2: null(rf.Vars[1]), Var3: null(rf.Vars[2]),
			created: rf.Created,
		}
		if st == stCompleted {
			done := rf.modified(now)
			t.Completed, t.completed = stampPtr(&done), done
		}
		out = append(out, t)
	}
	if cb := o.Chargeback; cb != nil {
		done := cb.Created
		out = append(out, transactionJSON{
			Amount: cb.Amount, Completed: stampPtr(&done), Costs: []any{}, Created: stamp(cb.Created), Currency: cb.Currency, Customer: cust,
			DebitCredit: "D", Description: cb.Description, FinancialStatus: cb.Status, InvoiceID: invoice, Net: -cb.Amount,
			OrderID: cb.OrderID, PaymentMethod: null(o.Gateway), Status: cb.Status, TransactionID: cb.ID, Type: "chargeback",
			Updated: stamp(cb.Modified), Var1: null(o.Vars[0]), Var2: null(o.Vars[1]), Var3: null(o.Vars[2]),
			created: cb.Created, completed: done,
		})
	}
	return out
}

// txFilter is the query of GET /transactions.
type txFilter struct {
	createdFrom, createdUntil, completedFrom, completedUntil time.Time
	currency, financialStatus, status, typ                   string
	methods                                                  map[string]bool
	limit                                                    int
	after, before                                            *cursor
}

// cursor is a position in the newest-first list.
type cursor struct {
	created time.Time
	id      int64
}

func (c cursor) String() string {
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("%d:%d", c.created.UnixNano(), c.id)))
}

func parseCursor(s string) (*cursor, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, false
	}
	a, b, found := strings.Cut(string(raw), ":")
	ns, err1 := strconv.ParseInt(a, 10, 64)
	id, err2 := strconv.ParseInt(b, 10, 64)
	if !found || err1 != nil || err2 != nil {
		return nil, false
	}
	return &cursor{created: time.Unix(0, ns), id: id}, true
}

// olderThan: t comes after c in the newest-first order.
func (t *transactionJSON) olderThan(c *cursor) bool {
	return t.created.Before(c.created) || (t.created.Equal(c.created) && t.TransactionID < c.id)
}

func (t *transactionJSON) newerThan(c *cursor) bool {
	return t.created.After(c.created) || (t.created.Equal(c.created) && t.TransactionID > c.id)
}

// parseStamp reads a filter time: RFC 3339, or Amsterdam local time as
// MultiSafepay prints it, or a date.
func parseStamp(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	for _, layout := range []string{stampLayout, "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, amsterdam); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func parseTxFilter(q url.Values) (*txFilter, *Error) {
	f := &txFilter{limit: 100, currency: strings.ToUpper(q.Get("currency")), financialStatus: q.Get("financial_status"),
		status: q.Get("status"), typ: q.Get("type"), methods: map[string]bool{}}
	for name, dst := range map[string]*time.Time{"created_from": &f.createdFrom, "created_until": &f.createdUntil,
		"completed_from": &f.completedFrom, "completed_until": &f.completedUntil} {
		if v := q.Get(name); v != "" {
			t, good := parseStamp(v)
			if !good {
				return nil, newError(http.StatusBadRequest, 1016, "Invalid data: %s", name)
			}
			*dst = t
		}
	}
	for _, v := range q["payment_method"] {
		for _, m := range strings.Split(v, ",") {
			if m = strings.ToUpper(strings.TrimSpace(m)); m != "" {
				f.methods[m] = true
			}
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return nil, newError(http.StatusBadRequest, 1016, "Invalid data: limit must be 1 to 1000")
		}
		f.limit = n
	}
	for name, dst := range map[string]**cursor{"after": &f.after, "before": &f.before} {
		if v := q.Get(name); v != "" {
			c, good := parseCursor(v)
			if !good {
				return nil, newError(http.StatusBadRequest, 1016, "Invalid data: %s is not a cursor", name)
			}
			*dst = c
		}
	}
	return f, nil
}

func (f *txFilter) match(t *transactionJSON) bool {
	switch {
	case !f.createdFrom.IsZero() && t.created.Before(f.createdFrom),
		!f.createdUntil.IsZero() && !t.created.Before(f.createdUntil),
		!f.completedFrom.IsZero() && (t.completed.IsZero() || t.completed.Before(f.completedFrom)),
		!f.completedUntil.IsZero() && (t.completed.IsZero() || !t.completed.Before(f.completedUntil)),
		f.currency != "" && t.Currency != f.currency,
		f.financialStatus != "" && t.FinancialStatus != f.financialStatus,
		f.status != "" && t.Status != f.status,
		f.typ != "" && t.Type != f.typ,
		len(f.methods) > 0 && (t.PaymentMethod == nil || !f.methods[*t.PaymentMethod]):
		return false
	}
	return true
}

// page is one page of the newest-first list and whether more lie on either side.
func (f *txFilter) page(all []transactionJSON) (items []transactionJSON, older, newer bool) {
	sort.Slice(all, func(i, j int) bool {
		if !all[i].created.Equal(all[j].created) {
			return all[i].created.After(all[j].created)
		}
		return all[i].TransactionID > all[j].TransactionID
	})
	var list []transactionJSON
	for i := range all {
		if f.match(&all[i]) {
			list = append(list, all[i])
		}
	}
	start, end := 0, len(list)
	switch {
	case f.after != nil:
		for start < len(list) && !list[start].olderThan(f.after) {
			start++
		}
		end = min(start+f.limit, len(list))
	case f.before != nil:
		for end > 0 && !list[end-1].newerThan(f.before) {
			end--
		}
		start = max(end-f.limit, 0)
	default:
		end = min(f.limit, len(list))
	}
	return append([]transactionJSON{}, list[start:end]...), end < len(list), start > 0
}

type pagerJSON struct {
	After  *string `json:"after"`
	Before *string `json:"before"`
	Cursor struct {
		After  *string `json:"after"`
		Before *string `json:"before"`
	} `json:"cursor"`
	Limit int `json:"limit"`
}

// pageURL links a neighbouring page; the API key never goes into a link.
func pageURL(r *http.Request, name, value string) *string {
	q := r.URL.Query()
	q.Del("api_key")
	q.Del("after")
	q.Del("before")
	q.Set(name, value)
	s := platform.BaseURL(r) + r.URL.Path + "?" + q.Encode()
	return &s
}

// listTransactions is GET /transactions.
func (m *MultiSafepay) listTransactions(w http.ResponseWriter, r *http.Request) {
	tenant := platform.Tenant(r.Context())
	f, ferr := parseTxFilter(r.URL.Query())
	if ferr != nil {
		writeError(w, ferr)
		return
	}
	now := m.p.Clock.Now(tenant)
	var all []transactionJSON
	var items []transactionJSON
	var older, newer, indexed bool
	err := m.p.Store.View(r.Context(), provider, tenant, func(tx *store.Tx) error {
		var err error
		if items, older, newer, indexed, err = txPage(tx, f, now); err != nil || indexed {
			return err
		}
		return tx.List(colOrders, func(_ string, raw []byte) error {
			var o Order
			if err := gojson.Unmarshal(raw, &o); err != nil {
				return err
			}
			o.settle(now, nil)
			all = append(all, o.transactions(now)...)
			return nil
		})
	})
	if err != nil {
		m.fail(w, r, err)
		return
	}
	if !indexed {
		items, older, newer = f.page(all)
	}
	var pager pagerJSON
	pager.Limit = f.limit
	if older {
		c := cursor{created: items[len(items)-1].created, id: items[len(items)-1].TransactionID}.String()
		pager.Cursor.After, pager.After = &c, pageURL(r, "after", c)
	}
	if newer && len(items) > 0 {
		c := cursor{created: items[0].created, id: items[0].TransactionID}.String()
		pager.Cursor.Before, pager.Before = &c, pageURL(r, "before", c)
	}
	platform.WriteJSON(w, http.StatusOK, struct {
		Success bool              `json:"success"`
		Data    []transactionJSON `json:"data"`
		Pager   pagerJSON         `json:"pager"`
	}{true, items, pager})
}

// getTransaction is GET /transactions/{transaction_id}.
func (m *MultiSafepay) getTransaction(w http.ResponseWriter, r *http.Request) {
	tenant := platform.Tenant(r.Context())
	id := platform.PathVar(r, "transaction_id")
	var ref pspRef
	err := m.p.Store.View(r.Context(), provider, tenant, func(tx *store.Tx) error { return tx.Get(colPSP, id, &ref) })
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, errTransactionNotFound())
		return
	}
	if err != nil {
		m.fail(w, r, err)
		return
	}
	o, now, err := m.readOrder(r.Context(), tenant, ref.OrderID)
	if err != nil {
		writeError(w, errTransactionNotFound())
		return
	}
	for _, t := range o.transactions(now) {
		if strconv.FormatInt(t.TransactionID, 10) == id {
			ok(w, t)
			return
		}
	}
	writeError(w, errTransactionNotFound())
}
