package contract

import (
	"io/fs"
	"testing"

	"github.com/paysandbox/paysandbox/openapi"
)

// How long a provider's first request waits for its file (the request side)
// and what the response checker's whole parse costs. Run:
//
//	go test -run '^$' -bench Parse -benchmem ./emulator/contract
func BenchmarkParse(b *testing.B) {
	for _, name := range []string{"klarna", "multisafepay", "commercelayer"} {
		raw, err := fs.ReadFile(openapi.FS, name+".yaml")
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name+"/request-side", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := parseRequestSide(raw); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/whole", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := parse(raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
