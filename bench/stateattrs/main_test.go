package main

import (
	"strings"
	"testing"
)

// The shares of every attribute and the braces add up to make bench's
// figure, the compact JSON's length, whatever the state's indentation.
func TestSharesAddUpToTheCompactJSON(t *testing.T) {
	state := `{"version": 4, "resources": [
	  {"mode": "managed", "type": "noop_thing", "name": "x", "instances": [{"attributes": {"a": 1}}]},
	  {"mode": "managed", "type": "costhandoff_check", "name": "bench", "instances": [
	    {"index_key": 0, "attributes": {"log": "a\nb <c>", "ledger": null, "sources": {"pricing": {"sha256": "ab", "status_code": 200}}, "decision_reasons": []}},
	    {"index_key": 1, "attributes": {"log": "longer"}}
	  ]}
	]}`
	a, err := readInstance([]byte(state), "costhandoff_check.bench[0]")
	if err != nil {
		t.Fatal(err)
	}
	want := `{"log":"a\nb <c>","ledger":null,"sources":{"pricing":{"sha256":"ab","status_code":200}},"decision_reasons":[]}`
	if len(a.compact) != len(want) {
		t.Errorf("compact JSON is %d B, want %d: %s", len(a.compact), len(want), a.compact)
	}
	sum := 1
	for n := range a.values {
		sum += a.share(n)
	}
	if sum != len(a.compact) {
		t.Errorf("shares add up to %d B, the compact JSON is %d B", sum, len(a.compact))
	}
	if got := a.share("ledger"); got != len(`"ledger":null,`) {
		t.Errorf("ledger's share is %d B, want %d", got, len(`"ledger":null,`))
	}
	if _, err := readInstance([]byte(state), "costhandoff_check.other"); err == nil || !strings.Contains(err.Error(), "no instance") {
		t.Errorf("a missing address: err = %v, want no instance", err)
	}
}
