package scenario

import "time"

// What a scenario file may leave out. The parser (load.go) records only what
// the file says; applyDefaults fills the rest before the checks that need
// the whole scenario.
const (
	defaultProvider    = "any" // every provider
	defaultProbability = 1.0
	defaultHangMax     = 5 * time.Minute
	defaultKeep        = 0.5 // the share of the body a truncate sends
	defaultAttempts    = 1   // attempts a webhook drop loses
	defaultReorderHold = time.Hour
)

func (sc *Scenario) applyDefaults() {
	if sc.Provider == "" {
		sc.Provider = defaultProvider
	}
	if sc.Probability == 0 {
		sc.Probability = defaultProbability
	}
	for i := range sc.Steps {
		sc.Steps[i].applyDefaults()
	}
}

func (st *Step) applyDefaults() {
	if f := st.Fault; f != nil {
		switch f.Kind {
		case FaultTruncate:
			f.AfterHandler = true // the body to cut is the handler's
			if f.Keep == 0 {
				f.Keep = defaultKeep
			}
		case FaultHang:
			if f.Max == 0 {
				f.Max = defaultHangMax
			}
		}
	}
	if c := st.Webhook; c != nil {
		if !c.attemptsSet {
			c.Attempts = defaultAttempts
		}
		if c.Kind == ChaosReorder && c.Hold == 0 {
			c.Hold = defaultReorderHold
		}
	}
}
