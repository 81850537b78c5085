// Package sdk holds the browser side of the Klarna emulation: a stand-in for
// Klarna Payments' JS SDK (assets/api.js, served at /kp/lib/v1/api.js, written
// from Klarna's published API reference), the pages its iframes show (the
// payment widget and the approval step) and the Hosted Payment Page.
//
// The package only renders: the klarna package owns the routes and the data.
// Every merchant-supplied text reaches the pages through html/template, which
// escapes it for the context it lands in.
package sdk

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"
	"path"
	"strings"
	"sync"
)

//go:embed assets templates
var files embed.FS

// pages are parsed by the first page served, not at start: an instance that
// never shows one keeps the memory (the idle figure, docs/benchmarks.md).
var pages = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("").ParseFS(files, "templates/*.html"))
})

// Asset returns a static file (api.js, frame.js, frame.css) and its content type.
func Asset(name string) (body []byte, contentType string, ok bool) {
	if strings.ContainsAny(name, "/\\") {
		return nil, "", false
	}
	body, err := files.ReadFile(path.Join("assets", name))
	if err != nil {
		return nil, "", false
	}
	switch path.Ext(name) {
	case ".js":
		contentType = "application/javascript; charset=utf-8"
	case ".css":
		contentType = "text/css; charset=utf-8"
	default:
		return nil, "", false
	}
	return body, contentType, true
}

// Render writes page name (widget, approval, hosted, error) with data.
func Render(w io.Writer, name string, data any) error {
	var buf bytes.Buffer // render fully first: a template error must not leave half a page
	if err := pages().ExecuteTemplate(&buf, name+".html", data); err != nil {
		return err
	}
	_, err := buf.WriteTo(w)
	return err
}

// Line is one order line as the pages list it.
type Line struct {
	Name     string
	Quantity int64
	Total    string
}

// Cart is the order summary.
type Cart struct {
	Lines []Line
	Tax   string
	Total string
}

// Category is a payment method category the shopper can pick.
type Category struct {
	ID, Name string
	Checked  bool
}

// Field is one input of the billing address form.
type Field struct {
	Name, Label, Type, Autocomplete, Value string
	Required                               bool
	Invalid                                bool
}

// Outcome is one test outcome the shopper can pick.
type Outcome struct {
	Value, Label string
	Checked      bool
}

// Widget is the iframe load() renders into the merchant's container.
type Widget struct {
	ShowForm   bool
	Categories []Category
	Selected   string
	Total      string
	Message    string // why the form is not shown
	ErrorCode  string
}

// Approval is the full-screen step authorize(), reauthorize() and finalize() open.
type Approval struct {
	Mode      string // authorize, reauthorize, finalize
	Title     string
	Cart      Cart
	Category  string
	Country   string
	Fields    []Field
	Outcomes  []Outcome
	Message   string // set when the session cannot be authorized
	ErrorCode string
}

// Hosted is the Hosted Payment Page.
type Hosted struct {
	Title      string
	Cart       Cart
	ShowTax    bool
	Categories []Category
	Fields     []Field
	Outcomes   []Outcome
	Invalid    []string // fields the last submission lacked
	Open       bool
	Status     string // when not open
	Return     string // where "back to the shop" leads, when not open
	Message    string
}

// ErrorPage is a page's error.
type ErrorPage struct {
	Title, Message string
}

// FormatAmount writes minor units as "1 234.50 EUR".
func FormatAmount(minor int64, currency string) string {
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	whole := fmt.Sprint(minor / 100)
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return fmt.Sprintf("%s%s.%02d %s", sign, b.String(), minor%100, strings.ToUpper(currency))
}
