package webhook

// logFailed writes the console's warning for each failed attempt, so a
// webhook that does not arrive is visible without the dashboard.
func (s *Sender) logFailed(d *Delivery, atts []Attempt) {
	for _, a := range atts {
		if a.Succeeded {
			continue
		}
		s.log.Warn("webhook attempt failed", "id", d.ID, "provider", d.Provider, "tenant", d.Tenant, "event", d.Event,
			"url", a.URL, "status", a.StatusCode, "error", a.Error, "attempt", len(d.Attempts)+1)
	}
}
