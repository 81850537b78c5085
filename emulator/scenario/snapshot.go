package scenario

import (
	"github.com/paysandbox/paysandbox/emulator/store"
)

// Reload forgets tenant's armed scenarios ("" for every tenant, "*" armings
// included) and reads them again from the store: a snapshot was loaded.
func (e *Engine) Reload(tenant string) error {
	e.Reset(tenant)
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.p.Store.SysView(func(tx *store.Tx) error {
		return tx.Sys(sysBucket).List(false, func(_ string, raw []byte) (bool, error) {
			a, err := e.decodeArmed(raw)
			if err != nil {
				e.log.Warn("scenario: ignoring an armed scenario", "err", err)
				return true, nil
			}
			if tenant != "" && a.Tenant != tenant {
				return true, nil
			}
			key := armKey{a.Tenant, a.Name}
			if old := e.armed[key]; old != nil {
				e.forgetLocked(old)
			}
			e.armed[key] = a
			e.counter(a).Add(1)
			return true, nil
		})
	})
}

// SysBucket is the store system bucket that holds armed scenarios.
const SysBucket = sysBucket
