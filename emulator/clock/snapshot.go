package clock

import (
	"encoding/json"
	"fmt"
	"time"
)

// MetaKey is the store meta key that holds the offsets (for snapshots).
const MetaKey = metaKey

// Offsets are clock offsets as a snapshot keeps them, as Go durations
// ("48h0m0s"). Global is set in whole-instance snapshots only.
type Offsets struct {
	Global  string            `json:"global,omitempty"`
	Tenants map[string]string `json:"tenants,omitempty"`
}

// OffsetsOf reads the offsets of tenant ("" for all, global included) from
// the stored meta value raw (nil: none).
func OffsetsOf(raw []byte, tenant string) (Offsets, error) {
	var p persisted
	if raw != nil {
		if err := json.Unmarshal(raw, &p); err != nil {
			return Offsets{}, err
		}
	}
	o := Offsets{Tenants: map[string]string{}}
	if tenant == "" {
		o.Global = p.Global.String()
		for t, d := range p.Tenants {
			o.Tenants[t] = d.String()
		}
		return o, nil
	}
	if d, ok := p.Tenants[tenant]; ok {
		o.Tenants[tenant] = d.String()
	}
	return o, nil
}

// Merge returns how the stored offsets change when o is loaded for tenant
// ("" replaces every offset; otherwise only tenant's).
func (o Offsets) Merge(tenant string) (func(old []byte) ([]byte, error), error) {
	parse := func(s string) (time.Duration, error) {
		if s == "" {
			return 0, nil
		}
		d, err := time.ParseDuration(s)
		if err != nil {
			return 0, fmt.Errorf("clock offset %q: %v", s, err)
		}
		return d, nil
	}
	global, err := parse(o.Global)
	if err != nil {
		return nil, err
	}
	tenants := map[string]time.Duration{}
	for t, s := range o.Tenants {
		if tenant != "" && t != tenant {
			return nil, fmt.Errorf("a snapshot of tenant %q holds the clock of tenant %q", tenant, t)
		}
		if tenants[t], err = parse(s); err != nil {
			return nil, err
		}
	}
	return func(old []byte) ([]byte, error) {
		p := persisted{Tenants: map[string]time.Duration{}}
		if old != nil && tenant != "" {
			if err := json.Unmarshal(old, &p); err != nil {
				return nil, err
			}
			if p.Tenants == nil {
				p.Tenants = map[string]time.Duration{}
			}
			delete(p.Tenants, tenant)
		}
		if tenant == "" {
			p.Global = global
		}
		for t, d := range tenants {
			if d != 0 {
				p.Tenants[t] = d
			}
		}
		return json.Marshal(p)
	}, nil
}

// Reload rereads the offsets from the store (after a snapshot was loaded)
// and wakes whoever waits on Changed.
func (c *Clock) Reload() error {
	raw, err := c.st.Meta(metaKey)
	if err != nil {
		return err
	}
	var p persisted
	if raw != nil {
		if err := json.Unmarshal(raw, &p); err != nil {
			return err
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.global = p.Global
	c.tenants = map[string]time.Duration{}
	for k, v := range p.Tenants {
		c.tenants[k] = v
	}
	c.wakeLocked()
	return nil
}
