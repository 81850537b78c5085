// Command checkout is paysandbox's example shop: a checkout page (plain HTML
// and JavaScript, no build step) that pays with Klarna's JS SDK widget,
// Klarna's Hosted Payment Page, MultiSafepay's payment page or a Commerce
// Layer order paid with Klarna's widget, all served by paysandbox. Start
// paysandbox, then this:
//
//	go run ./cmd/paysandbox            # from the repository root
//	cd examples && go run ./checkout   # examples/ is a module of its own
//
// and open http://localhost:8080. See docs/frontend.md.
package main

import (
	"flag"
	"log"
	"net/http"
	"os"
	"time"
)

func main() {
	env := func(name, def string) string {
		if v := os.Getenv(name); v != "" {
			return v
		}
		return def
	}
	addr := flag.String("addr", env("SHOP_ADDR", "localhost:8080"), "where the shop listens (env SHOP_ADDR)")
	cfg := Config{}
	flag.StringVar(&cfg.Emulator, "emulator", env("PAYSANDBOX_URL", "http://localhost:8910"), "paysandbox's base URL (env PAYSANDBOX_URL)")
	flag.StringVar(&cfg.PublicEmulator, "emulator-public", env("PAYSANDBOX_PUBLIC_URL", ""), "paysandbox's base URL as browsers reach it, when it differs (env PAYSANDBOX_PUBLIC_URL)")
	flag.StringVar(&cfg.KlarnaUser, "klarna-user", env("KLARNA_USERNAME", "PK_TEST_paysandbox"), "Klarna API username (env KLARNA_USERNAME)")
	flag.StringVar(&cfg.KlarnaPassword, "klarna-password", env("KLARNA_PASSWORD", "sandbox"), "Klarna API password (env KLARNA_PASSWORD)")
	flag.StringVar(&cfg.MultiSafepayKey, "multisafepay-key", env("MULTISAFEPAY_API_KEY", "paysandbox-test-key"), "MultiSafepay API key (env MULTISAFEPAY_API_KEY)")
	flag.Parse()

	cfg.Client = &http.Client{Timeout: 15 * time.Second}
	srv := &http.Server{Addr: *addr, Handler: NewShop(cfg), ReadHeaderTimeout: 10 * time.Second}
	log.Printf("example shop on http://%s (paysandbox at %s)", *addr, cfg.Emulator)
	log.Fatal(srv.ListenAndServe())
}
