package commercelayer

import (
	"flag"
	"fmt"
	"math"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/paysandbox/paysandbox/emulator/commercelayer/jsonapi"
	"github.com/paysandbox/paysandbox/emulator/platform"
)

// TestMain turns the encoding check on: every document a test is answered with
// is also encoded as platform.WriteJSON does, and the run fails on any
// difference. Benchmarks (-test.bench) measure the server as it runs, so
// they go without it.
func TestMain(m *testing.M) {
	flag.Parse()
	if flag.Lookup("test.bench").Value.String() == "" {
		docCheck = checkDocument
	}
	code := m.Run()
	if n := encodingMismatch.Load(); n > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: %d documents were encoded differently from platform.WriteJSON; the first:\n%s\n", n, *firstMismatchText.Load())
		code = 1
	}
	os.Exit(code)
}

// TestEncodingCheckIsOn: the check runs on what the handlers write, and
// fails on a difference.
func TestEncodingCheckIsOn(t *testing.T) {
	if docCheck == nil {
		t.Skip("the check is off (a benchmark run)")
	}
	before := encodingChecked.Load()
	w := httptest.NewRecorder()
	doc := &jsonapi.Document{Data: []*jsonapi.ResourceObject{{ID: "a", Type: "skus", Attributes: map[string]any{"b": 1.0, "a": "x"}}}}
	writeDoc(w, 200, doc)
	if encodingChecked.Load() == before {
		t.Fatal("writeDoc did not check the document it wrote")
	}
	if got, want := w.Body.String(), `{"data":[{"id":"a","type":"skus","links":{"self":""},"attributes":{"a":"x","b":1},"meta":null}]}`; got != want {
		t.Fatalf("body %s, want %s", got, want)
	}
	if got := w.Header().Get("Content-Length"); got != fmt.Sprint(w.Body.Len()) {
		t.Fatalf("Content-Length %q for %d bytes", got, w.Body.Len())
	}

	prev := firstMismatchText.Load()
	defer func() {
		p := recover()
		if s, _ := p.(string); !strings.Contains(s, "differs") {
			t.Fatalf("a difference did not panic: %v", p)
		}
		// This one was on purpose: take it back from the run's count.
		encodingMismatch.Add(-1)
		firstMismatchText.Store(prev)
	}()
	checkDocument(doc, []byte(`{"data":[]}`))
}

// TestWriteDocUnencodable: a document AppendDocument cannot encode gets
// platform.WriteJSON's answer, as before.
func TestWriteDocUnencodable(t *testing.T) {
	doc := &jsonapi.Document{Data: nil, Meta: map[string]any{"n": math.NaN()}}
	got, want := httptest.NewRecorder(), httptest.NewRecorder()
	writeDoc(got, 200, doc)
	want.Header().Set("Content-Type", jsonAPIMediaType)
	platform.WriteJSON(want, 200, doc)
	if got.Code != want.Code || got.Code != 500 || got.Body.String() != want.Body.String() {
		t.Fatalf("got %d %s, want %d %s", got.Code, got.Body, want.Code, want.Body)
	}
}
