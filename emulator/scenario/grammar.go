package scenario

import (
	"bytes"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/paysandbox/paysandbox/emulator/platform"
)

// The grammar of a scenario file: what each key means and what it may hold.
// Defaults come after (defaults.go), checks of the whole scenario last.

var (
	nameRE  = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	paramRE = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,31}$`)
)

func (p *parser) scenario(n *yaml.Node) *Scenario {
	n = resolve(n)
	p.refs = nil
	before := len(p.errs)
	sc := &Scenario{File: p.file, Line: n.Line}
	var src bytes.Buffer
	enc := yaml.NewEncoder(&src)
	enc.SetIndent(2)
	if enc.Encode(n) == nil {
		sc.Source = src.String()
	}
	var nodes scenarioNodes
	if !p.scenarioFields(n, sc, &nodes) {
		return nil
	}
	sc.applyDefaults() // defaults.go; the checks below see the whole scenario
	p.checkScenario(n, sc, nodes)
	if len(p.errs) > before {
		return nil
	}
	// Check what can only be checked with the defaults filled in.
	for i, st := range sc.Steps {
		if _, err := st.compile(sc.Params); err != nil {
			p.errf(nodes.steps.Content[i], "%v", err)
		}
	}
	if len(p.errs) > before {
		return nil
	}
	return sc
}

// scenarioNodes are the nodes of a scenario's keys that later checks point at.
type scenarioNodes struct{ name, steps, match *yaml.Node }

// scenarioFields reads a scenario's keys into sc.
func (p *parser) scenarioFields(n *yaml.Node, sc *Scenario, nodes *scenarioNodes) bool {
	return p.fields(n, "a scenario", map[string]func(k, v *yaml.Node){
		"name": func(_, v *yaml.Node) {
			nodes.name = v
			if s, ok := p.str(v, "name"); ok {
				if !nameRE.MatchString(s) {
					p.errf(v, "name %q: use lower-case letters, digits and dashes (at most 63)", s)
				}
				if s == "armed" || s == "coverage" {
					p.errf(v, "name %q is reserved (an admin API path)", s)
				}
				sc.Name = s
			}
		},
		"provider": func(_, v *yaml.Node) {
			if s, ok := p.str(v, "provider"); ok {
				if providers := p.cat.providers(); !slices.Contains(providers, s) {
					p.errf(v, "provider %q: use one of %s", s, strings.Join(providers, ", "))
				}
				sc.Provider = s
			}
		},
		"description": func(_, v *yaml.Node) {
			if s, ok := p.str(v, "description"); ok {
				sc.Description = strings.TrimSpace(s)
			}
		},
		"params": func(_, v *yaml.Node) {
			sc.Params = p.strMap(v, "params")
			for i := 0; v.Kind == yaml.MappingNode && i < len(v.Content); i += 2 {
				k := v.Content[i]
				if !paramRE.MatchString(k.Value) || k.Value == "step" {
					p.errf(k, "param name %q: use lower-case letters, digits and _ (\"step\" is reserved)", k.Value)
				}
			}
		},
		"match":       func(_, v *yaml.Node) { nodes.match = v; sc.Match = p.matches(v) },
		"probability": func(_, v *yaml.Node) { sc.Probability = p.probability(v) },
		"seed": func(_, v *yaml.Node) {
			if s, ok := p.integer(v, "seed", 0, math.MaxInt); ok {
				sc.Seed = uint64(s)
			}
		},
		"steps": func(_, v *yaml.Node) { nodes.steps = v; sc.Steps = p.steps(v, sc) },
	})
}

// checkScenario checks what needs the whole scenario: the keys it must
// have, its kind (request or webhook), and that every ${param} is declared.
func (p *parser) checkScenario(n *yaml.Node, sc *Scenario, nodes scenarioNodes) {
	if nodes.name == nil {
		p.errf(n, "a scenario needs a name")
	}
	if sc.Description == "" {
		p.errf(n, "scenario %q needs a description (it is what `paysandbox scenarios list` and the docs show)", sc.Name)
	}
	if nodes.steps == nil {
		p.errf(n, "scenario %q needs steps (at least one)", sc.Name)
	}
	p.checkKinds(sc, nodes.steps, nodes.match)
	for _, r := range p.refs {
		if _, ok := sc.Params[r.name]; !ok {
			p.errf(r.node, "${%s} is not a param of scenario %q (add it under params: with a default)", r.name, sc.Name)
		}
	}
}

func (p *parser) probability(v *yaml.Node) float64 {
	f, ok := p.number(v, "probability")
	if ok && (f <= 0 || f > 1) {
		p.errf(v, "probability must be above 0 and at most 1")
	}
	return f
}

// checkKinds: a scenario disturbs either requests or webhooks.
func (p *parser) checkKinds(sc *Scenario, stepsNode, matchNode *yaml.Node) {
	webhook, request := false, false
	for _, st := range sc.Steps {
		switch {
		case st.Webhook != nil:
			webhook = true
		case st.Delay != nil || st.Error != nil || st.Fault != nil || len(st.Actions) > 0 || len(st.Headers) > 0:
			request = true
		}
	}
	if webhook && request {
		p.errf(stepsNode, "scenario %q mixes webhook steps with request steps; make them two scenarios", sc.Name)
	}
	sc.Webhook = webhook
	for _, m := range sc.Match {
		if webhook && (len(m.Methods) > 0 || len(m.Paths) > 0 || len(m.Header) > 0 || len(m.Query) > 0 || len(m.Body) > 0) {
			p.errf(matchNode, "a webhook scenario matches deliveries: only tenant and event apply")
		}
		if !webhook && m.Event != "" {
			p.errf(matchNode, "event only applies to webhook scenarios")
		}
	}
	for _, st := range sc.Steps {
		for _, a := range st.Actions {
			if _, ok := p.cat.find(sc.Provider, a.Name); !ok {
				p.errf(&yaml.Node{Line: a.Line, Column: a.Col}, "unknown action %q for provider %s; known: %s", a.Name, sc.Provider, strings.Join(p.cat.names(sc.Provider), ", "))
			}
		}
	}
}

var httpMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

func (p *parser) matches(n *yaml.Node) []Match {
	if n.Kind == yaml.SequenceNode {
		out := each(n, p.match)
		if len(out) == 0 {
			p.errf(n, "match is an empty list")
		}
		return out
	}
	return []Match{p.match(n)}
}

func (p *parser) match(n *yaml.Node) Match {
	var m Match
	p.fields(n, "match", map[string]func(k, v *yaml.Node){
		"method": func(_, v *yaml.Node) {
			for _, s := range p.strList(v, "method") {
				s = strings.ToUpper(s)
				if !slices.Contains(httpMethods, s) {
					p.errf(v, "method %q: use one of %s", s, strings.Join(httpMethods, ", "))
				}
				m.Methods = append(m.Methods, s)
			}
		},
		"path": func(_, v *yaml.Node) {
			for _, s := range p.strList(v, "path") {
				pp, err := compilePath(s)
				if err != nil {
					p.errf(v, "%v", err)
					continue
				}
				m.Paths = append(m.Paths, pp)
			}
		},
		"tenant": func(_, v *yaml.Node) {
			if s, ok := p.str(v, "tenant"); ok {
				m.Tenant = s
			}
		},
		"event": func(_, v *yaml.Node) {
			if s, ok := p.str(v, "event"); ok {
				m.Event = s
			}
		},
		"header": func(_, v *yaml.Node) { m.Header = p.conds(v, "header", true) },
		"query":  func(_, v *yaml.Node) { m.Query = p.conds(v, "query", false) },
		"body": func(_, v *yaml.Node) {
			if v.Kind != yaml.MappingNode {
				p.errf(v, "body must be a mapping of field paths (purchase_country, order_lines.0.quantity or /order_lines/0/quantity) to conditions")
				return
			}
			for i := 0; i+1 < len(v.Content); i += 2 {
				k, cv := v.Content[i], resolve(v.Content[i+1])
				path, err := bodyPath(k.Value)
				if err != nil {
					p.errf(k, "%v", err)
					continue
				}
				if c, ok := p.cond(cv, "body."+k.Value); ok {
					m.Body = append(m.Body, BodyCond{Path: path, Raw: k.Value, Cond: c})
				}
			}
		},
	})
	return m
}

func (p *parser) conds(n *yaml.Node, what string, header bool) map[string]Cond {
	if n.Kind != yaml.MappingNode {
		p.errf(n, "%s must be a mapping of names to conditions", what)
		return nil
	}
	out := map[string]Cond{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		name := k.Value
		if header {
			name = http.CanonicalHeaderKey(name)
		}
		if c, ok := p.cond(v, what+"."+k.Value); ok {
			out[name] = c
		}
	}
	return out
}

var condOps = []string{"equals", "glob", "regex", "in", "present", "absent", "gt", "gte", "lt", "lte", "not"}

// cond reads a condition: a value (equal; a glob when it has * or ?), a list
// (one of), null (absent), or a mapping with one operator.
func (p *parser) cond(n *yaml.Node, what string) (Cond, bool) {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return Cond{Op: "absent"}, true
		}
		if strings.ContainsAny(n.Value, "*?") {
			return Cond{Op: "glob", S: n.Value}, true
		}
		return Cond{Op: "equals", S: n.Value}, true
	case yaml.SequenceNode:
		return Cond{Op: "in", List: p.strList(n, what)}, true
	case yaml.MappingNode:
	default:
		p.errf(n, "%s: a condition is a value, a list or a mapping like {regex: \"^a\"}", what)
		return Cond{}, false
	}
	if len(n.Content) != 2 {
		p.errf(n, "%s: a condition mapping has exactly one operator (%s)", what, strings.Join(condOps, ", "))
		return Cond{}, false
	}
	k, v := n.Content[0], resolve(n.Content[1])
	c := Cond{Op: k.Value}
	switch k.Value {
	case "equals", "glob":
		s, ok := p.str(v, what+"."+k.Value)
		c.S = s
		return c, ok
	case "regex":
		s, ok := p.str(v, what+".regex")
		if !ok {
			return c, false
		}
		re, err := regexp.Compile(s)
		if err != nil {
			p.errf(v, "%s.regex: %v", what, err)
			return c, false
		}
		c.Re = re
		return c, true
	case "in":
		c.List = p.strList(v, what+".in")
		return c, len(c.List) > 0
	case "present", "absent":
		b, ok := p.boolean(v, what+"."+k.Value)
		if ok && !b {
			c.Op = map[string]string{"present": "absent", "absent": "present"}[k.Value]
		}
		return c, ok
	case "gt", "gte", "lt", "lte":
		f, ok := p.number(v, what+"."+k.Value)
		c.N = f
		return c, ok
	case "not":
		inner, ok := p.cond(v, what+".not")
		c.Not = &inner
		return c, ok
	}
	msg := fmt.Sprintf("%s: unknown operator %q; use one of %s", what, k.Value, strings.Join(condOps, ", "))
	if s := closest(k.Value, condOps); s != "" {
		msg = fmt.Sprintf("%s: unknown operator %q (did you mean %q?)", what, k.Value, s)
	}
	p.errf(k, "%s", msg)
	return c, false
}

func (p *parser) steps(n *yaml.Node, sc *Scenario) []Step {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		p.errf(n, "steps must be a list with at least one step")
		return nil
	}
	return each(n, p.step)
}

func (p *parser) step(n *yaml.Node) Step {
	st := Step{Line: n.Line}
	if n.Kind == yaml.ScalarNode && n.Value == "pass" {
		return st // explicit no-op: the request goes through untouched
	}
	p.fields(n, "a step", map[string]func(k, v *yaml.Node){
		"pass": func(_, v *yaml.Node) {
			if b, ok := p.boolean(v, "pass"); ok && !b {
				p.errf(v, "pass: false means nothing; leave it out")
			}
		},
		"delay":   func(_, v *yaml.Node) { st.Delay = p.delay(v) },
		"action":  func(_, v *yaml.Node) { st.Actions = append(st.Actions, p.action(v)) },
		"actions": func(_, v *yaml.Node) { st.Actions = append(st.Actions, p.actionList(v)...) },
		"error":   func(_, v *yaml.Node) { st.Error = p.errorSpec(v) },
		"fault":   func(_, v *yaml.Node) { st.Fault = p.fault(v) },
		"headers": func(_, v *yaml.Node) { st.Headers = p.strMap(v, "headers") },
		"retry_after": func(_, v *yaml.Node) {
			s, ok := p.str(v, "retry_after")
			if ok && !hasPlaceholder(s) {
				if d, err := platform.ParseDuration(s); err != nil || d < 0 {
					p.errf(v, "retry_after must be a duration like 2s or 1m")
				}
			}
			st.RetryAfter = s
		},
		"webhook": func(_, v *yaml.Node) { st.Webhook = p.webhook(v) },
	})
	if st.Error != nil && st.Fault != nil {
		p.errf(n, "a step answers with an error or breaks HTTP with a fault, not both")
	}
	if st.Webhook != nil && (st.Delay != nil || st.Error != nil || st.Fault != nil || len(st.Actions) > 0 || len(st.Headers) > 0 || st.RetryAfter != "") {
		p.errf(n, "a webhook step only disturbs webhooks: put delay, actions, error, fault and headers in a request scenario")
	}
	if st.RetryAfter != "" && st.Error == nil {
		p.errf(n, "retry_after goes with an error (429 or 503)")
	}
	return st
}

func (p *parser) delay(n *yaml.Node) *Delay {
	if n.Kind == yaml.ScalarNode {
		s, ok := p.str(n, "delay")
		if !ok {
			return nil
		}
		if !hasPlaceholder(s) {
			if _, ok := p.duration(n, "delay", maxDuration); !ok {
				return nil
			}
		}
		return &Delay{Kind: "fixed", Fixed: s}
	}
	d := &Delay{}
	p.fields(n, "delay", map[string]func(k, v *yaml.Node){
		"fixed": func(_, v *yaml.Node) {
			if s, ok := p.str(v, "delay.fixed"); ok {
				d.Kind, d.Fixed = "fixed", s
				if !hasPlaceholder(s) {
					p.duration(v, "delay.fixed", maxDuration)
				}
			}
		},
		"uniform": func(_, v *yaml.Node) {
			d.Kind = "uniform"
			if v.Kind != yaml.SequenceNode || len(v.Content) != 2 {
				p.errf(v, "delay.uniform is [min, max], like [100ms, 2s]")
				return
			}
			d.Min, _ = p.duration(resolve(v.Content[0]), "delay.uniform min", maxDuration)
			d.Max, _ = p.duration(resolve(v.Content[1]), "delay.uniform max", maxDuration)
			if d.Max < d.Min {
				p.errf(v, "delay.uniform: max is below min")
			}
		},
		"lognormal": func(_, v *yaml.Node) {
			d.Kind = "lognormal"
			p.fields(v, "delay.lognormal", map[string]func(k, v *yaml.Node){
				"median": func(_, v *yaml.Node) { d.Median, _ = p.duration(v, "delay.lognormal.median", maxDuration) },
				"sigma": func(_, v *yaml.Node) {
					f, ok := p.number(v, "delay.lognormal.sigma")
					if ok && (f < 0 || f > 5) {
						p.errf(v, "delay.lognormal.sigma must be from 0 to 5")
					}
					d.Sigma = f
				},
			})
			if d.Median == 0 {
				p.errf(v, "delay.lognormal needs a median")
			}
		},
	})
	if d.Kind == "" {
		p.errf(n, "delay is a duration (250ms) or one of {fixed: d}, {uniform: [min, max]}, {lognormal: {median: d, sigma: s}}")
		return nil
	}
	if len(n.Content) > 2 {
		p.errf(n, "delay has one kind: fixed, uniform or lognormal")
	}
	return d
}

func (p *parser) actionList(n *yaml.Node) []ActionRef {
	if n.Kind != yaml.SequenceNode {
		p.errf(n, "actions must be a list")
		return nil
	}
	return each(n, p.action)
}

func (p *parser) action(n *yaml.Node) ActionRef {
	a := ActionRef{Line: n.Line, Col: n.Column}
	if n.Kind == yaml.ScalarNode {
		a.Name, _ = p.str(n, "action")
		return a
	}
	p.fields(n, "an action", map[string]func(k, v *yaml.Node){
		"name":   func(_, v *yaml.Node) { a.Name, _ = p.str(v, "action name") },
		"params": func(_, v *yaml.Node) { a.Params = p.strMap(v, "action params") },
	})
	if a.Name == "" {
		p.errf(n, "an action needs a name")
	}
	return a
}

func (p *parser) errorSpec(n *yaml.Node) *ErrorSpec {
	e := &ErrorSpec{}
	hasStatus := false
	ok := p.fields(n, "error", map[string]func(k, v *yaml.Node){
		"status": func(_, v *yaml.Node) {
			e.Status, hasStatus = p.integer(v, "error.status", 400, 599)
		},
		"code":    func(_, v *yaml.Node) { e.Code, _ = p.str(v, "error.code") },
		"message": func(_, v *yaml.Node) { e.Message, _ = p.str(v, "error.message") },
		"field":   func(_, v *yaml.Node) { e.Field, _ = p.str(v, "error.field") },
	})
	if ok && !hasStatus {
		p.errf(n, "error needs a status (400 to 599)")
	}
	return e
}

var faultKinds = []string{FaultHang, FaultReset, FaultTruncate}

func (p *parser) fault(n *yaml.Node) *Fault {
	f := &Fault{}
	if n.Kind == yaml.ScalarNode {
		f.Kind, _ = p.str(n, "fault")
	} else {
		p.fields(n, "fault", map[string]func(k, v *yaml.Node){
			"type": func(_, v *yaml.Node) { f.Kind, _ = p.str(v, "fault.type") },
			"max":  func(_, v *yaml.Node) { f.Max, _ = p.duration(v, "fault.max", time.Hour) },
			"after_handler": func(_, v *yaml.Node) {
				f.AfterHandler, _ = p.boolean(v, "fault.after_handler")
			},
			"keep": func(_, v *yaml.Node) {
				k, ok := p.number(v, "fault.keep")
				if ok && (k < 0 || k >= 1) {
					p.errf(v, "fault.keep is the share of the body sent, from 0 to below 1")
				}
				f.Keep = k
			},
		})
	}
	if !slices.Contains(faultKinds, f.Kind) {
		p.errf(n, "fault %q: use one of %s", f.Kind, strings.Join(faultKinds, ", "))
	}
	return f
}

var chaosKinds = []string{ChaosDrop, ChaosDuplicate, ChaosDelay, ChaosReorder}

func (p *parser) webhook(n *yaml.Node) *WebhookChaos {
	c := &WebhookChaos{}
	if n.Kind == yaml.ScalarNode {
		c.Kind, _ = p.str(n, "webhook")
	} else {
		p.fields(n, "webhook", map[string]func(k, v *yaml.Node){
			"type": func(_, v *yaml.Node) { c.Kind, _ = p.str(v, "webhook.type") },
			"attempts": func(_, v *yaml.Node) {
				c.attemptsSet = true
				if v.Kind == yaml.ScalarNode && v.Value == "all" {
					c.Attempts = 0
					return
				}
				c.Attempts, _ = p.integer(v, "webhook.attempts (or all)", 1, 100)
			},
			"by":   func(_, v *yaml.Node) { c.By, _ = p.duration(v, "webhook.by", 30*24*time.Hour) },
			"hold": func(_, v *yaml.Node) { c.Hold, _ = p.duration(v, "webhook.hold", 30*24*time.Hour) },
		})
	}
	if !slices.Contains(chaosKinds, c.Kind) {
		p.errf(n, "webhook %q: use one of %s", c.Kind, strings.Join(chaosKinds, ", "))
	}
	if c.Kind == ChaosDelay && c.By == 0 {
		p.errf(n, "a webhook delay needs by: (a duration, virtual time)")
	}
	return c
}
