package jsonapi

import (
	"net/url"
	"testing"
)

// FuzzParseQuery: any query string is either a Query or a JSON:API error
// with a 4xx status; nothing panics.
func FuzzParseQuery(f *testing.F) {
	for _, q := range []string{
		"include=prices.price_list&fields[skus]=code,prices&filter[q][code_eq]=A&sort=-code&page[size]=5",
		"include=payment_source.order", "fields[widgets]=a", "filter[code]=a", "page[offset]=1",
		"filter[q][weight_gt]=1.5&filter[q][created_at_lteq]=2020-01-01T00:00:00Z&filter[q][do_not_ship_true]=1",
		"filter[q][code_or_name_cont]=x&filter[q][prices_amount_cents_in]=1,2", "sort=,,-&page[number]=99999999999999999999",
	} {
		f.Add(q, true)
	}
	f.Fuzz(func(t *testing.T, q string, list bool) {
		v, err := url.ParseQuery(q)
		if err != nil {
			return
		}
		for _, typ := range []string{"skus", "orders"} {
			if _, err := ParseQuery(testReg, testReg.Get(typ), v, list); err != nil {
				if e, ok := err.(*Error); !ok || e.Status < 400 || e.Status > 499 {
					t.Fatalf("%q: %v", q, err)
				}
			}
		}
	})
}
