package commercelayer

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/paysandbox/paysandbox/emulator/platform"
)

// TestKlarnaStepCompensates: when the local write fails after Klarna did
// its part, the Klarna side is undone; without a Klarna order nothing is
// called.
func TestKlarnaStepCompensates(t *testing.T) {
	c := &call{cl: &CommerceLayer{p: &platform.Platform{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}}, org: "o", r: httptest.NewRequest("POST", "/api/orders/x", nil)}
	kp := &KlarnaPayment{KlarnaOrderID: "k1"}
	var calls, undos int
	do := func(*KlarnaPayment) (string, func() error, error) {
		calls++
		return "gw1", func() error { undos++; return nil }, nil
	}
	failing := errors.New("write failed")
	var got string
	if err := c.klarnaStep("capture", kp, do, func(gw string) error { got = gw; return failing }); err != failing {
		t.Fatalf("err %v", err)
	}
	if calls != 1 || undos != 1 || got != "gw1" {
		t.Fatalf("failed write: calls %d undos %d gw %q", calls, undos, got)
	}
	if err := c.klarnaStep("capture", kp, do, func(string) error { return nil }); err != nil || undos != 1 {
		t.Fatalf("good write: %v, undos %d", err, undos)
	}
	if err := c.klarnaStep("capture", &KlarnaPayment{}, do, func(gw string) error { got = gw; return nil }); err != nil || calls != 2 || got != "" {
		t.Fatalf("no Klarna order: calls %d gw %q", calls, got)
	}
	gwErr := errors.New("klarna says no")
	refuse := func(*KlarnaPayment) (string, func() error, error) { return "", nil, gwErr }
	wrote := false
	if err := c.klarnaStep("refund", kp, refuse, func(string) error { wrote = true; return nil }); err != gwErr || wrote {
		t.Fatalf("a refused Klarna call writes nothing: %v %v", err, wrote)
	}
}

// TestKlarnaStepOutlivesTheClient: once Klarna has acted, the client going
// away does not cut the local record (or its undo) short: the write runs
// with a context that is not cancelled.
func TestKlarnaStepOutlivesTheClient(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r := httptest.NewRequest("POST", "/api/orders/x", nil).WithContext(ctx)
	c := &call{cl: &CommerceLayer{p: &platform.Platform{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}}, org: "o", r: r}
	do := func(*KlarnaPayment) (string, func() error, error) {
		cancel() // the client hangs up while Klarna captures
		return "gw1", nil, nil
	}
	var writeErr error
	if err := c.klarnaStep("capture", &KlarnaPayment{KlarnaOrderID: "k1"}, do, func(string) error {
		writeErr = c.r.Context().Err()
		return writeErr
	}); err != nil || writeErr != nil {
		t.Fatalf("the write saw a cancelled context: %v, %v", err, writeErr)
	}
}
