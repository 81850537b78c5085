// Package ids is the one seeded source of identifiers and fake data, so that
// --seed makes a run repeatable.
package ids

import (
	"fmt"
	"math/rand/v2"
	"sync"

	"github.com/brianvoe/gofakeit/v6"
)

// Source hands out ids and fake values. It is safe for concurrent use.
type Source struct {
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
		rng:   rand.New(rand.NewPCG(uint64(seed), uint64(seed)^0x9e3779b97f4a7c15)),
		faker: gofakeit.New(seed),
	}
}

// Intn returns a number in [0, n).
func (s *Source) Intn(n int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rng.IntN(n)
}

func (s *Source) fill(b []byte, alphabet string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range b {
		b[i] = alphabet[s.rng.IntN(len(alphabet))]
	}
	return string(b)
}

// UUID returns a random (version 4) UUID string.
func (s *Source) UUID() string {
	var b [16]byte
	s.mu.Lock()
	for i := 0; i < 16; i += 8 {
		v := s.rng.Uint64()
		for j := 0; j < 8; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	s.mu.Unlock()
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// Hex returns n lowercase hex digits.
func (s *Source) Hex(n int) string { return s.fill(make([]byte, n), "0123456789abcdef") }

// Alnum returns n characters from A-Z, a-z and 0-9.
func (s *Source) Alnum(n int) string {
	return s.fill(make([]byte, n), "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
}

// Upper returns n characters from A-Z and 0-9.
func (s *Source) Upper(n int) string {
	return s.fill(make([]byte, n), "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
}

// Digits returns n decimal digits, the first one not zero.
func (s *Source) Digits(n int) string {
	if n <= 0 {
		return ""
	}
	return s.fill(make([]byte, 1), "123456789") + s.fill(make([]byte, n-1), "0123456789")
}

// Faker returns the seeded fake-data generator (goroutine-safe).
func (s *Source) Faker() *gofakeit.Faker { return s.faker }
