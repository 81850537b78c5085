package jsonapi

import (
	"sort"
	"strconv"
	"strings"
	"time"
)

// Predicates are the Ransack predicates filter[q] understands, as
// filter[q][<field>{_or_<field>}_<predicate>]=<value>.
var Predicates = []string{
	"eq", "not_eq", "eq_any", "matches", "does_not_match", "lt", "lteq", "gt", "gteq",
	"present", "blank", "null", "not_null", "in", "not_in",
	"start", "not_start", "end", "not_end", "cont", "not_cont", "cont_any", "cont_all", "not_cont_any",
	"true", "false",
}

// multiValue predicates take a comma-separated list.
var multiValue = map[string]bool{"in": true, "not_in": true, "eq_any": true, "cont_any": true, "cont_all": true, "not_cont_any": true}

// predicatesBySuffix tries longer predicates first, so "not_eq" wins over "eq".
var predicatesBySuffix = func() []string {
	ps := append([]string(nil), Predicates...)
	sort.SliceStable(ps, func(i, j int) bool { return len(ps[i]) > len(ps[j]) })
	return ps
}()

// Condition is one parsed filter[q] entry.
type Condition struct {
	Key       string   // as sent, e.g. "name_or_code_cont"
	Fields    []string // ["name", "code"]
	All       bool     // fields joined by _and_ (default _or_)
	Predicate string
	Values    []string
}

// ParseCondition parses a filter[q] key and its value against the
// filterable names of a resource. Field names may hold underscores, so the
// predicate is found as the longest known suffix and the rest is split on
// _or_ / _and_; every part must be filterable.
func ParseCondition(key, value string, filterable []string) (Condition, error) {
	return ParseConditionFunc(key, value, func(f string) bool { return contains(filterable, f) })
}

// ParseConditionFunc is ParseCondition with a test for filterable names.
func ParseConditionFunc(key, value string, filterable func(string) bool) (Condition, error) {
	c := Condition{Key: key}
	for _, p := range predicatesBySuffix {
		if strings.HasSuffix(key, "_"+p) && len(key) > len(p)+1 {
			c.Predicate = p
			break
		}
	}
	if c.Predicate == "" {
		return c, invalidFiltersSyntax(key)
	}
	rest := strings.TrimSuffix(key, "_"+c.Predicate)
	sep := "_or_"
	if strings.Contains(rest, "_and_") && !strings.Contains(rest, "_or_") {
		sep, c.All = "_and_", true
	}
	for _, f := range strings.Split(rest, sep) {
		if !filterable(f) {
			// A filterable name that itself contains the separator.
			if filterable(rest) {
				c.Fields = []string{rest}
				c.All = false
				break
			}
			return c, filterNotAllowed(key)
		}
		c.Fields = append(c.Fields, f)
	}
	if multiValue[c.Predicate] {
		for _, v := range strings.Split(value, ",") {
			c.Values = append(c.Values, strings.TrimSpace(v))
		}
	} else {
		c.Values = []string{value}
	}
	return c, nil
}

// Match tells whether an object passes the condition; values returns the
// object's values of a field (several through a to-many relationship, none
// when null).
func (c Condition) Match(values func(field string) []any) bool {
	for _, f := range c.Fields {
		ok := matchValues(c.Predicate, c.Values, values(f))
		if ok != c.All {
			return ok // the first hit of an _or_, the first miss of an _and_
		}
	}
	return c.All
}

// matchValues applies a predicate to a field's values. Like SQL, a null
// field matches no comparison, positive or negative.
func matchValues(pred string, want []string, got []any) bool {
	switch pred {
	case "present", "blank", "null", "not_null", "true", "false":
		flag := truthy(want[0])
		var v any
		if len(got) > 0 {
			v = got[0]
		}
		var res bool
		switch pred {
		case "present":
			res = !isBlank(v)
		case "blank":
			res = isBlank(v)
		case "null":
			res = v == nil
		case "not_null":
			res = v != nil
		case "true":
			b, ok := v.(bool)
			res = ok && b
		case "false":
			b, ok := v.(bool)
			res = ok && !b
		}
		return res == flag
	}
	if len(got) == 0 {
		return false
	}
	negative := strings.HasPrefix(pred, "not_") || pred == "does_not_match"
	hit, nonNull := false, false
	for _, g := range got {
		if g == nil {
			continue
		}
		nonNull = true
		if matchOne(pred, want, g) {
			hit = true
			break
		}
	}
	if negative {
		// matchOne answers the positive form; the negative one holds when no
		// non-null value matches it.
		return nonNull && !hit
	}
	return hit
}

// matchOne answers the positive form of pred for one non-null value.
func matchOne(pred string, want []string, v any) bool {
	s := toString(v)
	ls := strings.ToLower(s)
	switch pred {
	case "eq", "not_eq":
		return equal(v, want[0])
	case "in", "not_in", "eq_any":
		for _, w := range want {
			if equal(v, w) {
				return true
			}
		}
		return false
	case "matches", "does_not_match":
		return like(ls, strings.ToLower(want[0]))
	case "lt", "lteq", "gt", "gteq":
		c, ok := compareTo(v, want[0])
		if !ok {
			return false
		}
		switch pred {
		case "lt":
			return c < 0
		case "lteq":
			return c <= 0
		case "gt":
			return c > 0
		default:
			return c >= 0
		}
	case "start", "not_start":
		return strings.HasPrefix(ls, strings.ToLower(want[0]))
	case "end", "not_end":
		return strings.HasSuffix(ls, strings.ToLower(want[0]))
	case "cont", "not_cont":
		return strings.Contains(ls, strings.ToLower(want[0]))
	case "cont_any", "not_cont_any":
		for _, w := range want {
			if strings.Contains(ls, strings.ToLower(w)) {
				return true
			}
		}
		return false
	case "cont_all":
		for _, w := range want {
			if !strings.Contains(ls, strings.ToLower(w)) {
				return false
			}
		}
		return true
	}
	return false
}

func truthy(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "false", "0", "f", "no", "n", "off":
		return false
	}
	return true
}

func isBlank(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(x) == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case nil:
		return ""
	}
	return ""
}

// equal compares a stored value with a filter value, in the stored value's type.
func equal(v any, w string) bool {
	switch x := v.(type) {
	case bool:
		return x == truthy(w)
	case string:
		if t, ok := parseTime(x); ok {
			if u, ok := parseTime(w); ok {
				return t.Equal(u)
			}
		}
		return x == w
	}
	if f, ok := toFloat(v); ok {
		g, err := strconv.ParseFloat(strings.TrimSpace(w), 64)
		return err == nil && f == g
	}
	return false
}

// compareTo orders a stored value against a filter value: numbers as
// numbers, times as times, other strings as strings.
func compareTo(v any, w string) (int, bool) {
	if f, ok := toFloat(v); ok {
		g, err := strconv.ParseFloat(strings.TrimSpace(w), 64)
		if err != nil {
			return 0, false
		}
		return cmpFloat(f, g), true
	}
	s, ok := v.(string)
	if !ok {
		return 0, false
	}
	if t, ok := parseTime(s); ok {
		if u, ok := parseTime(w); ok {
			return t.Compare(u), true
		}
		return 0, false
	}
	return strings.Compare(s, w), true
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	}
	return 0, false
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// parseTime reads RFC 3339 times and plain dates (2024-01-31).
func parseTime(s string) (time.Time, bool) {
	if len(s) < 10 || s[4] != '-' {
		return time.Time{}, false
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// like is SQL LIKE: % any run, _ one character; the caller lower-cases both
// sides (Ransack's matches is ILIKE on PostgreSQL).
func like(s, pattern string) bool {
	if !strings.ContainsAny(pattern, "%_") {
		return s == pattern
	}
	// Dynamic programming over runes.
	sr := []rune(s)
	dp := make([]bool, len(sr)+1)
	dp[0] = true
	for _, p := range pattern {
		next := make([]bool, len(sr)+1)
		switch p {
		case '%':
			seen := false
			for i := 0; i <= len(sr); i++ {
				seen = seen || dp[i]
				next[i] = seen
			}
		default:
			for i := 1; i <= len(sr); i++ {
				next[i] = dp[i-1] && (p == '_' || sr[i-1] == p)
			}
		}
		dp = next
	}
	return dp[len(sr)]
}
