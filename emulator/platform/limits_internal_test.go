package platform

import (
	"strings"
	"testing"
)

func TestTooDeep(t *testing.T) {
	cases := []struct {
		body string
		want bool
	}{
		{`{"a":[[1]]}`, false},
		{strings.Repeat("[", 64) + strings.Repeat("]", 64), false},
		{strings.Repeat("[", 65) + strings.Repeat("]", 65), true},
		{"  \n" + strings.Repeat("{\"a\":", 65), true},
		{`{"a":"` + strings.Repeat("[", 100) + `"}`, false},   // brackets in a string
		{`{"a":"\"` + strings.Repeat("[", 100) + `"}`, false}, // after an escaped quote
		{`{"a":"\\"` + strings.Repeat("[", 100) + `}`, true},  // an escaped backslash ends no string
		{"a=" + strings.Repeat("[", 100), false},              // a form body
		{"", false},
	}
	for _, c := range cases {
		if got := tooDeep([]byte(c.body), 64); got != c.want {
			t.Errorf("tooDeep(%.30q) = %v", c.body, got)
		}
	}
}
