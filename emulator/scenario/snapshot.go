package scenario

// Reload forgets tenant's armed scenarios ("" for every tenant, "*" armings
// included) and reads them again from the store: a snapshot was loaded.
func (e *Engine) Reload(tenant string) error {
	e.Reset(tenant)
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.loadArmed(tenant)
}

// SysBucket is the store system bucket that holds armed scenarios.
const SysBucket = sysBucket
