package ids

import (
	"regexp"
	"sort"
	"testing"
)

var v4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestPermIsABijection(t *testing.T) {
	p := NewPerm("klarna/t/sessions")
	seen := map[uint64]bool{}
	for _, n := range []uint64{0, 1, 2, 3, 1 << 30, 1<<30 - 1, MaxOrdered, MaxOrdered - 1, 123456789} {
		f := p.Forward(n)
		if f > MaxOrdered {
			t.Fatalf("Forward(%d) = %d, past MaxOrdered", n, f)
		}
		if seen[f] {
			t.Fatalf("Forward(%d) = %d twice", n, f)
		}
		seen[f] = true
		if b := p.Back(f); b != n {
			t.Fatalf("Back(Forward(%d)) = %d", n, b)
		}
	}
	for n := uint64(0); n < 100000; n++ {
		if p.Back(p.Forward(n)) != n {
			t.Fatalf("round trip of %d", n)
		}
	}
}

func TestPermDependsOnTheNameOnly(t *testing.T) {
	a, c := NewPerm("x"), NewPerm("y")
	if a.Forward(1) == c.Forward(1) {
		t.Fatal("permutations of different names agree")
	}
	if NewPerm("x").Forward(42) != a.Forward(42) {
		t.Fatal("the same name gives another permutation")
	}
	if NewPerm("a", "b").Forward(42) != NewPerm("a/b").Forward(42) || NewPerm("a", "b").Forward(42) == NewPerm("ab").Forward(42) {
		t.Fatal("a name's parts are not joined by a slash")
	}
}

func TestOrderedUUIDRoundTrips(t *testing.T) {
	src := New(3)
	p := NewPerm("klarna/tenant/sessions")
	var got []string
	for seq := uint64(1); seq <= 2000; seq++ {
		rest := src.Shared().Uint64()
		id := OrderedUUID(p, seq, rest)
		if !v4.MatchString(id) {
			t.Fatalf("%q is not a version 4 UUID", id)
		}
		s, r, ok := ParseOrderedUUID(p, id)
		if !ok || s != seq || r&(1<<62-1) != rest&(1<<62-1) {
			t.Fatalf("ParseOrderedUUID(%q) = %d, %x, %v; want %d, %x", id, s, r, ok, seq, rest)
		}
		if again := OrderedUUID(p, s, r); again != id {
			t.Fatalf("re-encoding gives %q, not %q", again, id)
		}
		got = append(got, id)
	}
	// The order is hidden: consecutive ids are not sorted.
	if sort.StringsAreSorted(got[:20]) {
		t.Fatalf("the first ids are in order: %v", got[:20])
	}
	// The same sequence with other bits (a tenant's first record after a
	// reset, or in another instance) shares no prefix.
	a, b := OrderedUUID(p, 1, 0x1234), OrderedUUID(p, 1, 0x5678)
	if a[:8] == b[:8] {
		t.Fatalf("the first records %s and %s share their first digits", a, b)
	}
}

func TestParseOrderedUUIDRefusesOtherShapes(t *testing.T) {
	p := NewPerm("x")
	good := OrderedUUID(p, 9, 0)
	for _, id := range []string{
		"", "not-a-uuid", good[:35], good + "0", "{" + good + "}",
		"068DF369-13A7-4D47-A564-62F8408BB760", // capitals
		"068df369-13a7-1d47-a564-62f8408bb760", // version 1
		"068df369-13a7-4d47-c564-62f8408bb760", // another variant
		"068df36913a7-4d47-a564-62f8408bb7600", // dashes moved
		"068df369-13a7-4d47-a564-62f8408bb76g", // not hex
	} {
		if _, _, ok := ParseOrderedUUID(p, id); ok {
			t.Errorf("ParseOrderedUUID(%q) accepted it", id)
		}
	}
	if _, _, ok := ParseOrderedUUID(p, "068df369-13a7-4d47-a564-62f8408bb760"); !ok {
		t.Error("a lowercase version 4 UUID (Klarna's own example) is refused")
	}
}
