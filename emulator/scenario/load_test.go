package scenario_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paysandbox/paysandbox/emulator"
	"github.com/paysandbox/paysandbox/emulator/scenario"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(strings.TrimLeft(content, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestBuiltinsLoad(t *testing.T) {
	set, err := scenario.Builtins(emulator.ScenarioCatalogue())
	if err != nil {
		t.Fatal(err)
	}
	if n := len(set.All()); n < 20 {
		t.Fatalf("%d built-ins", n)
	}
}

// TestInvalidFilesAreRefusedWithTheirLine: every problem names file, line
// and column.
func TestInvalidFilesAreRefusedWithTheirLine(t *testing.T) {
	const head = "name: s\nprovider: klarna\ndescription: d\n"
	cases := []struct {
		name, yaml, want string
	}{
		{"syntax", "name: s\n  provider: [\n", "f.yaml:2: not valid YAML"},
		{"not a mapping", "- a\n- b\n", "f.yaml:1:1: a scenario must be a mapping"},
		{"unknown top key", head + "stpes: []\n", `f.yaml:4:1: unknown key "stpes" in a scenario (did you mean "steps"?)`},
		{"no steps", head, `f.yaml:1:1: scenario "s" needs steps`},
		{"no name", "provider: any\ndescription: d\nsteps: [pass]\n", "f.yaml:1:1: a scenario needs a name"},
		{"no description", "name: s\nsteps: [pass]\n", `f.yaml:1:1: scenario "s" needs a description`},
		{"bad name", "name: Bad_Name\ndescription: d\nsteps: [pass]\n", `f.yaml:1:7: name "Bad_Name": use lower-case letters`},
		{"reserved name", "name: armed\ndescription: d\nsteps: [pass]\n", `f.yaml:1:7: name "armed" is reserved`},
		{"bad provider", "name: s\nprovider: stripe\ndescription: d\nsteps: [pass]\n", `f.yaml:2:11: provider "stripe": use one of klarna, multisafepay, commercelayer, any`},
		{"unknown step key", head + "steps:\n  - eror: {status: 500}\n", `f.yaml:5:5: unknown key "eror" in a step (did you mean "error"?)`},
		{"status out of range", head + "steps:\n  - error: {status: 200}\n", "f.yaml:5:21: error.status must be a whole number from 400 to 599"},
		{"status missing", head + "steps:\n  - error: {code: X}\n", "f.yaml:5:12: error needs a status"},
		{"error and fault", head + "steps:\n  - error: {status: 500}\n    fault: reset\n", "f.yaml:5:5: a step answers with an error or breaks HTTP with a fault, not both"},
		{"unknown fault", head + "steps:\n  - fault: explode\n", `f.yaml:5:12: fault "explode": use one of hang, reset, truncate`},
		{"unknown action", head + "steps:\n  - action: expire-order\n", `f.yaml:5:13: unknown action "expire-order" for provider klarna; known: advance-clock, expire-authorization, expire-session, fraud-review, reject`},
		{"provider action on any", "name: s\ndescription: d\nsteps:\n  - action: decline\n", `f.yaml:4:13: unknown action "decline" for provider any`},
		{"undeclared param", head + "steps:\n  - error: {status: 400, field: \"${feild}\"}\n", `f.yaml:5:33: ${feild} is not a param of scenario "s"`},
		{"bad delay", head + "steps:\n  - delay: soon\n", "f.yaml:5:12: delay must be a duration from 0 to 10m0s"},
		{"delay too long", head + "steps:\n  - delay: 11m\n", "f.yaml:5:12: delay must be a duration"},
		{"bad default param", head + "params: {d: soon}\nsteps:\n  - delay: ${d}\n", `f.yaml:6:5: delay "soon" must be a duration`},
		{"uniform backwards", head + "steps:\n  - delay: {uniform: [2s, 1s]}\n", "f.yaml:5:22: delay.uniform: max is below min"},
		{"mixed kinds", head + "steps:\n  - webhook: drop\n  - error: {status: 500}\n", `f.yaml:5:3: scenario "s" mixes webhook steps with request steps`},
		{"webhook with error", head + "steps:\n  - webhook: drop\n    error: {status: 500}\n", "f.yaml:5:5: a webhook step only disturbs webhooks"},
		{"bad method", head + "match: {method: FETCH}\nsteps: [pass]\n", `f.yaml:4:17: method "FETCH"`},
		{"bad path", head + "match: {path: payments}\nsteps: [pass]\n", `f.yaml:4:15: path "payments" must start with /`},
		{"bad regex", head + "match: {header: {X-A: {regex: \"(\"}}}\nsteps: [pass]\n", "f.yaml:4:31: header.X-A.regex: error parsing regexp"},
		{"bad operator", head + "match: {body: {amount: {gtt: 5}}}\nsteps: [pass]\n", `f.yaml:4:25: body.amount: unknown operator "gtt" (did you mean "gt"?)`},
		{"event on a request scenario", head + "match: {event: x}\nsteps: [pass]\n", "f.yaml:4:8: event only applies to webhook scenarios"},
		{"path on a webhook scenario", head + "match: {path: /x}\nsteps: [{webhook: drop}]\n", "f.yaml:4:8: a webhook scenario matches deliveries"},
		{"probability", head + "probability: 0\nsteps: [pass]\n", "f.yaml:4:14: probability must be above 0"},
		{"retry_after without error", head + "steps:\n  - retry_after: 1s\n", "f.yaml:5:5: retry_after goes with an error"},
		{"duplicate key", head + "name: t\nsteps: [pass]\n", `f.yaml:4:1: a scenario has "name" twice`},
		{"webhook delay without by", head + "steps: [{webhook: {type: delay}}]\n", "a webhook delay needs by:"},
		{"empty", "# nothing\n", "f.yaml: no scenario in this file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := scenario.ParseFile("f.yaml", []byte(c.yaml), emulator.ScenarioCatalogue())
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error:\n%v\nwant it to contain:\n%s", err, c.want)
			}
		})
	}
}

func TestAValidFileParses(t *testing.T) {
	scs, err := scenario.ParseFile("ok.yaml", []byte(`
name: one
provider: klarna
description: A first scenario.
params: {field: order_amount}
match:
  - method: [POST, patch]
    path: /payments/v1/sessions/{id}/**
    tenant: PK_*
    header: {klarna-idempotency-key: {present: true}}
    query: {expand: [a, b]}
    body: {purchase_country: SE, /order_lines/0/quantity: {gt: 1}, options: ~}
probability: 0.25
seed: 9
steps:
  - delay: {uniform: [10ms, 20ms]}
    error: {status: 400, code: BAD_VALUE, field: "${field}"}
    headers: {X-Why: "${field}"}
  - delay: {lognormal: {median: 100ms, sigma: 0.5}}
    action: {name: fraud-review, params: {decision: REJECTED}}
  - fault: {type: hang, max: 2s, after_handler: true}
  - pass
---
name: two
description: Webhooks.
match: {tenant: "*", event: FRAUD_RISK_*}
steps:
  - webhook: {type: drop, attempts: all}
  - webhook: {type: reorder, hold: 5m}
`), emulator.ScenarioCatalogue())
	if err != nil {
		t.Fatal(err)
	}
	if len(scs) != 2 || scs[0].Name != "one" || scs[1].Name != "two" || !scs[1].Webhook || scs[1].Line != 24 {
		t.Fatalf("parsed %+v %+v", *scs[0], *scs[1])
	}
	one := scs[0]
	if one.Probability != 0.25 || one.Seed != 9 || len(one.Steps) != 4 || one.Match[0].Methods[1] != "PATCH" || one.Steps[2].Fault.Max.Seconds() != 2 {
		t.Fatalf("one %+v", one)
	}
}

func TestLoadDirAndNameClashes(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.yaml"), "name: mine\ndescription: d\nsteps: [pass]\n")
	writeFile(t, filepath.Join(dir, "notes.txt"), "not a scenario")
	set, err := scenario.Load(dir, emulator.ScenarioCatalogue())
	if err != nil {
		t.Fatal(err)
	}
	if set.Get("mine") == nil || set.Get("slow") == nil {
		t.Fatal("user and built-in scenarios not both loaded")
	}
	writeFile(t, filepath.Join(dir, "b.yaml"), "# mine\nname: slow\ndescription: d\nsteps: [pass]\n")
	_, err = scenario.Load(dir, emulator.ScenarioCatalogue())
	if err == nil || !strings.Contains(err.Error(), `b.yaml:2: scenario name "slow" is already used at scenarios/faults.yaml:`) {
		t.Fatalf("clash: %v", err)
	}
	if _, err := scenario.Load(filepath.Join(dir, "missing"), emulator.ScenarioCatalogue()); err == nil || !strings.Contains(err.Error(), "scenarios directory") {
		t.Fatalf("missing dir: %v", err)
	}
}

func TestValidateFiles(t *testing.T) {
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "good.yaml"), filepath.Join(dir, "bad.yaml")
	writeFile(t, good, "name: g\ndescription: d\nsteps: [pass]\n---\nname: h\ndescription: d\nsteps: [pass]\n")
	writeFile(t, bad, "name: b\ndescription: d\nsteps:\n  - delay: 5 minutes\n")
	if n, err := scenario.ValidateFiles(emulator.ScenarioCatalogue(), good); err != nil || n != 2 {
		t.Fatalf("good: %d %v", n, err)
	}
	if _, err := scenario.ValidateFiles(emulator.ScenarioCatalogue(), good, bad); err == nil || !strings.Contains(err.Error(), bad+":4:12: delay must be a duration") {
		t.Fatalf("bad: %v", err)
	}
}
