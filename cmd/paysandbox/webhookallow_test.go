package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
)

func TestWebhookAllowFlagAndEnvironmentTwin(t *testing.T) {
	fs := newFlagSet()
	o, err := flags(fs, func(k string) string {
		if k == "PAYSANDBOX_WEBHOOK_ALLOW" {
			return "10.0.0.0/8,*.team.internal"
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := fs.Parse(nil); err != nil || o.webhookAllow != "10.0.0.0/8,*.team.internal" {
		t.Fatalf("%v %q", err, o.webhookAllow)
	}
	var stderr bytes.Buffer
	args := []string{"serve", "--https-addr", "off", "--addr", "127.0.0.1:0", "--data", filepath.Join(t.TempDir(), "p.db"), "--webhook-allow", "10.0.0.0/8,http://x/"}
	if code := run(context.Background(), args, noenv, io.Discard, &stderr); code != 2 || !strings.Contains(stderr.String(), "--webhook-allow") {
		t.Fatalf("exit %d, %q", code, stderr.String())
	}
}
