package main

import (
	"os"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The composite action runs scripts/action-steps.sh (which .ci/run runs
// too); its outputs are the ones the script writes, and the workflow uses it.
func TestActionRunsTheScriptCIRuns(t *testing.T) {
	var action struct {
		Outputs map[string]struct {
			Value string `yaml:"value"`
		} `yaml:"outputs"`
		Runs struct {
			Using string `yaml:"using"`
			Steps []struct {
				ID  string `yaml:"id"`
				Run string `yaml:"run"`
			} `yaml:"steps"`
		} `yaml:"runs"`
	}
	raw, err := os.ReadFile("../../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, &action); err != nil {
		t.Fatal(err)
	}
	if action.Runs.Using != "composite" {
		t.Fatalf("runs.using %q", action.Runs.Using)
	}
	var verbs []string
	for _, s := range action.Runs.Steps {
		if s.Run == "" {
			continue
		}
		v, ok := strings.CutPrefix(strings.TrimSpace(s.Run), "${{ github.action_path }}/scripts/action-steps.sh ")
		if !ok {
			t.Errorf("a step runs something else than scripts/action-steps.sh: %q", s.Run)
		}
		verbs = append(verbs, v)
	}
	if strings.Join(verbs, " ") != "build start wait export" {
		t.Errorf("steps %v, want build start wait export (what `action-steps.sh all` runs)", verbs)
	}
	script, err := os.ReadFile("../../scripts/action-steps.sh")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(script), "all) build; start; wait_ready; export_urls ;;") {
		t.Error("action-steps.sh all no longer runs the action's steps")
	}
	for _, name := range []string{"url", "klarna-url", "multisafepay-url", "commercelayer-url"} {
		if action.Outputs[name].Value != "${{ steps.export.outputs."+name+" }}" {
			t.Errorf("output %s = %q", name, action.Outputs[name].Value)
		}
	}
	ci, err := os.ReadFile("../../.ci/run")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ci), "scripts/action-steps.sh all") {
		t.Error(".ci/run does not run the action's steps")
	}
	wf, err := os.ReadFile("../../.github/workflows/contract-tests.yml")
	if err != nil {
		t.Fatal(err)
	}
	var flow map[string]any
	if err := yaml.Unmarshal(wf, &flow); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(wf), "uses: ./ ") {
		t.Error("the workflow does not use the composite action")
	}
}
