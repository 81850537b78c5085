package snapshot

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/paysandbox/paysandbox/emulator/admin"
	"github.com/paysandbox/paysandbox/emulator/platform"
	"github.com/paysandbox/paysandbox/emulator/store"
)

// Routes mounts the snapshot endpoints on s, an admin surface
// (admin.API.Surface: the guard, openapi/sandbox.yaml, the admin error
// format) whose body limit is MaxSize:
//
//	POST /_sandbox/snapshots          take one ({"tenant": T}; none: the whole instance)
//	GET  /_sandbox/snapshots/{scope}  the same, for a tenant or "*"
//	PUT  /_sandbox/snapshots/{scope}  replace that scope's state with the body's snapshot
//
// {scope} is the tenant a snapshot holds, or "*" for the whole instance: PUT
// sets exactly the state GET would return, and refuses a file of another scope.
func (l *Loader) Routes(s *platform.Surface) {
	s.Handle(http.MethodPost, "/_sandbox/snapshots", l.handleTake)
	s.Handle(http.MethodGet, "/_sandbox/snapshots/{scope}", l.handleGet)
	s.Handle(http.MethodPut, "/_sandbox/snapshots/{scope}", l.handlePut)
}

func (l *Loader) handleTake(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Tenant string `json:"tenant"`
	}
	if !admin.Decode(w, r, &in) {
		return
	}
	l.serveTake(w, r, in.Tenant)
}

func (l *Loader) handleGet(w http.ResponseWriter, r *http.Request) {
	l.serveTake(w, r, platform.PathVar(r, "scope"))
}

func (l *Loader) serveTake(w http.ResponseWriter, r *http.Request, tenant string) {
	if tenant == "" {
		tenant = All
	}
	if admin.RefuseTenant(w, r, tenant) {
		return
	}
	f, err := l.Take(tenant)
	if err != nil {
		admin.WriteError(w, http.StatusInternalServerError, "internal", "taking the snapshot failed")
		return
	}
	name := "all"
	if f.Tenant != All {
		name = safeName(f.Tenant)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="paysandbox-%s.snapshot.json"`, name))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_ = Encode(w, f) // the status is sent: a client gone mid-download just lacks the end (the JSON does not parse)
}

func (l *Loader) handlePut(w http.ResponseWriter, r *http.Request) {
	scope := platform.PathVar(r, "scope")
	if admin.RefuseTenant(w, r, scope) {
		return
	}
	// The surface read the body (at most MaxSize) and its media type; the
	// file's kind and version are checked before its layout, so a file of
	// another version is refused for its version (sandbox.yaml leaves the
	// body to this check).
	f, err := Decode(bytes.NewReader(platform.Body(r)))
	if err != nil {
		admin.WriteError(w, http.StatusBadRequest, "incompatible_snapshot", err.Error())
		return
	}
	if f.Tenant != scope {
		admin.WriteError(w, http.StatusConflict, "scope_mismatch", fmt.Sprintf("this snapshot holds %s; PUT it to /_sandbox/snapshots/%s", describe(f.Tenant), f.Tenant))
		return
	}
	if err := l.Load(f); err != nil {
		switch {
		case errors.Is(err, ErrIncompatible):
			admin.WriteError(w, http.StatusBadRequest, "incompatible_snapshot", err.Error())
		case errors.Is(err, store.ErrSnapshotConflict):
			admin.WriteError(w, http.StatusConflict, "snapshot_conflict", err.Error())
		default:
			admin.WriteError(w, http.StatusBadRequest, "incompatible_snapshot", "the snapshot could not be loaded: "+err.Error())
		}
		return
	}
	platform.WriteJSON(w, http.StatusOK, map[string]any{"loaded": f.Tenant, "records": f.Records(), "created_at": f.CreatedAt})
}

func describe(tenant string) string {
	if tenant == All {
		return "the whole instance"
	}
	return "tenant " + tenant
}

// safeName keeps a file name to letters, digits, '-', '_' and '.'.
func safeName(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c < 128 && (c == '-' || c == '_' || c == '.' || ('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')) {
			b.WriteRune(c)
		} else {
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 || b.Len() > 64 {
		return "tenant"
	}
	return b.String()
}
