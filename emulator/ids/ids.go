// Package ids is the one seeded source of identifiers and fake data, so that
// --seed makes a run repeatable.
//
// Two kinds of draw: Source's own methods take the next value of one shared
// stream (their order depends on which request comes first), and At gives
// the n-th value of a named stream as a pure function of the seed, the name
// and n. The store numbers each tenant's draws inside the transaction
// (store.Tx.IDs), so a transaction that runs twice draws the same values and
// the same --seed gives the same ids however requests interleave.
package ids

import (
	"encoding/hex"
	"math/rand/v2"
	"sync"

	"github.com/brianvoe/gofakeit/v6"
)

// Source hands out ids and fake values. It is safe for concurrent use.
type Source struct {
	seed  uint64
	mu    sync.Mutex
	rng   *rand.Rand
	faker *gofakeit.Faker
}

// New returns a source seeded with seed; seed 0 picks a random seed.
func New(seed int64) *Source {
	if seed == 0 {
		seed = rand.Int64()
	}
	return &Source{
		seed:  uint64(seed),
		rng:   rand.New(rand.NewPCG(uint64(seed), uint64(seed)^0x9e3779b97f4a7c15)),
		faker: gofakeit.New(seed),
	}
}

// Gen draws values from one generator. A Gen is not safe for concurrent use.
type Gen struct {
	rng *rand.Rand
	mu  *sync.Mutex // the Source's, for its shared stream; nil for At
}

func (g Gen) lock() {
	if g.mu != nil {
		g.mu.Lock()
	}
}

func (g Gen) unlock() {
	if g.mu != nil {
		g.mu.Unlock()
	}
}

// At is the generator of draw n of stream name: the same seed, name and n
// give the same values.
func (s *Source) At(name string, n uint64) Gen {
	h := fnv64(name)
	return Gen{rng: rand.New(rand.NewPCG(s.seed^h, n*0x9e3779b97f4a7c15+h))}
}

// fnv64 is FNV-1a: stable across processes (hash/maphash is not).
func fnv64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// Shared is the generator of the shared stream (safe for concurrent use).
func (s *Source) Shared() Gen { return Gen{rng: s.rng, mu: &s.mu} }

// Intn returns a number in [0, n).
func (g Gen) Intn(n int) int {
	g.lock()
	defer g.unlock()
	return g.rng.IntN(n)
}

func (g Gen) fill(b []byte, alphabet string) string {
	g.lock()
	defer g.unlock()
	for i := range b {
		b[i] = alphabet[g.rng.IntN(len(alphabet))]
	}
	return string(b)
}

// uuidBytes draws the 16 bytes of a version 4 UUID.
func (g Gen) uuidBytes() [16]byte {
	var b [16]byte
	g.lock()
	for i := 0; i < 16; i += 8 {
		v := g.rng.Uint64()
		for j := 0; j < 8; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	g.unlock()
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return b
}

// UUID returns a random (version 4) UUID string.
func (g Gen) UUID() string { return formatUUID(g.uuidBytes()) }

func formatUUID(b [16]byte) string {
	// 8-4-4-4-12 hex digits (fmt.Sprintf cost five allocations per id).
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:36], b[10:16])
	return string(out[:])
}

// Hex returns n lowercase hex digits.
func (g Gen) Hex(n int) string { return g.fill(make([]byte, n), "0123456789abcdef") }

// Alnum returns n characters from A-Z, a-z and 0-9.
func (g Gen) Alnum(n int) string {
	return g.fill(make([]byte, n), "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
}

// Upper returns n characters from A-Z and 0-9.
func (g Gen) Upper(n int) string {
	return g.fill(make([]byte, n), "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
}

// Digits returns n decimal digits, the first one not zero.
func (g Gen) Digits(n int) string {
	if n <= 0 {
		return ""
	}
	return g.fill(make([]byte, 1), "123456789") + g.fill(make([]byte, n-1), "0123456789")
}

// Intn, UUID, Hex, Alnum, Upper and Digits on a Source draw from its shared
// stream.

// Intn returns a number in [0, n).
func (s *Source) Intn(n int) int { return s.Shared().Intn(n) }

// UUID returns a random (version 4) UUID string.
func (s *Source) UUID() string { return s.Shared().UUID() }

// Hex returns n lowercase hex digits.
func (s *Source) Hex(n int) string { return s.Shared().Hex(n) }

// Alnum returns n characters from A-Z, a-z and 0-9.
func (s *Source) Alnum(n int) string { return s.Shared().Alnum(n) }

// Upper returns n characters from A-Z and 0-9.
func (s *Source) Upper(n int) string { return s.Shared().Upper(n) }

// Digits returns n decimal digits, the first one not zero.
func (s *Source) Digits(n int) string { return s.Shared().Digits(n) }

// Faker returns the seeded fake-data generator (goroutine-safe).
func (s *Source) Faker() *gofakeit.Faker { return s.faker }
