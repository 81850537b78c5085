package snapshot

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"github.com/paysandbox/paysandbox/emulator/platform"
	"github.com/paysandbox/paysandbox/emulator/store"
)

// Guard is the admin API's check (token, origin) around an endpoint.
type Guard func(needToken bool, h http.HandlerFunc) http.Handler

// Routes mounts the snapshot endpoints under /_sandbox:
//
//	POST /_sandbox/snapshots          take one ({"tenant": T}; none: the whole instance)
//	GET  /_sandbox/snapshots/{scope}  the same, for a tenant or "*"
//	PUT  /_sandbox/snapshots/{scope}  replace that scope's state with the body's snapshot
//
// {scope} is the tenant a snapshot holds, or "*" for the whole instance: PUT
// sets exactly the state GET would return, and refuses a file of another scope.
func (l *Loader) Routes(r *mux.Router, guard Guard, methodNotAllowed http.HandlerFunc) {
	routes := []struct {
		path    string
		methods map[string]http.HandlerFunc
	}{
		{"/_sandbox/snapshots", map[string]http.HandlerFunc{http.MethodPost: l.handleTake}},
		{"/_sandbox/snapshots/{scope}", map[string]http.HandlerFunc{http.MethodGet: l.handleGet, http.MethodPut: l.handlePut}},
	}
	for _, rt := range routes {
		guarded := map[string]http.Handler{}
		for m, h := range rt.methods {
			guarded[m] = guard(true, h)
		}
		r.Handle(rt.path, platform.ByMethod(guarded, methodNotAllowed))
	}
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	platform.WriteJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

// maxTakeBody bounds POST /_sandbox/snapshots's small JSON body.
const maxTakeBody = 1 << 16

func (l *Loader) handleTake(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxTakeBody+1))
	switch {
	case err != nil:
		writeError(w, http.StatusBadRequest, "bad_request", "the body could not be read")
		return
	case len(raw) > maxTakeBody:
		writeError(w, http.StatusRequestEntityTooLarge, "too_large", "the body is too large")
		return
	}
	var in struct {
		Tenant string `json:"tenant"`
	}
	if len(strings.TrimSpace(string(raw))) > 0 {
		if !isJSON(r) {
			writeError(w, http.StatusUnsupportedMediaType, "unsupported_media_type", "send application/json")
			return
		}
		dec := json.NewDecoder(strings.NewReader(string(raw)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			writeError(w, http.StatusBadRequest, "bad_request", `the body is {"tenant": "<tenant>"} (none: the whole instance)`)
			return
		}
	}
	l.serveTake(w, r, in.Tenant)
}

func (l *Loader) handleGet(w http.ResponseWriter, r *http.Request) {
	l.serveTake(w, r, platform.PathVar(r, "scope"))
}

func (l *Loader) refused(w http.ResponseWriter, r *http.Request, tenant string) bool {
	return l.Refuse != nil && l.Refuse(w, r, tenant)
}

func (l *Loader) serveTake(w http.ResponseWriter, r *http.Request, tenant string) {
	if tenant == "" {
		tenant = All
	}
	if l.refused(w, r, tenant) {
		return
	}
	f, err := l.Take(tenant)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "taking the snapshot failed")
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
	if l.refused(w, r, scope) {
		return
	}
	if !isJSON(r) {
		writeError(w, http.StatusUnsupportedMediaType, "unsupported_media_type", "send the snapshot as application/json")
		return
	}
	f, err := Decode(r.Body)
	if err != nil {
		status, code := http.StatusBadRequest, "incompatible_snapshot"
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) || strings.Contains(err.Error(), "larger than") {
			status, code = http.StatusRequestEntityTooLarge, "too_large"
		}
		writeError(w, status, code, err.Error())
		return
	}
	if f.Tenant != scope {
		writeError(w, http.StatusConflict, "scope_mismatch", fmt.Sprintf("this snapshot holds %s; PUT it to /_sandbox/snapshots/%s", describe(f.Tenant), f.Tenant))
		return
	}
	if err := l.Load(f); err != nil {
		switch {
		case errors.Is(err, ErrIncompatible):
			writeError(w, http.StatusBadRequest, "incompatible_snapshot", err.Error())
		case errors.Is(err, store.ErrSnapshotConflict):
			writeError(w, http.StatusConflict, "snapshot_conflict", err.Error())
		default:
			writeError(w, http.StatusBadRequest, "incompatible_snapshot", "the snapshot could not be loaded: "+err.Error())
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

func isJSON(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
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
