package dashboard_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/paysandbox/paysandbox/emulator"
	"github.com/paysandbox/paysandbox/emulator/dashboard/dashboardtest"
	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
	"github.com/paysandbox/paysandbox/emulator/scenario"
	"github.com/paysandbox/paysandbox/emulator/webhook"
	"github.com/paysandbox/paysandbox/examples/browsertest"
)

// TestScreenshots writes the screenshots of docs/dashboard.md when
// PAYSANDBOX_SCREENSHOTS names a folder:
//
//	(cd examples && PAYSANDBOX_SCREENSHOTS=$PWD/../docs/img go test -run Screenshots ./dashboard/)
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("PAYSANDBOX_SCREENSHOTS")
	if dir == "" {
		t.Skip("set PAYSANDBOX_SCREENSHOTS to a folder to write the dashboard's screenshots")
	}
	tb := browsertest.NewTab(t)
	sb := sandboxtest.Start(t, sandboxtest.WithConfig(func(c *emulator.Config) { c.Version = "1.4.0" }))
	ok := sandboxtest.NewReceiver(t)
	down := sandboxtest.NewReceiver(t)
	down.Respond(http.StatusServiceUnavailable, "maintenance")
	_, kOrder := dashboardtest.KlarnaCheckout(t, sb, "")
	dashboardtest.MSPPay(t, sb, dashboardtest.MSPOrder(t, sb, "shop-1001", ok.URL))
	dashboardtest.MSPPay(t, sb, dashboardtest.MSPOrder(t, sb, "shop-1002", down.URL))
	dashboardtest.MSPOrder(t, sb, "shop-1003", ok.URL)
	clOrderID, _ := dashboardtest.CLOrder(t, sb, ok.URL)
	sb.Do(t, http.MethodPost, "/payments/v1/sessions", dashboardtest.Obj{"purchase_country": "SE", "order_amount": "95"}, "Authorization", dashboardtest.KAuth())
	refused := sb.Emulator.Journal().Last()
	eng := sb.Emulator.Scenarios()
	if _, err := eng.Arm(eng.Set().All()[0].Name, dashboardtest.KTenant, armTimes(2)); err != nil {
		t.Fatal(err)
	}
	failed := sb.Webhooks(t, webhook.Filter{Provider: "multisafepay", Status: webhook.Pending})[0]

	shoot := func(name, path string, w, h int64, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		tb.Do("view "+name, append([]chromedp.Action[chromedp.Void]{chromedp.EmulateViewport(w, h), chromedp.Navigate(sb.URL + path),
			chromedp.WaitVisible(chromedp.CSS("main"))}, steps...)...)
		time.Sleep(150 * time.Millisecond)
		raw := browsertest.Run(tb, "screenshot "+name, chromedp.CaptureScreenshot())
		small, err := shrink(raw)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "dashboard-"+name+".png"), small, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d KiB", name, len(small)/1024)
	}
	const ui = "/_sandbox/ui"
	shoot("overview", ui, 1280, 800)
	shoot("vendor", ui+"/t/"+dashboardtest.KTenant+"/klarna", 1280, 800)
	shoot("klarna-order", ui+"/t/"+dashboardtest.KTenant+"/klarna/orders/"+kOrder, 1280, 800)
	shoot("msp-order", ui+"/t/"+dashboardtest.MSPKey+"/multisafepay/orders/shop-1003", 1280, 800)
	shoot("cl-order", ui+"/t/paysandbox/commercelayer/orders/"+clOrderID, 1280, 800)
	shoot("requests", ui+"/requests", 1280, 800)
	shoot("request-refused", ui+"/requests/"+strconv.FormatUint(refused, 10), 1280, 800)
	shoot("webhooks", ui+"/webhooks", 1280, 800)
	shoot("webhook", ui+"/webhooks/"+failed.ID, 1280, 800)
	shoot("clock", ui+"/clock?tenant="+dashboardtest.MSPKey, 1280, 800, chromedp.SetValue(chromedp.CSS("#c-tenant"), dashboardtest.MSPKey),
		chromedp.Click(chromedp.CSS(`button[name="duration"][value="1h"]`)), chromedp.WaitVisible(chromedp.CSS("#h-res")))
	shoot("scenarios", ui+"/scenarios?tenant="+dashboardtest.KTenant, 1280, 800)
	shoot("reset", ui+"/reset?tenant="+dashboardtest.MSPKey, 1280, 800)
	shoot("phone", ui+"/t/"+dashboardtest.KTenant+"/klarna/orders/"+kOrder, 390, 844)
	shoot("phone-requests", ui+"/requests", 390, 844)

	login := sandboxtest.Start(t, sandboxtest.WithConfig(func(c *emulator.Config) { c.AdminToken = "x"; c.Version = "1.4.0" }))
	tb.Do("view login", chromedp.EmulateViewport(1280, 800), chromedp.Navigate(login.URL+ui), chromedp.WaitVisible(chromedp.CSS("#token")))
	raw := browsertest.Run(tb, "screenshot login", chromedp.CaptureScreenshot())
	small, _ := shrink(raw)
	_ = os.WriteFile(filepath.Join(dir, "dashboard-login.png"), small, 0o644)
}

// shrink re-encodes a screenshot with a palette of its 256 most frequent
// colours (the pages are flat colours and antialiased text), which makes
// the PNG several times smaller.
func shrink(raw []byte) ([]byte, error) {
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	b := img.Bounds()
	freq := map[color.RGBA]int{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			freq[color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8), 255}]++
		}
	}
	cols := make([]color.RGBA, 0, len(freq))
	for c := range freq {
		cols = append(cols, c)
	}
	sort.Slice(cols, func(i, j int) bool { return freq[cols[i]] > freq[cols[j]] })
	if len(cols) > 256 {
		cols = cols[:256]
	}
	pal := make(color.Palette, len(cols))
	for i, c := range cols {
		pal[i] = c
	}
	out := image.NewPaletted(b, pal)
	cache := map[color.RGBA]uint8{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			c := color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8), 255}
			i, ok := cache[c]
			if !ok {
				i = uint8(pal.Index(c))
				cache[c] = i
			}
			out.SetColorIndex(x, y, i)
		}
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	err = enc.Encode(&buf, out)
	return buf.Bytes(), err
}

func armTimes(n int) scenario.ArmOptions { return scenario.ArmOptions{Times: &n} }
