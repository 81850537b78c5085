// Package page holds what every browser-facing page of the emulator sends
// (a Content-Security-Policy that names who may frame it) and the one way it
// sends a browser on to a merchant's URL.
package page

import (
	"net/http"
	"net/url"
	"strings"
)

// Framing: who may put a page in a frame.
const (
	// FramedBySelf is for pages a customer opens at the top level (hosted
	// payment pages): only the emulator's own pages may frame them, so a
	// foreign page cannot overlay and click-jack them.
	FramedBySelf = "'self'"
	// FramedByAnyone is for the JS SDK's iframes, which the merchant's page
	// (any origin) frames by design, as Klarna's own do.
	FramedByAnyone = "*"
)

// Headers sets the headers every HTML page sends: its CSP (policy, then
// frame-ancestors), no MIME sniffing, no caching, and for pages only the
// emulator may frame the X-Frame-Options older browsers read.
func Headers(h http.Header, policy, framing string) {
	csp := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(policy), ";"))
	if csp != "" {
		csp += "; "
	}
	h.Set("Content-Security-Policy", csp+"frame-ancestors "+framing)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	if framing == FramedBySelf {
		h.Set("X-Frame-Options", "SAMEORIGIN")
	}
}

// SafeURL reports whether a merchant's URL may receive a browser: absolute
// http or https with a host. javascript:, data:, file: and relative URLs may
// not.
func SafeURL(s string) bool {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.Host == "" || u.Opaque != "" {
		return false
	}
	scheme := strings.ToLower(u.Scheme)
	return scheme == "http" || scheme == "https"
}

// Redirect sends the browser to target with code when target is SafeURL,
// and reports false (writing nothing) when it is not: the caller then shows
// a page instead.
func Redirect(w http.ResponseWriter, r *http.Request, target string, code int) bool {
	if !SafeURL(target) {
		return false
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, target, code)
	return true
}
