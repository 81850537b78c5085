// Package paysandbox starts the paysandbox emulator as a Testcontainers
// container and hands back each vendor's base URL:
//
//	c, err := paysandbox.Run(ctx, paysandbox.DefaultImage)
//	defer testcontainers.TerminateContainer(c)
//	klarna := c.URLs.Klarna // e.g. http://localhost:32768
//
// The container is ready when GET /_sandbox/health answers 200 with
// {"status":"ready"} (WaitStrategy). The wait strategy and the URL logic
// work on any target with a host and a mapped port, so they are tested
// against the built binary, without Docker.
package paysandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/moby/moby/api/types/network"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"
)

const (
	// DefaultImage is the image `docker build -t paysandbox .` makes from a
	// clone; pass your registry's name to Run instead when you publish one.
	DefaultImage = "paysandbox:latest"
	// HTTPPort is the emulator's plain-HTTP port inside the container.
	HTTPPort = "8910/tcp"
	// HealthPath answers 200 {"status":"ready"} once the emulator serves.
	HealthPath = "/_sandbox/health"
)

// URLs are the base URLs a client is configured with.
type URLs struct {
	// Base is scheme://host:port; the admin API is under Base + "/_sandbox".
	Base string
	// Klarna's APIs (Payments, Order Management, HPP, Customer Token) sit at
	// the root, as on api.playground.klarna.com.
	Klarna string
	// MultiSafepay's JSON API v1.
	MultiSafepay string
	// CommerceLayer is the organization's root: the Core API is under
	// /api, the token endpoint at /oauth/token.
	CommerceLayer string
	// Health is the readiness endpoint.
	Health string
}

// URLsFor derives every vendor's base URL from the emulator's base URL.
func URLsFor(base string) URLs {
	base = strings.TrimSuffix(base, "/")
	return URLs{Base: base, Klarna: base, MultiSafepay: base + "/v1/json", CommerceLayer: base, Health: base + HealthPath}
}

// Endpoint is what the base URL is read from: a container, or in tests any
// target with a host and a mapped port.
type Endpoint interface {
	Host(ctx context.Context) (string, error)
	MappedPort(ctx context.Context, port string) (network.Port, error)
}

// BaseURL is http://host:port of the emulator's HTTP port on e.
func BaseURL(ctx context.Context, e Endpoint) (string, error) {
	host, err := e.Host(ctx)
	if err != nil {
		return "", fmt.Errorf("paysandbox: container host: %w", err)
	}
	port, err := e.MappedPort(ctx, HTTPPort)
	if err != nil {
		return "", fmt.Errorf("paysandbox: mapped port of %s: %w", HTTPPort, err)
	}
	return "http://" + net.JoinHostPort(host, port.Port()), nil
}

// WaitStrategy waits until the health endpoint answers 200 with status
// "ready" (503 "starting" or "stopping" keeps it waiting).
func WaitStrategy() *wait.HTTPStrategy {
	return wait.ForHTTP(HealthPath).
		WithPort(HTTPPort).
		WithStatusCodeMatcher(func(status int) bool { return status == http.StatusOK }).
		WithResponseMatcher(Ready).
		WithPollInterval(50 * time.Millisecond).
		WithStartupTimeout(30 * time.Second)
}

// Ready tells whether a health body says "ready".
func Ready(body io.Reader) bool {
	var h struct {
		Status string `json:"status"`
	}
	return json.NewDecoder(io.LimitReader(body, 1<<16)).Decode(&h) == nil && h.Status == "ready"
}

// Container is a running emulator.
type Container struct {
	testcontainers.Container
	URLs URLs
}

// DefaultArgs run the emulator with throwaway data and no HTTPS listener
// (what a test wants); WithCmd replaces them.
var DefaultArgs = []string{"serve", "--ephemeral", "--https-addr", "off"}

// Run starts image (DefaultImage when "") and waits until it is ready.
// opts come after the defaults, so testcontainers.WithCmd,
// testcontainers.WithEnv (PAYSANDBOX_SEED, PAYSANDBOX_ADMIN_TOKEN, ...) and
// testcontainers.WithWaitStrategy override them.
func Run(ctx context.Context, image string, opts ...testcontainers.ContainerCustomizer) (*Container, error) {
	if image == "" {
		image = DefaultImage
	}
	all := append([]testcontainers.ContainerCustomizer{
		testcontainers.WithExposedPorts(HTTPPort),
		testcontainers.WithCmd(DefaultArgs...),
		testcontainers.WithWaitStrategy(WaitStrategy()),
	}, opts...)
	ctr, err := testcontainers.Run(ctx, image, all...)
	var c *Container
	if ctr != nil {
		c = &Container{Container: ctr}
	}
	if err != nil {
		return c, fmt.Errorf("paysandbox: %w", err)
	}
	base, err := BaseURL(ctx, ctr)
	if err != nil {
		return c, err
	}
	c.URLs = URLsFor(base)
	return c, nil
}
