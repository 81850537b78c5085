package commercelayer

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strings"
	"time"

	"github.com/paysandbox/paysandbox/emulator/commercelayer/jsonapi"
	"github.com/paysandbox/paysandbox/emulator/store"
	"github.com/paysandbox/paysandbox/emulator/webhook"
)

// webhookTopics are the topics a webhook may listen to: <type>.create,
// .update and .destroy of every type of the model, <type>.<trigger> for
// every trigger (orders.place, shipments.ship...), and the order's status
// topics.
var webhookTopics = func() map[string]bool {
	t := map[string]bool{}
	for _, r := range clModel.Resources {
		for _, ev := range []string{"create", "update", "destroy"} {
			t[r.Type+"."+ev] = true
		}
		for _, tr := range r.Triggers {
			t[r.Type+"."+strings.TrimPrefix(tr.Name, "_")] = true
		}
	}
	for _, ev := range []string{"draft", "pending", "editing", "placing", "place", "authorize", "approve", "cancel", "void",
		"pay", "refund", "fulfill", "archive", "unarchive", "start_editing", "stop_editing", "payment_source_fixed"} {
		t["orders."+ev] = true
	}
	return t
}()

// Delivery: up to 10 retries on the virtual clock (UNCONFIRMED schedule);
// the circuit opens after 30 consecutive failed attempts.
const circuitThreshold = 30

func webhookPolicy() webhook.Policy {
	return webhook.Policy{
		Retries: []time.Duration{
			time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 16 * time.Minute,
			32 * time.Minute, time.Hour, 2 * time.Hour, 4 * time.Hour, 8 * time.Hour,
		},
		Timeout: 5 * time.Second, // Commerce Layer waits 5 s for an answer
	}
}

// Signature is X-CommerceLayer-Signature: base64(HMAC-SHA256(body, secret)).
func Signature(body []byte, secret string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// event is a topic fired by a change, sent at commit.
type event struct {
	Topic string
	Ref   jsonapi.Ref
}

// emit fires topic for a resource.
func (c *call) emit(topic, typ, id string) {
	c.events = append(c.events, event{Topic: topic, Ref: jsonapi.Ref{Type: typ, ID: id}})
}

// flushEvents enqueues a delivery per event and listening webhook, signed,
// in the current transaction (after every write, so payloads show the final
// state).
func (c *call) flushEvents() error {
	if len(c.events) == 0 {
		return nil
	}
	hooks, err := scan(c, "webhooks", func(w *Webhook) bool { return w.A.DisabledAt == nil })
	if err != nil || len(hooks) == 0 {
		return err
	}
	r := c.renderer()
	r.Base = "/api" // payload links are relative
	r.Src = systemSource{c}
	for _, ev := range c.events {
		for _, w := range hooks {
			if w.A.Topic != ev.Topic || c.circuits[w.ID].Open {
				continue
			}
			obj, err := c.find(ev.Ref, false)
			if err != nil {
				continue
			}
			inc, _ := jsonapi.ParseInclude(c.cl.registry(), c.cl.registry().Get(ev.Ref.Type), strings.Join(w.A.IncludeResources, ","))
			doc, err := r.One(obj, &jsonapi.Query{Include: inc})
			if err != nil {
				return err
			}
			body, err := marshalDoc(doc)
			if err != nil {
				return err
			}
			_, err = webhook.Enqueue(c.tx, webhook.Delivery{
				Event: ev.Topic, URL: w.A.CallbackURL, Body: body,
				Header: map[string]string{"X-CommerceLayer-Signature": Signature(body, w.SharedSecret), "X-CommerceLayer-Topic": ev.Topic},
			}, c.now)
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// circuit is a webhook's circuit breaker.
type circuit struct {
	Open     bool
	Failures int
}

// circuits reads every webhook's consecutive failed attempts from the
// sender's log (newest first, back to the last success or reset).
func (cl *CommerceLayer) circuits(ctx context.Context, org string) (map[string]circuit, error) {
	var hooks []Webhook
	err := cl.p.Store.View(ctx, provider, org, func(tx *store.Tx) (err error) {
		hooks, err = webhooksIn(tx)
		return err
	})
	if err != nil {
		return nil, err
	}
	return cl.circuitsOf(ctx, org, hooks)
}

// webhooksIn are the organization's webhooks.
func webhooksIn(tx *store.Tx) ([]Webhook, error) {
	var hooks []Webhook
	err := tx.List("webhooks", func(_ string, raw []byte) error {
		var w Webhook
		if err := jsonUnmarshal(raw, &w); err != nil {
			return err
		}
		hooks = append(hooks, w)
		return nil
	})
	return hooks, err
}

// circuitsOf are the circuits of hooks, from the sender's log.
func (cl *CommerceLayer) circuitsOf(ctx context.Context, org string, hooks []Webhook) (map[string]circuit, error) {
	if len(hooks) == 0 {
		return nil, nil
	}
	ds, err := cl.p.Webhooks.List(ctx, webhook.Filter{Provider: provider, Tenant: org, Limit: 5000})
	if err != nil {
		return nil, err
	}
	out := map[string]circuit{}
	for _, w := range hooks {
		from, _ := time.Parse(time.RFC3339Nano, w.CircuitFrom)
		n := 0
	deliveries:
		for _, d := range ds {
			if d.Event != w.A.Topic || d.URL != w.A.CallbackURL {
				continue
			}
			for i := len(d.Attempts) - 1; i >= 0; i-- {
				a := d.Attempts[i]
				if a.Succeeded || a.At.Before(from) {
					break deliveries
				}
				n++
			}
		}
		out[w.ID] = circuit{Open: n >= circuitThreshold, Failures: n}
	}
	return out, nil
}

func (cl *CommerceLayer) webhookKind() *kind {
	return &kind{
		res: resource("webhooks", attributeNames(Webhook{}.A, "shared_secret", "circuit_state", "circuit_failure_count"),
			[]string{"name", "topic", "callback_url", "disabled_at", "circuit_state"}, []string{"name", "topic", "disabled_at"}),
		newRec: func() model { return &Webhook{} },
		object: func(c *call, m model) *jsonapi.Object {
			r := m.(*Webhook)
			if r.A.IncludeResources == nil {
				r.A.IncludeResources = []string{}
			}
			cc := c.circuits[r.ID]
			state := "closed"
			if cc.Open {
				state = "open"
			}
			var secret any
			if c.revealed == r.ID {
				secret = r.SharedSecret // shown once: when created or regenerated
			}
			return c.object("webhooks", &r.Base, r.A, map[string]any{
				"shared_secret": secret, "circuit_state": state, "circuit_failure_count": cc.Failures,
			}, nil)
		},
		create: func(c *call, in *input) (string, error) {
			var id string
			err := c.update(func() error {
				w := &Webhook{}
				var err error
				if w.Base, err = c.newBase("webhooks"); err != nil {
					return err
				}
				if err := c.setWebhook(w, in); err != nil {
					return err
				}
				w.SharedSecret, w.CircuitFrom = c.newHex(32), c.now.Format(time.RFC3339Nano)
				c.revealed, id = w.ID, w.ID
				return c.put("webhooks", w)
			})
			return id, err
		},
		update: func(c *call, id string, in *input) error {
			return c.update(func() error {
				w := &Webhook{}
				if err := c.get("webhooks", id, w); err != nil {
					return err
				}
				if err := c.setWebhook(w, in); err != nil {
					return err
				}
				switch {
				case in.flag("_disable"):
					w.A.DisabledAt = tsPtr(c.now)
				case in.flag("_enable"):
					w.A.DisabledAt = nil
				}
				if in.flag("_reset_circuit") {
					w.CircuitFrom = c.now.Format(time.RFC3339Nano)
					delete(c.circuits, w.ID)
				}
				if in.flag("_regenerate_shared_secret") {
					w.SharedSecret, c.revealed = c.newHex(32), w.ID
				}
				c.touch(w)
				return c.put("webhooks", w)
			})
		},
		destroy: func(c *call, id string) error {
			return c.update(func() error { return c.del("webhooks", id) })
		},
	}
}

// setWebhook applies and checks a webhook's attributes.
func (c *call) setWebhook(w *Webhook, in *input) error {
	if err := overlay(&w.Base, &w.A, in, "name", "topic", "callback_url", "include_resources"); err != nil {
		return err
	}
	if !webhookTopics[w.A.Topic] {
		return jsonapi.Validation(jsonapi.AttributePointer("topic"), "topic", "is not included in the list", "inclusion")
	}
	u, err := url.Parse(w.A.CallbackURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return jsonapi.Validation(jsonapi.AttributePointer("callback_url"), "callback_url", "is invalid", "invalid")
	}
	typ, _, _ := strings.Cut(w.A.Topic, ".")
	if _, err := jsonapi.ParseInclude(c.cl.registry(), c.cl.registry().Get(typ), strings.Join(w.A.IncludeResources, ",")); err != nil {
		return jsonapi.Validation(jsonapi.AttributePointer("include_resources"), "include_resources", "is invalid", "invalid")
	}
	return nil
}
