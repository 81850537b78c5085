package main

import (
	"bytes"
	"os"
	"testing"

	"github.com/paysandbox/paysandbox/emulator/commercelayer/catalogue"
)

// TestRoutesListTheCatalogue: routes.go's surface table is the catalogue's.
func TestRoutesListTheCatalogue(t *testing.T) {
	src, err := os.ReadFile("../../routes.go")
	if err != nil {
		t.Fatal(err)
	}
	if got := SurfaceTable(string(src), catalogue.Load()); got != string(src) {
		t.Fatal("routes.go's surface table is out of date: run go generate ./emulator/commercelayer/catalogue")
	}
}

// TestGeneratedFilesAreCurrent: with the research facts at hand, the
// catalogue and the OpenAPI file are what the generator makes of them.
func TestGeneratedFilesAreCurrent(t *testing.T) {
	const facts = "../../../../../shared/research/facts/commercelayer-resources.jsonl"
	if _, err := os.Stat(facts); err != nil {
		t.Skip("research facts not here")
	}
	fs, err := readFacts(facts)
	if err != nil {
		t.Fatal(err)
	}
	cat := build(fs)
	if len(cat.Resources) != 135 {
		t.Errorf("%d resource types, want 135", len(cat.Resources))
	}
	have, _ := os.ReadFile("../catalogue.json")
	if !bytes.Equal(have, encodeCatalogue(cat)) {
		t.Error("catalogue.json is out of date: run go generate ./emulator/commercelayer/catalogue")
	}
	base, _ := os.ReadFile("base.yaml")
	spec, _ := os.ReadFile("../../../../openapi/commercelayer.yaml")
	if !bytes.Equal(spec, openAPI(string(base), cat)) {
		t.Error("openapi/commercelayer.yaml is out of date: run go generate ./emulator/commercelayer/catalogue")
	}
}

func TestPlural(t *testing.T) {
	for in, want := range map[string]string{"address": "addresses", "order_copy": "order_copies", "tax_category": "tax_categories",
		"void": "voids", "delivery_lead_time": "delivery_lead_times", "order_factory": "order_factories"} {
		if got := plural(in); got != want {
			t.Errorf("plural(%s) = %s, want %s", in, got, want)
		}
	}
}
