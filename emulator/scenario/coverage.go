package scenario

func (e *Engine) count(names []string, tenant string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, n := range names {
		if e.coverage[n] == nil {
			e.coverage[n] = map[string]int{}
		}
		e.coverage[n][tenant]++
	}
}

// CoverageEntry tells how often a scenario shaped a response or a delivery.
type CoverageEntry struct {
	Name     string         `json:"name"`
	Provider string         `json:"provider"`
	Builtin  bool           `json:"builtin"`
	Applied  int            `json:"applied"`
	Tenants  map[string]int `json:"tenants"`
}

// Coverage lists every scenario with how often it applied (for tenant, or
// all for ""), since start or the last reset.
func (e *Engine) Coverage(tenant string) []CoverageEntry {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := []CoverageEntry{}
	for _, sc := range e.set.All() {
		ce := CoverageEntry{Name: sc.Name, Provider: sc.Provider, Builtin: sc.Builtin, Tenants: map[string]int{}}
		for t, n := range e.coverage[sc.Name] {
			if tenant == "" || t == tenant {
				ce.Applied += n
				ce.Tenants[t] = n
			}
		}
		out = append(out, ce)
	}
	return out
}
