package ids

import (
	"encoding/hex"
)

// Ordered UUIDs: a record stored under a random UUID lands on a random leaf
// page of the data file, so every create of a durable write dirties (and
// syncs) its own page and the branch above it; a key that grows with each
// create appends to the last page instead. An ordered UUID is a version 4
// UUID like any other to the client (60 of its bits are a keyed permutation
// of the record's sequence number, the other 62 drawn from the stream), and
// the store keys the record by the sequence it maps back to.

const (
	permHalf = 30
	permMask = 1<<permHalf - 1
	// MaxOrdered is the largest sequence an ordered UUID carries.
	MaxOrdered = 1<<(2*permHalf) - 1
)

// Perm is a keyed permutation of the numbers 0..MaxOrdered: a four-round
// Feistel network over two 30-bit halves, which is a bijection whatever its
// round function. It hides the order, it does not keep a secret.
type Perm struct{ k [4]uint64 }

// NewPerm is the permutation named by the parts of its name (joined by
// "/"). It depends on the name alone, not on the seed: records written by
// one process are found by every later one (a random seed is drawn at each
// start) and by a snapshot's restore.
func NewPerm(name ...string) Perm {
	var p Perm
	x := uint64(fnvOffset) // FNV-1a of the joined name, without joining it
	for i, part := range name {
		if i > 0 {
			x = fnvByte(x, '/')
		}
		for j := 0; j < len(part); j++ {
			x = fnvByte(x, part[j])
		}
	}
	for i := range p.k {
		x = splitmix64(x)
		p.k[i] = x
	}
	return p
}

// splitmix64 is SplitMix64's output function: a cheap, well-mixed hash of
// one word.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

func (p Perm) round(i int, half uint64) uint64 { return splitmix64(half^p.k[i]) & permMask }

// Forward maps n (at most MaxOrdered) to its image.
func (p Perm) Forward(n uint64) uint64 {
	l, r := n>>permHalf&permMask, n&permMask
	for i := range p.k {
		l, r = r, l^p.round(i, r)
	}
	return l<<permHalf | r
}

// Back is Forward's inverse.
func (p Perm) Back(n uint64) uint64 {
	l, r := n>>permHalf&permMask, n&permMask
	for i := len(p.k) - 1; i >= 0; i-- {
		l, r = r^p.round(i, l), l
	}
	return l<<permHalf | r
}

// Uint64 draws 64 random bits.
func (g Gen) Uint64() uint64 {
	g.lock()
	defer g.unlock()
	return g.rng.Uint64()
}

// withRest is p keyed also by an id's other bits, so that ids of the same
// sequence differ everywhere (the first record of a tenant after a reset,
// or in another instance, shares nothing with an earlier one) and each
// stays a bijection of the sequence once its rest is read.
func (p Perm) withRest(rest uint64) Perm {
	for i := range p.k {
		p.k[i] = splitmix64(p.k[i] ^ rest)
	}
	return p
}

// variantRest is rest as a UUID keeps it: its top two bits are the variant.
func variantRest(rest uint64) uint64 { return rest&^(3<<62) | 2<<62 }

// OrderedUUID is the version 4 UUID that carries seq (at most MaxOrdered)
// in its first 60 free bits, through p keyed by rest, and rest in its last
// 62.
func OrderedUUID(p Perm, seq, rest uint64) string {
	rest = variantRest(rest)
	x := p.withRest(rest).Forward(seq)
	var b [16]byte
	for i := 0; i < 6; i++ {
		b[i] = byte(x >> (52 - 8*i))
	}
	b[6] = 0x40 | byte(x>>8)&0x0f
	b[7] = byte(x)
	for i := 0; i < 8; i++ {
		b[8+i] = byte(rest >> (56 - 8*i))
	}
	return formatUUID(b)
}

// ParseOrderedUUID gives back the sequence and the rest that OrderedUUID
// made id from; ok is false for anything OrderedUUID does not write (other
// versions, capitals, braces, a wrong length).
func ParseOrderedUUID(p Perm, id string) (seq, rest uint64, ok bool) {
	if len(id) != 36 || id[8] != '-' || id[13] != '-' || id[18] != '-' || id[23] != '-' {
		return 0, 0, false
	}
	for i := 0; i < len(id); i++ {
		switch c := id[i]; {
		case i == 8 || i == 13 || i == 18 || i == 23:
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f':
		default:
			return 0, 0, false
		}
	}
	var b [16]byte
	hexInto(b[0:4], id[0:8])
	hexInto(b[4:6], id[9:13])
	hexInto(b[6:8], id[14:18])
	hexInto(b[8:10], id[19:23])
	hexInto(b[10:16], id[24:36])
	if b[6]>>4 != 4 || b[8]>>6 != 2 {
		return 0, 0, false
	}
	var x uint64
	for i := 0; i < 6; i++ {
		x = x<<8 | uint64(b[i])
	}
	x = x<<4 | uint64(b[6]&0x0f)
	x = x<<8 | uint64(b[7])
	for i := 0; i < 8; i++ {
		rest = rest<<8 | uint64(b[8+i])
	}
	return p.withRest(rest).Back(x), rest, true
}

func hexInto(dst []byte, s string) { _, _ = hex.Decode(dst, []byte(s)) } // digits checked by the caller
