package jsonapi

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Error is one JSON:API error object as Commerce Layer writes it:
// {title, detail, code, status:"422", source:{pointer}, meta}.
type Error struct {
	Status    int
	Code      string
	Title     string
	Detail    string
	Pointer   string // source.pointer, e.g. /data/attributes/quantity
	Parameter string // source.parameter, e.g. include
	Meta      map[string]any
}

func (e *Error) Error() string {
	return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Detail)
}

// Errors is several errors answered together (validation failures); the
// response status is the first one's.
type Errors []*Error

func (es Errors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "; ")
}

// ErrorObject is the wire form of an Error.
type ErrorObject struct {
	Title  string         `json:"title"`
	Detail string         `json:"detail"`
	Code   string         `json:"code"`
	Status string         `json:"status"`
	Source map[string]any `json:"source,omitempty"`
	Meta   map[string]any `json:"meta,omitempty"`
}

// ErrorDocument is {"errors":[...]}.
type ErrorDocument struct {
	Errors []ErrorObject `json:"errors"`
}

// Document renders errs; the status is the first error's.
func (es Errors) Document() (int, ErrorDocument) {
	doc := ErrorDocument{Errors: make([]ErrorObject, 0, len(es))}
	status := http.StatusInternalServerError
	for i, e := range es {
		if i == 0 {
			status = e.Status
		}
		o := ErrorObject{Title: e.Title, Detail: e.Detail, Code: e.Code, Status: strconv.Itoa(e.Status), Meta: e.Meta}
		switch {
		case e.Pointer != "":
			o.Source = map[string]any{"pointer": e.Pointer}
		case e.Parameter != "":
			o.Source = map[string]any{"parameter": e.Parameter}
		}
		doc.Errors = append(doc.Errors, o)
	}
	return status, doc
}

// New builds an error.
func New(status int, code, title, detail string) *Error {
	return &Error{Status: status, Code: code, Title: title, Detail: detail}
}

// Validation is a 422 VALIDATION_ERROR on an attribute or relationship, in
// Rails' words: title "can't be blank", detail "customer_email - can't be
// blank", meta.error "blank".
func Validation(pointer, field, message, key string) *Error {
	e := &Error{Status: http.StatusUnprocessableEntity, Code: "VALIDATION_ERROR", Title: message,
		Detail: field + " - " + message, Pointer: pointer}
	if key != "" {
		e.Meta = map[string]any{"error": key}
	}
	return e
}

// AttributePointer is /data/attributes/<name>.
func AttributePointer(name string) string { return "/data/attributes/" + name }

// RelationshipPointer is /data/relationships/<name>.
func RelationshipPointer(name string) string { return "/data/relationships/" + name }

// The query errors (400).

func invalidInclude(rel, typ string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "INVALID_INCLUDE", Title: "Invalid include",
		Detail: fmt.Sprintf("%s is not a valid includable relationship of %s", rel, typ), Parameter: "include"}
}

func invalidField(field, typ string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "INVALID_FIELD", Title: "Invalid field",
		Detail: fmt.Sprintf("%s is not a valid field for %s.", field, typ), Parameter: "fields"}
}

func invalidResource(typ string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "INVALID_RESOURCE", Title: "Invalid resource",
		Detail: typ + " is not a valid resource.", Parameter: "fields"}
}

func invalidSort(criteria, typ string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "INVALID_SORT_CRITERIA", Title: "Invalid sort criteria",
		Detail: fmt.Sprintf("%s is not a valid sort criteria for %s", criteria, typ), Parameter: "sort"}
}

func filterNotAllowed(filter string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "FILTER_NOT_ALLOWED", Title: "Filter not allowed",
		Detail: filter + " is not allowed.", Parameter: "filter"}
}

func invalidFiltersSyntax(filter string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "INVALID_FILTERS_SYNTAX", Title: "Invalid filters syntax",
		Detail: filter + " is not a valid syntax for filtering.", Parameter: "filter"}
}

func invalidPageValue(value, param string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "INVALID_PAGE_VALUE", Title: "Invalid page value",
		Detail: fmt.Sprintf("%s is not a valid value for %s page parameter.", value, param), Parameter: "page[" + param + "]"}
}

func paramNotAllowed(param string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "PARAM_NOT_ALLOWED", Title: "Param not allowed",
		Detail: param + " is not allowed.", Parameter: param}
}
