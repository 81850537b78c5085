package platform_test

import (
	"errors"
	"fmt"
	"strconv"
	"testing"

	"github.com/paysandbox/paysandbox/emulator/platform"
)

func TestAsScenarioErrorFillsWhatTheFileLeftOut(t *testing.T) {
	code := func(status int, field string) string { return "C" + strconv.Itoa(status) + field }
	text := func(status int, field string) string { return "T" + strconv.Itoa(status) + field }
	wrapped := fmt.Errorf("step: %w", &platform.ScenarioError{Status: 400, Field: "f"})
	for _, c := range []struct {
		name       string
		err        error
		code, text func(int, string) string
		want       platform.ScenarioError
	}{
		{"blanks filled", wrapped, code, text, platform.ScenarioError{Status: 400, Code: "C400f", Message: "T400f", Field: "f"}},
		{"the file's own kept", &platform.ScenarioError{Status: 409, Code: "OWN", Message: "own"}, code, text, platform.ScenarioError{Status: 409, Code: "OWN", Message: "own"}},
		{"no code func, no text func", &platform.ScenarioError{Status: 503}, nil, nil, platform.ScenarioError{Status: 503, Message: "Service Unavailable"}},
	} {
		got, ok := platform.AsScenarioError(c.err, c.code, c.text)
		if !ok || got != c.want {
			t.Errorf("%s: %+v %v, want %+v", c.name, got, ok, c.want)
		}
	}
	if _, ok := platform.AsScenarioError(errors.New("plain"), code, text); ok {
		t.Error("a plain error read as a scenario's")
	}
	se := &platform.ScenarioError{Status: 400}
	platform.AsScenarioError(se, code, text)
	if se.Code != "" || se.Message != "" {
		t.Errorf("the scenario's own error was changed: %+v", se)
	}
}
