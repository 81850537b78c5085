package commercelayer

import (
	"encoding/binary"
	"math"
)

// A line's digest in its order's index entry (LineItem.IndexValue): what an
// order's refresh reads of the line and may change (an order's lines are
// most of what a cart change reads; their metadata, extras and
// relationships are of no use to it, and a line it saves is read whole
// again: saveRefreshed), in a fixed order, each string and the optional ones after
// a length or presence byte. Version 1 is the first byte, so a later layout
// can tell itself apart; readLineCore refuses anything else, and the
// caller then reads the record.
const lineCoreV1 = 1

func appendLineCore(b []byte, l *LineItem) []byte {
	b = append(b, lineCoreV1)
	str := func(s string) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	str(l.ID)
	b = binary.AppendUvarint(b, l.Seq)
	str(l.UpdatedAt)
	b = binary.AppendVarint(b, l.A.Quantity)
	b = binary.AppendVarint(b, l.A.UnitAmountCents)
	if l.A.Name != nil {
		b = append(b, 1)
		str(*l.A.Name)
	} else {
		b = append(b, 0)
	}
	str(l.A.ItemType)
	if l.A.TaxRate != nil {
		b = append(b, 1)
		b = binary.BigEndian.AppendUint64(b, math.Float64bits(*l.A.TaxRate))
	} else {
		b = append(b, 0)
	}
	b = binary.AppendVarint(b, l.TotalCents)
	b = binary.AppendVarint(b, l.TaxCents)
	str(l.OrderID)
	str(l.ItemID)
	return b
}

// lineReader reads an order's line digests (readLineCore) into lines
// allocated a block at a time, with the strings many lines share (their
// order, item type, SKU and name) made once.
type lineReader struct {
	block  []LineItem
	shared map[string]string
	last   [4]string // per shared field, the value read last: most lines repeat their neighbour's
	rate   *float64  // the tax rate read last, shared likewise (nothing writes through it)
	name   *string   // the name read last, likewise
}

// intern is b as a string, for shared field f.
func (r *lineReader) intern(f int, b []byte) string {
	if r.last[f] != string(b) { // no allocation for the comparison
		r.last[f] = r.internMap(b)
	}
	return r.last[f]
}

func (r *lineReader) internMap(b []byte) string {
	if r.shared == nil {
		r.shared = map[string]string{}
	}
	if s, ok := r.shared[string(b)]; ok { // no allocation for the lookup
		return s
	}
	s := string(b)
	r.shared[s] = s
	return s
}

func (r *lineReader) next() *LineItem {
	if len(r.block) == cap(r.block) {
		r.block = make([]LineItem, 0, 16)
	}
	r.block = r.block[:len(r.block)+1]
	return &r.block[len(r.block)-1]
}

// readLineCore is the line appendLineCore wrote (ok false: not one).
func readLineCore(b []byte) (l *LineItem, ok bool) {
	var r lineReader
	return r.read(b)
}

func (r *lineReader) read(b []byte) (l *LineItem, ok bool) {
	if len(b) == 0 || b[0] != lineCoreV1 {
		return nil, false
	}
	b = b[1:]
	bad := false
	uvarint := func() uint64 {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			bad = true
			return 0
		}
		b = b[n:]
		return v
	}
	varint := func() int64 {
		v, n := binary.Varint(b)
		if n <= 0 {
			bad = true
			return 0
		}
		b = b[n:]
		return v
	}
	field := func() []byte {
		n := uvarint()
		if bad || n > uint64(len(b)) {
			bad = true
			return nil
		}
		f := b[:n]
		b = b[n:]
		return f
	}
	shared := func(f int) string { return r.intern(f, field()) }
	flag := func() bool {
		if len(b) == 0 {
			bad = true
			return false
		}
		if b[0] > 1 {
			bad = true
		}
		f := b[0] == 1
		b = b[1:]
		return f
	}
	var v LineItem
	id := field()
	v.Seq = uvarint()
	updated := field()
	// The id and updated_at, each line's own, share one allocation.
	var both [64]byte
	joined := string(append(append(both[:0], id...), updated...))
	v.ID, v.UpdatedAt = joined[:len(id)], joined[len(id):]
	v.A.Quantity = varint()
	v.A.UnitAmountCents = varint()
	if flag() {
		if name := shared(0); r.name == nil || *r.name != name {
			r.name = new(name) // not &name: that would move every line's name to the heap
		}
		v.A.Name = r.name
	}
	v.A.ItemType = shared(1)
	if flag() {
		if len(b) < 8 {
			return nil, false
		}
		rate := math.Float64frombits(binary.BigEndian.Uint64(b))
		if r.rate == nil || *r.rate != rate || math.Signbit(*r.rate) != math.Signbit(rate) {
			r.rate = new(rate)
		}
		v.A.TaxRate = r.rate
		b = b[8:]
	}
	v.TotalCents = varint()
	v.TaxCents = varint()
	v.OrderID = shared(2)
	v.ItemID = shared(3)
	if bad || len(b) != 0 {
		return nil, false
	}
	l = r.next()
	*l = v
	return l, true
}
