package sdk

import (
	"strings"
	"testing"
)

func TestFormatAmount(t *testing.T) {
	tests := []struct {
		minor    int64
		currency string
		want     string
	}{
		{0, "eur", "0.00 EUR"},
		{9500, "SEK", "95.00 SEK"},
		{5, "USD", "0.05 USD"},
		{123456789, "EUR", "1 234 567.89 EUR"},
		{-1050, "GBP", "-10.50 GBP"},
		{100000, "NOK", "1 000.00 NOK"},
	}
	for _, tt := range tests {
		if got := FormatAmount(tt.minor, tt.currency); got != tt.want {
			t.Errorf("FormatAmount(%d, %s) = %q, want %q", tt.minor, tt.currency, got, tt.want)
		}
	}
}

func TestAssets(t *testing.T) {
	for name, ctype := range map[string]string{"api.js": "application/javascript; charset=utf-8", "frame.js": "application/javascript; charset=utf-8", "frame.css": "text/css; charset=utf-8"} {
		body, got, ok := Asset(name)
		if !ok || got != ctype || len(body) == 0 {
			t.Errorf("Asset(%s) = %d bytes, %q, %v", name, len(body), got, ok)
		}
	}
	for _, name := range []string{"missing.js", "../sdk.go", "assets/api.js", "widget.html"} {
		if _, _, ok := Asset(name); ok {
			t.Errorf("Asset(%q) found", name)
		}
	}
}

// Every page escapes the texts it is given.
func TestPagesEscape(t *testing.T) {
	evil := `<script>alert("x")</script>`
	pages := map[string]any{
		"widget":   Widget{ShowForm: true, Categories: []Category{{ID: "klarna", Name: evil}}, Total: evil},
		"approval": Approval{Title: evil, Cart: Cart{Lines: []Line{{Name: evil}}}, Category: evil, Fields: []Field{{Name: "email", Label: evil, Value: evil}}},
		"hosted":   Hosted{Title: evil, Open: true, Cart: Cart{Lines: []Line{{Name: evil}}}, Fields: []Field{{Name: "city", Value: evil}}, Message: evil},
		"error":    ErrorPage{Title: evil, Message: evil},
	}
	for name, data := range pages {
		var b strings.Builder
		if err := Render(&b, name, data); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if strings.Contains(b.String(), "<script>alert") {
			t.Errorf("%s does not escape: %s", name, b.String())
		}
		if !strings.Contains(b.String(), "&lt;script&gt;alert(") {
			t.Errorf("%s lost the text", name)
		}
	}
}
