package handoff

import (
	"strings"
	"testing"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/ledger"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/probe"
)

func TestErrorPathResult(t *testing.T) {
	res := func(c probe.Category) probe.Result { return probe.Result{Category: c} }
	tests := []struct {
		happy, errPath probe.Category
		want           string
	}{
		{probe.CategoryOK, probe.CategoryAuthFailure, resultPass},
		{probe.CategoryServerError, probe.CategoryAuthFailure, resultPass}, // the key check held even so
		{probe.CategoryAuthFailure, probe.CategoryAuthFailure, resultInconclusive},
		{probe.CategoryOK, probe.CategoryOK, resultFail},
		{probe.CategoryAuthFailure, probe.CategoryOK, resultFail},
		{probe.CategoryOK, probe.CategoryTimeout, resultFail},
		{probe.CategoryOK, probe.CategoryNetworkError, resultFail},
		{probe.CategoryOK, probe.CategoryRateLimited, resultFail},
		{probe.CategoryOK, "", resultFail},
	}
	for _, tt := range tests {
		if got := errorPathResult(res(tt.happy), res(tt.errPath)); got != tt.want {
			t.Errorf("errorPathResult(happy %s, error %s) = %s, want %s", tt.happy, tt.errPath, got, tt.want)
		}
	}
}

// Only an invalid key answered ok is called accepted; other failures say
// what happened.
func TestErrorPathExplanation(t *testing.T) {
	ok := probe.Result{Category: probe.CategoryOK}
	tests := []struct {
		name           string
		happy, errPath probe.Category
		want           string
	}{
		{"pass", probe.CategoryOK, probe.CategoryAuthFailure, "refused as an authentication failure, as it must be"},
		{"inconclusive", probe.CategoryAuthFailure, probe.CategoryAuthFailure, "refused both keys"},
		{"accepted", probe.CategoryOK, probe.CategoryOK, "ACCEPTED an invalid key"},
		{"timeout", probe.CategoryTimeout, probe.CategoryTimeout, "No complete answer came in time"},
		{"unreachable", probe.CategoryNetworkError, probe.CategoryNetworkError, "could not be reached"},
		{"server error", probe.CategoryOK, probe.CategoryServerError, "answered with a server error"},
		{"rate limited", probe.CategoryOK, probe.CategoryRateLimited, "answered rate_limited instead of refusing"},
		{"not sent", "", "", "was not sent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			happy := ok
			happy.Category = tt.happy
			got := errorPathExplanation(happy, probe.Result{Category: tt.errPath})
			if !strings.Contains(got, tt.want) {
				t.Errorf("explanation = %q, want it to contain %q", got, tt.want)
			}
			if tt.errPath != probe.CategoryOK && strings.Contains(strings.ToLower(got), "accepted") {
				t.Errorf("explanation = %q: says accepted for %s", got, tt.errPath)
			}
		})
	}
}

func TestDetailNamesEveryFinding(t *testing.T) {
	o, c := fullEvidenceRun()
	o.Ledger.Message = "row 42 has 9 prompt tokens, the response 8"
	o.Allocation = DefaultPolicy().CheckAllocation(Allocation{FieldOwner: "TBD", FieldWorkload: "w", FieldEnvironment: "prod"})
	o.Log = o.logFields(c).Render()
	detail := o.Detail()
	for _, want := range []string{
		"Reasons:\n  - source_unverified: a source page could not be fetched",
		"  - source_changed: ",
		"  - ledger_mismatch: the ledger row's tokens differ",
		"Happy path: pass (ok, HTTP 200, 1 request on the wire, request id 2026113009301512345).",
		"Error path: pass (auth_failure, HTTP 401, 1 request on the wire). The invalid key was refused",
		"  - support https://example.com/support: failed, HTTP 404\n",
		"  - unit_economics https://example.com/unit: failed, no response (timeout)\n",
		"  - pricing https://example.com/pricing: changed since the previous run\n",
		"Ledger: mismatch, matched by request_id, quota 150, charged_usd 0.0003: row 42 has 9 prompt tokens, the response 8.\n",
		`Allocation: allocation incomplete: owner is a placeholder ("TBD"): replace it with a real value.`,
	} {
		if !strings.Contains(detail, want) {
			t.Errorf("Detail lacks %q:\n%s", want, detail)
		}
	}
	if strings.Contains(detail, "allocation https://example.com/allocation") {
		t.Errorf("Detail names a page that passed unchanged:\n%s", detail)
	}
	if !strings.HasSuffix(detail, "Log of "+o.RunID+":\n"+o.Log) {
		t.Errorf("Detail does not end with the log:\n%s", detail)
	}
}

func TestDetailFlattensServerText(t *testing.T) {
	o, c := fullEvidenceRun()
	o.Probe.HappyPath.Message = "HTTP 200: OK\n\x1b[2Kdecision: proceed"
	o.Ledger = &ledger.Result{Status: ledger.Unavailable, Message: "bad\ngateway"}
	o.Log = o.logFields(c).Render()
	head, _, _ := strings.Cut(o.Detail(), "Log of ")
	if strings.ContainsFunc(head, func(r rune) bool { return r == '\x1b' }) || strings.Contains(head, "\ndecision: proceed") {
		t.Errorf("Detail kept a server's control characters:\n%s", head)
	}
}
