package clock

import "time"

// MaxOffset is the largest offset any clock has (global plus its tenant's),
// so that the admin API can refuse a move that would overflow it.
func (c *Clock) MaxOffset() time.Duration {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var most time.Duration
	for _, d := range c.tenants {
		most = max(most, d)
	}
	return c.global + most
}
