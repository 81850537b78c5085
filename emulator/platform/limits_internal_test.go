package platform

import (
	"strings"
	"testing"
)

func TestShapeLimit(t *testing.T) {
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
		{"[" + strings.Repeat("0,", 999) + "0]", false}, // 1,000 values
		{"[" + strings.Repeat("0,", 1000) + "0]", true},
		{`["` + strings.Repeat(",", 5000) + `"]`, false}, // commas in a string
	}
	for _, c := range cases {
		if got := shapeLimit([]byte(c.body), 64, 1000) != ""; got != c.want {
			t.Errorf("shapeLimit(%.30q) = %v", c.body, got)
		}
	}
}
