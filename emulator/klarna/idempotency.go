package klarna

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/paysandbox/paysandbox/emulator/store"
)

// Klarna-Idempotency-Key: a call repeated with the same key within 24 hours
// (of the tenant's virtual time) is executed once and answered the same. Only
// the key matters, not the body. The result is stored with the key, per
// tenant, in the same transaction as the change it made, so "executed once"
// holds even for concurrent retries. Failed calls change nothing and store
// nothing: a retry runs again.

const idempotencyHeader = "Klarna-Idempotency-Key"

type idempotencyKey struct{}

// WithIdempotencyKey makes the Order Management and Customer Token calls made
// with ctx idempotent under key ("" means not idempotent).
func WithIdempotencyKey(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, idempotencyKey{}, key)
}

func idempotencyKeyOf(ctx context.Context) string {
	k, _ := ctx.Value(idempotencyKey{}).(string)
	return k
}

type idempotencyRecord struct {
	Operation string          `json:"operation"`
	At        time.Time       `json:"at"`
	Result    json.RawMessage `json:"result"`
}

// errKeyReused answers a key first used for another kind of call.
var errKeyReused = newError(http.StatusConflict, "CONFLICT", "The idempotency key was already used for another operation")

// once runs op in one transaction of tenant; with an idempotency key in ctx,
// a repeat within the window returns the stored result instead.
func once[T any](k *Klarna, ctx context.Context, tenant, operation string, now time.Time, op func(tx *store.Tx) (T, error)) (T, error) {
	key := idempotencyKeyOf(ctx)
	var out T
	err := k.update(ctx, tenant, func(tx *store.Tx) error {
		var zero T
		out = zero
		if key != "" {
			var rec idempotencyRecord
			if tx.Get(colIdempotency, key, &rec) == nil && now.Sub(rec.At) < idempotencyWindow {
				if rec.Operation != operation {
					return errKeyReused
				}
				return json.Unmarshal(rec.Result, &out)
			}
		}
		res, err := op(tx)
		if err != nil {
			return err
		}
		out = res
		if key == "" {
			return nil
		}
		raw, err := json.Marshal(res)
		if err != nil {
			return err
		}
		return tx.Put(colIdempotency, key, idempotencyRecord{Operation: operation, At: now, Result: raw})
	})
	return out, err
}
