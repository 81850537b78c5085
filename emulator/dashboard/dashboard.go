// Package dashboard is the emulator's web dashboard at /_sandbox/ui: what the
// emulator holds (per vendor and tenant), the request journal live, webhook
// deliveries, and the admin actions (clock, scenarios, reset, driving a
// pending payment), in server-rendered pages.
//
// Safe by construction: every page goes through html/template, the only
// script is our own embedded app.js (the CSP forbids inline script and every
// other origin), every change is a POST with a CSRF token bound to the
// session cookie, and requests pass the admin API's own guard (Host and
// Origin checks, --admin-token). With an admin token the dashboard asks for
// it once and keeps an HttpOnly, SameSite=Strict cookie.
package dashboard

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/mux"

	"github.com/paysandbox/paysandbox/emulator/admin"
	"github.com/paysandbox/paysandbox/emulator/clock"
	"github.com/paysandbox/paysandbox/emulator/contract"
	"github.com/paysandbox/paysandbox/emulator/journal"
	"github.com/paysandbox/paysandbox/emulator/platform"
	"github.com/paysandbox/paysandbox/emulator/scenario"
	"github.com/paysandbox/paysandbox/emulator/store"
	"github.com/paysandbox/paysandbox/emulator/webhook"
)

// Prefix is where the dashboard is mounted.
const Prefix = "/_sandbox/ui"

//go:embed templates static
var files embed.FS

// Deps is what the dashboard reads and drives, all through exported APIs.
type Deps struct {
	Store     *store.Store
	Clock     *clock.Clock
	Scheduler *clock.Scheduler
	Journal   *journal.Journal
	Webhooks  *webhook.Sender
	Scenarios *scenario.Engine
	Contract  *contract.Set
	// Providers are the mounted vendors (for names, base paths, credentials).
	Providers []platform.ProviderInfo
	// Guard is the admin API's guard (admin.API.Guard): Host and Origin
	// checks and the admin token, applied to every dashboard request.
	Guard func(needToken bool, h http.HandlerFunc) http.Handler
	// Tokens are --admin-token's (admin.ParseTokens); none means no login.
	// Only a token for every tenant signs in: the dashboard shows them all.
	Tokens  []admin.Token
	Version string
	Started time.Time
	// Ready reports whether the emulator serves (false while draining; the
	// live feed ends then, so shutdown is not held up).
	Ready func() bool
	// Listeners are the bound base URLs (nil: the request's own).
	Listeners func() []string
	// Reset drops a tenant's state ("" = everything), as the admin API does.
	Reset func(tenant string) error
	// Handler is the whole emulator: actions that drive a provider go
	// through the provider's own HTTP endpoints.
	Handler func() http.Handler
}

// UI serves the dashboard.
type UI struct {
	d      Deps
	key    []byte                               // signs sessions and CSRF tokens; new each start
	secret string                               // a token for every tenant: what a session stands for to the guard
	pages  func() map[string]*template.Template // parsed by the first page: an idle instance keeps the memory
}

// New builds the dashboard.
func New(d Deps) *UI {
	if d.Ready == nil {
		d.Ready = func() bool { return true }
	}
	if d.Started.IsZero() {
		d.Started = time.Now()
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	u := &UI{d: d, key: key, pages: sync.OnceValue(parsePages)}
	for _, t := range d.Tokens {
		if t.Pattern == "" {
			u.secret = t.Secret
			break
		}
	}
	return u
}

// signIn reports whether the dashboard asks for an admin token.
func (u *UI) signIn() bool { return len(u.d.Tokens) > 0 }

func parsePages() map[string]*template.Template {
	base := template.Must(template.New("").Funcs(funcs).ParseFS(files, "templates/layout.html"))
	names, _ := fs.Glob(files, "templates/*.html")
	out := map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		out[name] = template.Must(template.Must(base.Clone()).ParseFS(files, n))
	}
	return out
}

// Routes mounts the dashboard; the whole surface is here.
func (u *UI) Routes(r *mux.Router) {
	s := r.PathPrefix(Prefix).Subrouter()
	get := func(path string, h http.HandlerFunc) {
		s.Handle(path, u.protect(h)).Methods(http.MethodGet, http.MethodHead)
	}
	post := func(path string, h http.HandlerFunc) { s.Handle(path, u.protect(h)).Methods(http.MethodPost) }

	s.PathPrefix("/static/").Handler(http.HandlerFunc(u.static)).Methods(http.MethodGet, http.MethodHead)
	s.Handle("/login", u.d.Guard(false, u.loginForm)).Methods(http.MethodGet, http.MethodHead)
	s.Handle("/login", u.d.Guard(false, u.login)).Methods(http.MethodPost)
	post("/logout", u.logout)

	get("", u.overview)
	get("/", u.overview)
	get("/t/{tenant}/{provider}", u.vendor)
	get("/t/{tenant}/{provider}/{collection}/{id}", u.object)
	get("/requests", u.requests)
	get("/requests/stream", u.stream)
	get("/requests/{id:[0-9]+}", u.request)
	get("/webhooks", u.webhooks)
	get("/webhooks/{id}", u.webhook)
	post("/webhooks/{id}/resend", u.resend)
	get("/clock", u.clockPage)
	post("/clock/advance", u.advance)
	post("/jobs/run", u.runJob)
	get("/scenarios", u.scenariosPage)
	post("/scenarios/arm", u.arm)
	post("/scenarios/disarm", u.disarm)
	get("/reset", u.resetConfirm)
	post("/reset", u.reset)
	post("/multisafepay/outcome", u.mspOutcome)
	s.PathPrefix("/").Handler(u.protect(u.notFound))
}

// RedirectHTML sends a browser that asks for "/" to the dashboard; API
// clients (no text/html in Accept) get next, the JSON 404.
func RedirectHTML(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (r.Method == http.MethodGet || r.Method == http.MethodHead) && strings.Contains(r.Header.Get("Accept"), "text/html") {
			http.Redirect(w, r, Prefix, http.StatusFound)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// --- sessions, login and CSRF

const cookieName = "paysandbox_ui"

// session is the request's signed session id, "" when it has none (or a
// forged or stale one).
func (u *UI) session(r *http.Request) string {
	c, err := r.Cookie(cookieName)
	if err != nil {
		return ""
	}
	sid, sig, ok := strings.Cut(c.Value, ".")
	if !ok || len(sid) < 16 || !hmac.Equal([]byte(sig), []byte(u.sign("session", sid))) {
		return ""
	}
	return sid
}

// sign is an HMAC of the parts; the admin token is part of the key, so a
// session stops being valid when the token changes.
func (u *UI) sign(parts ...string) string {
	m := hmac.New(sha256.New, append(append([]byte{}, u.key...), u.secret...))
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (u *UI) setSession(w http.ResponseWriter, r *http.Request) string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	sid := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: sid + "." + u.sign("session", sid), Path: Prefix,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
	})
	return sid
}

func (u *UI) csrf(sid string) string { return u.sign("csrf", sid) }

// protect: a session (with an admin token, a logged-in one), the CSRF token
// on every change, then the admin API's guard.
func (u *UI) protect(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		securityHeaders(w)
		sid := u.session(r)
		if sid == "" {
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				u.fail(w, r, http.StatusForbidden, "Your session has ended. Reload the page (and sign in) and try again.")
				return
			}
			if u.signIn() {
				http.Redirect(w, r, Prefix+"/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			sid = u.setSession(w, r)
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
			if err := r.ParseForm(); err != nil {
				u.fail(w, r, http.StatusBadRequest, "The form could not be read.")
				return
			}
			if !hmac.Equal([]byte(r.PostForm.Get("csrf")), []byte(u.csrf(sid))) {
				u.fail(w, r, http.StatusForbidden, "This change did not come from a dashboard page (its CSRF token is missing or wrong).")
				return
			}
		}
		if u.signIn() {
			// The session stands for the token: the admin guard sees it.
			r.Header.Set("X-Sandbox-Admin-Token", u.secret)
			r.Header.Del("Authorization")
		}
		u.d.Guard(true, func(w http.ResponseWriter, r *http.Request) {
			h(w, r.WithContext(contextWithSID(r.Context(), sid)))
		}).ServeHTTP(w, r)
	})
}

func securityHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin") // "no-referrer" would make forms send Origin: null
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
}

func (u *UI) loginForm(w http.ResponseWriter, r *http.Request) {
	securityHeaders(w)
	if !u.signIn() {
		http.Redirect(w, r, Prefix, http.StatusSeeOther)
		return
	}
	u.render(w, r, http.StatusOK, "login", "Sign in", map[string]string{"Next": safeNext(r.URL.Query().Get("next"))})
}

func (u *UI) login(w http.ResponseWriter, r *http.Request) {
	securityHeaders(w)
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	_ = r.ParseForm() // a malformed or oversized form reads as empty: its token is refused
	next := safeNext(r.PostForm.Get("next"))
	if !u.signIn() {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	if msg := u.refuseToken(r.PostForm.Get("token")); msg != "" {
		time.Sleep(250 * time.Millisecond) // slows guessing down
		u.render(w, r, http.StatusUnauthorized, "login", "Sign in", map[string]string{"Next": next, "Error": msg})
		return
	}
	u.setSession(w, r)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// refuseToken says why token may not sign in ("" when it may): it must be
// one of --admin-token's, and one for every tenant.
func (u *UI) refuseToken(token string) string {
	for _, t := range u.d.Tokens {
		if subtle.ConstantTimeCompare([]byte(token), []byte(t.Secret)) == 1 {
			if t.Pattern != "" {
				return "That admin token acts on some tenants only; the dashboard shows every tenant, so it takes a token for all of them."
			}
			return ""
		}
	}
	return "That is not an admin token this emulator was started with (--admin-token)."
}

func (u *UI) logout(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: Prefix, MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, Prefix+"/login", http.StatusSeeOther)
}

// safeNext keeps a post-login redirect inside the dashboard.
func safeNext(s string) string {
	if s == Prefix || (strings.HasPrefix(s, Prefix+"/") && !strings.ContainsAny(s, "\\\r\n") && !strings.HasPrefix(s, Prefix+"/login")) {
		return s
	}
	return Prefix
}

// --- rendering

// page is what every template gets.
type page struct {
	Title   string
	Nav     string
	CSRF    string
	Login   bool // an admin token is set: show "sign out"
	Version string
	Data    any
}

func (u *UI) render(w http.ResponseWriter, r *http.Request, status int, name, title string, data any) {
	t, ok := u.pages()[name]
	if !ok {
		http.Error(w, "no page "+name, http.StatusInternalServerError)
		return
	}
	p := page{Title: title, Nav: name, Login: u.signIn(), Version: u.d.Version, Data: data}
	if sid := sidFrom(r); sid != "" {
		p.CSRF = u.csrf(sid)
	}
	var buf strings.Builder
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		http.Error(w, "rendering the page failed: "+template.HTMLEscapeString(err.Error()), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(buf.String()))
}

func (u *UI) fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	u.render(w, r, status, "error", http.StatusText(status), map[string]any{"Status": status, "Message": msg})
}

func (u *UI) notFound(w http.ResponseWriter, r *http.Request) {
	u.fail(w, r, http.StatusNotFound, "There is no dashboard page at "+r.URL.Path+".")
}

func (u *UI) static(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, Prefix+"/static/")
	if strings.Contains(name, "/") || strings.Contains(name, "..") {
		http.NotFound(w, r)
		return
	}
	b, err := files.ReadFile("static/" + name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	switch {
	case strings.HasSuffix(name, ".css"):
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	case strings.HasSuffix(name, ".js"):
		w.Header().Set("Content-Type", "application/javascript; charset=utf-8")
	case strings.HasSuffix(name, ".svg"):
		w.Header().Set("Content-Type", "image/svg+xml")
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(b)
}
