package commercelayer

import (
	"net/http"
	"net/mail"
	"strings"

	"github.com/paysandbox/paysandbox/emulator/commercelayer/jsonapi"
)

// ---- Customers ------------------------------------------------------------

func (cl *CommerceLayer) customerKind() *kind {
	return &kind{
		res: resource("customers", attributeNames(Customer{}.A),
			[]string{"email", "status", "has_password", "total_orders_count"}, []string{"email", "status", "total_orders_count"},
			toMany("orders", "orders")),
		newRec:   func() model { return &Customer{} },
		sales:    []op{opCreate},
		ownerOps: []op{opList, opRead, opUpdate},
		owned:    func(c *call, m model) bool { return c.tok.customerID() == m.base().ID },
		object: func(c *call, m model) *jsonapi.Object {
			r := m.(*Customer)
			return c.object("customers", &r.Base, r.A, nil, links{"orders": func() []jsonapi.Ref {
				os, _ := lookup(c, "orders", "customer", r.ID, func(o *Order) bool { return o.CustomerID == r.ID })
				return refs("orders", os)
			}})
		},
		create: func(c *call, in *input) (string, error) {
			var id string
			err := c.update(func() error {
				r := &Customer{}
				var err error
				if r.Base, err = c.newBase("customers"); err != nil {
					return err
				}
				r.A.Status = "prospect"
				if err := c.setCustomer(r, in); err != nil {
					return err
				}
				id = r.ID
				c.emit("customers.create", "customers", r.ID)
				return c.put("customers", r)
			})
			return id, err
		},
		update: func(c *call, id string, in *input) error {
			return c.update(func() error {
				r := &Customer{}
				if err := c.get("customers", id, r); err != nil {
					return err
				}
				c.touch(r)
				if err := c.setCustomer(r, in); err != nil {
					return err
				}
				return c.put("customers", r)
			})
		},
	}
}

// setCustomer applies email and password.
func (c *call) setCustomer(r *Customer, in *input) error {
	if err := overlay(&r.Base, &r.A, in, "email"); err != nil {
		return err
	}
	r.A.Email = strings.TrimSpace(r.A.Email)
	if _, err := mail.ParseAddress(r.A.Email); err != nil || !strings.Contains(r.A.Email, "@") {
		return jsonapi.Validation(jsonapi.AttributePointer("email"), "email", "is invalid", "invalid")
	}
	taken, err := scan(c, "customers", func(o *Customer) bool { return o.ID != r.ID && strings.EqualFold(o.A.Email, r.A.Email) })
	if err != nil {
		return err
	}
	if len(taken) > 0 {
		return jsonapi.Validation(jsonapi.AttributePointer("email"), "email", "has already been taken", "taken")
	}
	if p := in.str("password"); p != nil {
		r.PasswordHash, r.A.HasPassword = hashPassword(*p), true
	}
	return nil
}

// customerByEmail finds or creates the customer an order's customer_email
// names (Commerce Layer's shortcut).
func (c *call) customerByEmail(email string) (*Customer, error) {
	found, err := scan(c, "customers", func(o *Customer) bool { return strings.EqualFold(o.A.Email, email) })
	if err != nil || len(found) > 0 {
		if len(found) > 0 {
			return found[0], nil
		}
		return nil, err
	}
	r := &Customer{}
	if r.Base, err = c.newBase("customers"); err != nil {
		return nil, err
	}
	r.A.Email, r.A.Status = email, "prospect"
	c.emit("customers.create", "customers", r.ID)
	return r, c.put("customers", r)
}

// ---- Addresses ------------------------------------------------------------

var addressWritable = []string{"business", "first_name", "last_name", "company", "line_1", "line_2", "city", "zip_code",
	"state_code", "country_code", "phone", "email", "notes", "lat", "lng", "billing_info"}

func (cl *CommerceLayer) addressKind() *kind {
	return &kind{
		res: resource("addresses", attributeNames(AddressAttrs{}, "name", "full_name", "full_address", "is_localized", "is_geocoded", "provider_name", "map_url", "static_map_url"),
			[]string{"first_name", "last_name", "company", "city", "zip_code", "state_code", "country_code", "email", "name", "business"},
			[]string{"first_name", "last_name", "city", "country_code"}),
		newRec: func() model { return &Address{} },
		sales:  []op{opCreate, opRead, opUpdate},
		object: func(c *call, m model) *jsonapi.Object {
			r := m.(*Address)
			full := fullName(&r.A)
			extra := map[string]any{
				"full_name": full, "full_address": fullAddress(&r.A), "name": full + ", " + fullAddress(&r.A),
				"is_localized": false, "is_geocoded": r.A.Lat != nil && r.A.Lng != nil, "provider_name": nil, "map_url": nil, "static_map_url": nil,
			}
			return c.object("addresses", &r.Base, r.A, extra, nil)
		},
		create: func(c *call, in *input) (string, error) {
			var id string
			err := c.update(func() error {
				r := &Address{}
				var err error
				if r.Base, err = c.newBase("addresses"); err != nil {
					return err
				}
				if err := overlay(&r.Base, &r.A, in, addressWritable...); err != nil {
					return err
				}
				if err := checkAddress(&r.A); err != nil {
					return err
				}
				id = r.ID
				return c.put("addresses", r)
			})
			return id, err
		},
		update: func(c *call, id string, in *input) error {
			return c.update(func() error {
				r := &Address{}
				if err := c.get("addresses", id, r); err != nil {
					return err
				}
				if err := overlay(&r.Base, &r.A, in, addressWritable...); err != nil {
					return err
				}
				if err := checkAddress(&r.A); err != nil {
					return err
				}
				c.touch(r)
				if err := c.put("addresses", r); err != nil {
					return err
				}
				return c.refreshOrdersUsing(id)
			})
		},
		destroy: func(c *call, id string) error {
			return c.update(func() error {
				used, err := lookup(c, "orders", "address", id, func(o *Order) bool { return o.BillingAddressID == id || o.ShippingAddressID == id })
				if err != nil {
					return err
				}
				if len(used) > 0 {
					return &jsonapi.Error{Status: http.StatusUnprocessableEntity, Code: "VALIDATION_ERROR", Title: "is in use",
						Detail: "base - the address is used by an order", Pointer: "/data", Meta: map[string]any{"error": "in_use"}}
				}
				return c.del("addresses", id)
			})
		},
	}
}

// checkAddress applies the address rules of the model: the street, city,
// country and phone are needed, a zip code except in the countries that
// have none (NeedsZipCode), and a person's name (or a business's company);
// state_code is optional.
func checkAddress(a *AddressAttrs) error {
	var errs jsonapi.Errors
	blank := func(name string, v *string) {
		if v == nil || strings.TrimSpace(*v) == "" {
			errs = append(errs, jsonapi.Validation(jsonapi.AttributePointer(name), name, "can't be blank", "blank"))
		}
	}
	if a.Business {
		blank("company", a.Company)
	} else {
		blank("first_name", a.FirstName)
		blank("last_name", a.LastName)
	}
	for _, f := range []struct {
		name string
		v    *string
	}{{"line_1", &a.Line1}, {"city", &a.City}, {"country_code", &a.CountryCode}, {"phone", &a.Phone}} {
		blank(f.name, f.v)
	}
	if NeedsZipCode(a.CountryCode) {
		blank("zip_code", a.ZipCode)
	}
	a.CountryCode = strings.ToUpper(strings.TrimSpace(a.CountryCode))
	if len(errs) > 0 {
		return errs
	}
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func fullName(a *AddressAttrs) string {
	if a.Business {
		return deref(a.Company)
	}
	return strings.TrimSpace(deref(a.FirstName) + " " + deref(a.LastName))
}

func fullAddress(a *AddressAttrs) string {
	parts := []string{a.Line1}
	if l2 := deref(a.Line2); l2 != "" {
		parts = append(parts, l2)
	}
	parts = append(parts, strings.TrimSpace(deref(a.ZipCode)+" "+a.City+" "+deref(a.StateCode)), "("+a.CountryCode+")", a.Phone)
	return strings.Join(parts, ", ")
}
