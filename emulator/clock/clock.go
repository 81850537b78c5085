// Package clock is the virtual clock: real time plus a global offset plus a
// per-tenant offset, moved forward by the admin API. A scheduler runs stored
// jobs (expiries, retries) once a tenant's clock passes them, whether real
// time or a jump got it there.
package clock

import (
	"encoding/json"
	"sync"
	"time"

	"github.com/paysandbox/paysandbox/emulator/store"
)

const metaKey = "clock"

// Clock is safe for concurrent use. Offsets persist in the store.
type Clock struct {
	st   *store.Store
	real func() time.Time

	mu      sync.RWMutex
	global  time.Duration
	tenants map[string]time.Duration
	waiters []chan struct{}
}

type persisted struct {
	Global  time.Duration            `json:"global"`
	Tenants map[string]time.Duration `json:"tenants"`
}

// New loads the offsets from st. real is the source of real time (time.Now
// when nil).
func New(st *store.Store, real func() time.Time) (*Clock, error) {
	if real == nil {
		real = time.Now
	}
	c := &Clock{st: st, real: real, tenants: map[string]time.Duration{}}
	raw, err := st.Meta(metaKey)
	if err != nil {
		return nil, err
	}
	if raw != nil {
		var p persisted
		if err := json.Unmarshal(raw, &p); err != nil {
			return nil, err
		}
		c.global = p.Global
		for k, v := range p.Tenants {
			c.tenants[k] = v
		}
	}
	return c, nil
}

// Now is the tenant's current virtual time (UTC, whole milliseconds, so that it
// survives a JSON round trip unchanged).
func (c *Clock) Now(tenant string) time.Time {
	return c.real().Add(c.Offset(tenant)).UTC().Truncate(time.Millisecond)
}

// Offset is how far the tenant's clock is ahead of real time.
func (c *Clock) Offset(tenant string) time.Duration {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.global + c.tenants[tenant]
}

// Advance moves the tenant's clock (every clock when tenant is "") forward by
// d, persists the offset and wakes whoever waits on Changed.
func (c *Clock) Advance(tenant string, d time.Duration) error {
	c.mu.Lock()
	if tenant == "" {
		c.global += d
	} else {
		c.tenants[tenant] += d
	}
	err := c.saveLocked()
	c.wakeLocked()
	c.mu.Unlock()
	return err
}

// Reset sets the tenant's offset (every offset when tenant is "") to zero.
func (c *Clock) Reset(tenant string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if tenant == "" {
		c.global = 0
		c.tenants = map[string]time.Duration{}
	} else {
		delete(c.tenants, tenant)
	}
	return c.saveLocked()
}

// Changed returns a channel closed at the next Advance.
func (c *Clock) Changed() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan struct{})
	c.waiters = append(c.waiters, ch)
	return ch
}

func (c *Clock) wakeLocked() {
	for _, ch := range c.waiters {
		close(ch)
	}
	c.waiters = nil
}

func (c *Clock) saveLocked() error {
	raw, err := json.Marshal(persisted{Global: c.global, Tenants: c.tenants})
	if err != nil {
		return err
	}
	return c.st.SetMeta(metaKey, raw)
}
