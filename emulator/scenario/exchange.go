package scenario

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paysandbox/paysandbox/emulator/platform"
	"github.com/paysandbox/paysandbox/emulator/store"
)

// exchange is one request the engine shapes.
type exchange struct {
	e      *Engine
	c      *platform.SurfaceConfig
	next   http.Handler
	w      http.ResponseWriter
	r      *http.Request
	tenant string

	applied []*application
}

func (x *exchange) run(apps []*application) {
	var reqApps []*application
	var web *application
	for _, a := range apps {
		if a.sc.Webhook {
			// The request goes on; the deliveries it enqueues carry the
			// scenario (the first one asked for), set in their transaction.
			if web == nil {
				web = a
			}
			x.applied = append(x.applied, a)
			continue
		}
		reqApps = append(reqApps, a)
	}
	if web != nil {
		x.r = x.r.WithContext(store.WithTag(x.r.Context(), web.ref()))
	}
	x.runRequest(reqApps)
}

// runRequest applies the request scenarios. Every way it ends goes through
// finish.
func (x *exchange) runRequest(reqApps []*application) {
	// Actions that are not implemented make their step not apply.
	active := reqApps[:0:0]
	for _, a := range reqApps {
		if why := x.missingAction(a); why != "" {
			x.skip(a, why)
			continue
		}
		active = append(active, a)
	}
	if !x.wait(active) {
		x.applied = append(x.applied, active...)
		x.finish(func() { x.w.WriteHeader(499) }) // the client gave up while waiting (for the journal)
		return
	}
	x.finish(x.answer(active))
}

// finish is the one place a shaped response ends: the headers the applied
// steps ask for, the record of what applied, then the answer.
func (x *exchange) finish(answer func()) {
	x.headers()
	x.mark()
	answer()
}

// wait sleeps the steps' delays; false when the client gave up meanwhile.
func (x *exchange) wait(active []*application) bool {
	var d time.Duration
	for _, a := range active {
		d += a.delay
	}
	return d <= 0 || x.e.sleep(x.r.Context(), d)
}

// answer runs what comes before the handler and returns how the response is
// written: an action's answer, a step's error or fault, or the handler's.
func (x *exchange) answer(active []*application) func() {
	// Actions before the handler, in order; an answer ends the request.
	for i := 0; i < len(active); i++ {
		a := active[i]
		answer, skipped := x.before(a)
		if skipped {
			active = slices.Delete(active, i, i+1)
			i--
			continue
		}
		if answer != nil {
			x.applied = append(x.applied, active[:i+1]...)
			x.refundAll(active[i+1:], "another scenario answered first")
			return answer
		}
	}
	x.applied = append(x.applied, active...)

	// An error or a fault before the handler answers instead of it.
	for _, a := range active {
		if err := a.c.err; err != nil {
			return func() { x.c.Renderer.RenderError(x.w, x.r, err) }
		}
		if f := a.c.step.Fault; f != nil && !f.AfterHandler {
			return func() { x.fault(f, 0, nil) }
		}
	}

	var after []*application
	var fault *Fault
	for _, a := range active {
		if x.hasAfter(a) {
			after = append(after, a)
		}
		if f := a.c.step.Fault; f != nil && fault == nil {
			fault = f
		}
	}
	if len(after) == 0 && fault == nil {
		return func() { x.next.ServeHTTP(x.w, x.r) }
	}
	return x.afterHandler(after, fault)
}

// afterHandler runs the handler into a buffer, so after-actions can see and
// replace its answer and faults can cut it.
func (x *exchange) afterHandler(after []*application, fault *Fault) func() {
	snapshot := x.w.Header().Clone()
	cw := &capture{h: x.w.Header()}
	x.next.ServeHTTP(cw, x.r)
	status, body := cw.result()
	status, body, replaced := x.runAfter(after, status, body)
	switch {
	case replaced != nil:
		restoreHeader(x.w.Header(), snapshot)
		return func() { x.c.Renderer.RenderError(x.w, x.r, replaced) }
	case fault != nil:
		return func() { x.fault(fault, status, body) }
	}
	return func() {
		x.w.WriteHeader(status)
		_, _ = x.w.Write(body) // the client is gone; nothing to tell it
	}
}

// runAfter runs the after-actions over the handler's answer. An action that
// skips drops its step; an error replaces the answer.
func (x *exchange) runAfter(after []*application, status int, body []byte) (int, []byte, error) {
	for _, a := range after {
		for _, ar := range a.c.actions {
			act, _ := x.e.action(a.sc.Provider, ar.Name)
			if act.After == nil {
				continue
			}
			call := &platform.ActionCall{Request: x.r, Tenant: x.tenant, Params: ar.Params, Status: status, Body: body}
			err := act.After(call)
			if errors.Is(err, platform.ErrActionSkipped) {
				x.applied = slices.DeleteFunc(x.applied, func(b *application) bool { return b == a })
				x.skip(a, skipReason(err))
				break
			}
			if err != nil {
				return status, body, err
			}
			if call.Status != status || !bytes.Equal(call.Body, body) {
				status, body = call.Status, call.Body
				x.w.Header().Del("Content-Length")
			}
		}
	}
	return status, body, nil
}

// missingAction names the first action of a's step with no implementation.
func (x *exchange) missingAction(a *application) string {
	for _, ar := range a.c.actions {
		if _, ok := x.e.action(a.sc.Provider, ar.Name); !ok {
			return fmt.Sprintf("action %s/%s is not available", a.sc.Provider, ar.Name)
		}
	}
	return ""
}

func (x *exchange) hasAfter(a *application) bool {
	for _, ar := range a.c.actions {
		if act, _ := x.e.action(a.sc.Provider, ar.Name); act.After != nil {
			return true
		}
	}
	return false
}

// before runs a's before-actions. answer, when not nil, writes the answer
// an action gave (its own, or its error in the provider's format); skipped:
// the step does not apply.
func (x *exchange) before(a *application) (answer func(), skipped bool) {
	for _, ar := range a.c.actions {
		act, _ := x.e.action(a.sc.Provider, ar.Name)
		if act.Before == nil {
			continue
		}
		call := &platform.ActionCall{Request: x.r, Tenant: x.tenant, Params: ar.Params}
		err := act.Before(call)
		switch {
		case errors.Is(err, platform.ErrActionSkipped):
			x.skip(a, skipReason(err))
			return nil, true
		case err != nil:
			return func() { x.c.Renderer.RenderError(x.w, x.r, err) }, false
		case call.Status != 0:
			return func() {
				if len(call.Body) > 0 && x.w.Header().Get("Content-Type") == "" {
					x.w.Header().Set("Content-Type", "application/json")
				}
				x.w.WriteHeader(call.Status)
				_, _ = x.w.Write(call.Body)
			}, false
		}
	}
	return nil, false
}

// skip gives an armed step back and tells the client why (header uses).
func (x *exchange) skip(a *application, why string) {
	x.e.refund(a)
	x.w.Header().Add(SkippedHeader, a.sc.Name+": "+why)
}

func (x *exchange) refundAll(apps []*application, why string) {
	for _, a := range apps {
		x.skip(a, why)
	}
}

// headers sets the response headers the applied steps ask for.
func (x *exchange) headers() {
	h := x.w.Header()
	for _, a := range x.applied {
		for k, v := range a.c.headers {
			h.Set(k, v)
		}
		if a.c.err != nil && a.c.retryAfter > 0 {
			secs := int((a.c.retryAfter + time.Second - 1) / time.Second)
			h.Set("Retry-After", strconv.Itoa(secs))
		}
	}
}

// mark records the applied scenarios: a response header, the journal and the
// coverage counts.
func (x *exchange) mark() {
	if len(x.applied) == 0 {
		return
	}
	names := make([]string, 0, len(x.applied))
	var shaped []string // webhook scenarios count when a delivery is disturbed
	for _, a := range x.applied {
		if !slices.Contains(names, a.sc.Name) {
			names = append(names, a.sc.Name)
			if !a.sc.Webhook {
				shaped = append(shaped, a.sc.Name)
			}
		}
	}
	joined := strings.Join(names, ",")
	x.w.Header().Set(AppliedHeader, joined)
	if info := platform.Info(x.r.Context()); info != nil {
		info.Scenario = joined
	}
	x.e.count(shaped, x.tenant)
}

func restoreHeader(h, snapshot http.Header) {
	for k := range h {
		delete(h, k)
	}
	for k, v := range snapshot {
		h[k] = v
	}
}

// capture buffers a handler's answer; headers go to the real response.
type capture struct {
	h      http.Header
	status int
	body   bytes.Buffer
}

func (c *capture) Header() http.Header { return c.h }

func (c *capture) WriteHeader(status int) {
	if c.status == 0 {
		c.status = status
	}
}

func (c *capture) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	return c.body.Write(b)
}

func (c *capture) result() (int, []byte) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	return c.status, c.body.Bytes()
}
