package scenario

import (
	"fmt"
	"hash/fnv"
	"maps"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paysandbox/paysandbox/emulator/platform"
)

// Step selection (sequences, probabilities, seeds), delays and the
// Sandbox-Scenario header are plain functions over plain values.

// Delay is a step's wait before the request goes on.
type Delay struct {
	Kind  string // fixed, uniform, lognormal
	Fixed string // a duration or ${param}
	// uniform
	Min, Max time.Duration
	// lognormal: median × e^(sigma × N(0,1))
	Median time.Duration
	Sigma  float64
}

// sample draws one delay; fixed is the resolved Fixed duration.
func (d *Delay) sample(rng *rand.Rand, fixed time.Duration) time.Duration {
	var out time.Duration
	switch d.Kind {
	case "fixed":
		out = fixed
	case "uniform":
		out = d.Min
		if d.Max > d.Min {
			out += time.Duration(rng.Int64N(int64(d.Max-d.Min) + 1))
		}
	case "lognormal":
		out = time.Duration(float64(d.Median) * math.Exp(d.Sigma*rng.NormFloat64()))
	}
	return min(max(out, 0), maxDuration)
}

// compiled is a step with its ${params} filled in, ready to apply.
type compiled struct {
	step       *Step
	fixed      time.Duration // a fixed delay
	retryAfter time.Duration
	err        *platform.ScenarioError
	actions    []ActionRef
	headers    map[string]string
}

// expand fills ${name} placeholders from params.
func expand(s string, params map[string]string) string {
	if !hasPlaceholder(s) {
		return s
	}
	return placeholderRE.ReplaceAllStringFunc(s, func(m string) string { return params[m[2:len(m)-1]] })
}

// compile fills in params and checks the values that depend on them.
func (st *Step) compile(params map[string]string) (*compiled, error) {
	c := &compiled{step: st}
	if st.Delay != nil && st.Delay.Kind == "fixed" {
		s := expand(st.Delay.Fixed, params)
		d, err := platform.ParseDuration(s)
		if err != nil || d < 0 || d > maxDuration {
			return nil, fmt.Errorf("delay %q must be a duration from 0 to %s", s, maxDuration)
		}
		c.fixed = d
	}
	if st.RetryAfter != "" {
		s := expand(st.RetryAfter, params)
		d, err := platform.ParseDuration(s)
		if err != nil || d < 0 {
			return nil, fmt.Errorf("retry_after %q must be a duration like 2s", s)
		}
		c.retryAfter = d
	}
	if e := st.Error; e != nil {
		c.err = &platform.ScenarioError{Status: e.Status, Code: expand(e.Code, params), Message: expand(e.Message, params), Field: expand(e.Field, params)}
	}
	for _, a := range st.Actions {
		ps := make(map[string]string, len(a.Params))
		for k, v := range a.Params {
			ps[k] = expand(v, params)
		}
		if a.Name == "advance-clock" {
			d, err := platform.ParseDuration(ps["by"])
			if err != nil || d <= 0 {
				return nil, fmt.Errorf("action advance-clock needs params: {by: a positive duration like 49h}")
			}
		}
		c.actions = append(c.actions, ActionRef{Name: a.Name, Params: ps, Line: a.Line})
	}
	if len(st.Headers) > 0 {
		c.headers = make(map[string]string, len(st.Headers))
		for k, v := range st.Headers {
			c.headers[http.CanonicalHeaderKey(k)] = expand(v, params)
		}
	}
	return c, nil
}

// mergeParams lays overrides over the scenario's defaults, refusing names
// the scenario does not have.
func mergeParams(sc *Scenario, overrides map[string]string) (map[string]string, error) {
	out := make(map[string]string, len(sc.Params))
	for k, v := range sc.Params {
		out[k] = v
	}
	for k, v := range overrides {
		if _, ok := sc.Params[k]; !ok {
			if len(sc.Params) == 0 {
				return nil, fmt.Errorf("scenario %s takes no params (got %q)", sc.Name, k)
			}
			return nil, fmt.Errorf("scenario %s has no param %q (params: %s)", sc.Name, k, strings.Join(slices.Sorted(maps.Keys(sc.Params)), ", "))
		}
		out[k] = v
	}
	return out, nil
}

// progress is where an armed scenario is in its sequence. A run is one pass
// through the steps; Times runs are made (0: until disarmed).
type progress struct {
	Times int `json:"times"`
	Runs  int `json:"runs"`
	Pos   int `json:"pos"`
}

// take returns the step this request gets and whether the arming is used up.
func (p *progress) take(nsteps int) (step int, done bool) {
	step = p.Pos
	p.Pos++
	if p.Pos >= nsteps {
		p.Pos = 0
		p.Runs++
	}
	return step, p.Times > 0 && p.Runs >= p.Times
}

// hit decides with rng whether a request with this probability is affected.
// A probability of 1 draws nothing, so arming without one stays exact.
func hit(rng *rand.Rand, probability float64) bool {
	if probability >= 1 {
		return true
	}
	return rng.Float64() < probability
}

// defaultSeed makes an arming reproducible without a seed: the same tenant
// and scenario draw the same sequence.
func defaultSeed(tenant, name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(tenant + "/" + name))
	return h.Sum64()
}

func newPCG(seed uint64) *rand.PCG { return rand.NewPCG(seed, seed^0x9e3779b97f4a7c15) }

// headerRef is one entry of the Sandbox-Scenario header.
type headerRef struct {
	name   string
	params map[string]string
	step   int // 1-based; 0 = the first
}

// parseHeader reads "name[; key=value]..." entries separated by commas (the
// header may also be repeated). Bad entries are reported, not fatal.
func parseHeader(values []string) (refs []headerRef, bad []string) {
	for _, v := range values {
		for _, entry := range strings.Split(v, ",") {
			entry = strings.TrimSpace(entry)
			if entry == "" {
				continue
			}
			parts := strings.Split(entry, ";")
			ref := headerRef{name: strings.TrimSpace(parts[0])}
			ok := ref.name != ""
			for _, kv := range parts[1:] {
				kv = strings.TrimSpace(kv)
				k, val, found := strings.Cut(kv, "=")
				k, val = strings.TrimSpace(k), strings.TrimSpace(val)
				if !found || k == "" {
					bad = append(bad, fmt.Sprintf("%s: %q is not key=value", ref.name, kv))
					ok = false
					break
				}
				if k == "step" {
					n, err := strconv.Atoi(val)
					if err != nil || n < 1 {
						bad = append(bad, fmt.Sprintf("%s: step=%s is not a step number (1, 2, ...)", ref.name, val))
						ok = false
						break
					}
					ref.step = n
					continue
				}
				if ref.params == nil {
					ref.params = map[string]string{}
				}
				ref.params[k] = val
			}
			if ok {
				refs = append(refs, ref)
			}
		}
	}
	return refs, bad
}
