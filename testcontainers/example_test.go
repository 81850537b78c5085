package paysandbox_test

import (
	"context"
	"fmt"
	"log"

	"github.com/testcontainers/testcontainers-go"

	paysandbox "github.com/paysandbox/paysandbox/testcontainers"
)

// Needs Docker and the image (docker build -t paysandbox . in a clone); it
// compiles in this module's tests but does not run there.
func Example() {
	ctx := context.Background()
	c, err := paysandbox.Run(ctx, "paysandbox:latest",
		testcontainers.WithEnv(map[string]string{"PAYSANDBOX_SEED": "42"}))
	defer func() { _ = testcontainers.TerminateContainer(c) }()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.URLs.Klarna, c.URLs.MultiSafepay, c.URLs.CommerceLayer)
}
