package commercelayer

import (
	"bytes"
	"reflect"
	"testing"
)

func lineSample(name *string, rate *float64) *LineItem {
	l := &LineItem{TotalCents: 2580, TaxCents: -3, OrderID: "ordAAAAxyz", ItemID: "skuBBBByzq"}
	l.ID, l.Seq, l.UpdatedAt = "AAAbqwerty", 1_000_042, "2026-12-01T10:00:00.000Z"
	l.A.Quantity, l.A.UnitAmountCents, l.A.Name, l.A.ItemType, l.A.TaxRate = 2, 1290, name, itemSkus, rate
	return l
}

// A line's digest reads back as what a refresh reads of the line, with or
// without its optional ones; anything cut short or of another version is
// refused (the caller then reads the record).
func TestLineCoreDigestRoundTrips(t *testing.T) {
	name, rate := "Mug ☕", 0.22
	for _, l := range []*LineItem{lineSample(&name, &rate), lineSample(nil, nil)} {
		raw := appendLineCore(nil, l)
		got, ok := readLineCore(raw)
		if want := projected(l); !ok || !reflect.DeepEqual(got, want) {
			t.Fatalf("read back %+v (%v), want %+v", got, ok, want)
		}
		for n := 0; n < len(raw); n++ {
			if _, ok := readLineCore(raw[:n]); ok {
				t.Fatalf("a digest cut to %d of %d bytes was read", n, len(raw))
			}
		}
		if _, ok := readLineCore(append(raw, 0)); ok {
			t.Fatal("a digest with a byte more was read")
		}
		other := append([]byte{lineCoreV1 + 1}, raw[1:]...)
		if _, ok := readLineCore(other); ok {
			t.Fatal("a digest of another version was read")
		}
	}
}

// FuzzReadLineCore: any bytes are refused or read without a panic, and
// what is read encodes to a digest that reads back the same.
func FuzzReadLineCore(f *testing.F) {
	name, rate := "Tee", 0.1
	f.Add(appendLineCore(nil, lineSample(&name, &rate)))
	f.Add(appendLineCore(nil, lineSample(nil, nil)))
	f.Add([]byte{lineCoreV1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, raw []byte) {
		l, ok := readLineCore(raw)
		if !ok {
			return
		}
		digest := appendLineCore(nil, l)
		again, ok := readLineCore(digest)
		// Compared as digests: a NaN tax rate (no rate is one, but any
		// eight bytes read as a float) is not equal to itself.
		if !ok || !bytes.Equal(appendLineCore(nil, again), digest) {
			t.Fatalf("read %x as %+v, its digest reads %+v", raw, l, again)
		}
	})
}
