package ids

import (
	"fmt"
	"regexp"
	"testing"
)

// UUID is a version-4 UUID in the 8-4-4-4-12 form, the same text as
// formatting its bytes with %x.
func TestUUIDForm(t *testing.T) {
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	a, b := New(7), New(7)
	for range 200 {
		u := a.UUID()
		if !re.MatchString(u) {
			t.Fatalf("%q", u)
		}
		// the same draw, formatted the old way
		raw := b.Shared().uuidBytes()
		if old := fmt.Sprintf("%x-%x-%x-%x-%x", raw[0:4], raw[4:6], raw[6:8], raw[8:10], raw[10:16]); old != u {
			t.Fatalf("%q, was %q", u, old)
		}
	}
}
