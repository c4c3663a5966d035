package handoff

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/ledger"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/probe"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/sanitize/leakcheck"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/sources"
)

// pendingRun is a run whose usage-API ledger was pending at apply, built
// as Run builds it: every fact the log renders has a value (sources with
// a changed page, tokens, ids, a review date, the allocation's optional
// fields, unit and billing unit). change edits the check and the outcome
// before the decision.
func pendingRun(change func(c *Check, o *Outcome)) (Check, Outcome) {
	c := Check{
		ID:            checkID,
		Allocation:    Allocation{FieldOwner: "team-search", FieldWorkload: "search-summaries", FieldEnvironment: "prod", FieldProduct: "search", FieldCostCenter: "cc-42"},
		Operator:      "finops-platform",
		FollowUpOwner: "team-search",
		SourceURLs:    map[string]string{},
		VerifySources: true,
		Request:       probe.Request{Endpoint: "https://user:pw@api.example.com/v1?x=1", Protocol: probe.OpenAIChat, Model: fakeModel},
		UnitName:      "summary",
		BillingUnit:   "1k summaries",
	}
	at := time.Date(2026, 11, 28, 9, 30, 0, 0, time.UTC)
	o := Outcome{
		RunID: "cost-handoff-20261128-3f9a1c2b7d4e-002", ReviewedAt: at, ReviewDueAt: at.AddDate(0, 0, 30),
		Probe: probe.Outcome{
			HappyPath: probe.Result{Category: probe.CategoryOK, StatusCode: 200, Attempts: 1, RequestID: fakeRequestID, UpstreamRequestID: "up-1",
				Model: fakeModel, Usage: probe.Usage{Found: true, InputTokens: 8, OutputTokens: 1, TotalTokens: 9}},
			ErrorPath: probe.Result{Category: probe.CategoryAuthFailure, StatusCode: 401, Attempts: 1},
		},
		HappyPathResult: resultPass, ErrorPathResult: resultPass,
		Ledger:                &ledger.Result{Status: ledger.Pending, Message: "no bucket yet; a later refresh reads it again"},
		CredentialFingerprint: "0a1b2c3d",
	}
	for i, kind := range sourceKinds {
		c.SourceURLs[kind] = "https://example.com/" + kind
		o.Sources = append(o.Sources, sources.Page{Kind: kind, URL: c.SourceURLs[kind], Result: sources.Pass, StatusCode: 200,
			SHA256: strings.Repeat(string(rune('a'+i)), 64)})
	}
	o.ChangedSources = []string{sourcePricing}
	if change != nil {
		change(&c, &o)
	}
	o.Allocation = DefaultPolicy().CheckAllocation(c.Allocation)
	o.decide(c, true)
	return c, o
}

// A refresh that finds a pending run's bucket re-derives the decision by
// the rules the run decided with, and its log is, byte for byte, the log
// apply would have written had the ledger answered so at apply: both are
// rendered from one record by one function.
func TestReconfirmRendersTheLogApplyWould(t *testing.T) {
	failedPage := func(_ *Check, o *Outcome) {
		o.Sources[1] = sources.Page{Kind: o.Sources[1].Kind, URL: o.Sources[1].URL, Result: sources.Fail, StatusCode: 404}
		o.ChangedSources = nil
	}
	tests := []struct {
		name    string
		change  func(c *Check, o *Outcome)
		at      ledger.Result // what the refresh reads
		want    Decision
		wantWhy []Reason
	}{
		{"confirmed, a changed page still a review", nil,
			ledger.Result{Status: ledger.Confirmed, PromptTokens: 8, CompletionTokens: 1}, Review, []Reason{reasonSourceChanged}},
		{"confirmed: proceed", func(_ *Check, o *Outcome) { o.ChangedSources = nil },
			ledger.Result{Status: ledger.Confirmed, PromptTokens: 8, CompletionTokens: 1}, Proceed, nil},
		{"confirmed with a cost", func(c *Check, o *Outcome) {
			o.ChangedSources, o.ReviewDueAt, c.UnitName, c.BillingUnit = nil, time.Time{}, "", ""
			delete(c.Allocation, FieldProduct)
		}, ledger.Result{Status: ledger.Mismatch, ChargedUSD: "0.000012", Quota: 6, HasQuota: true}, Review, []Reason{reasonLedgerMismatch}},
		{"confirmed, a page that failed unverified", failedPage,
			ledger.Result{Status: ledger.Confirmed}, Review, []Reason{reasonSourceUnverified}},
		{"sources skipped, no upstream id", func(c *Check, o *Outcome) {
			c.VerifySources = false
			o.Sources, o.ChangedSources = sources.Skip(c.SourceURLs), nil
			o.Probe.HappyPath.UpstreamRequestID = ""
		}, ledger.Result{Status: ledger.Confirmed}, Review, []Reason{reasonSourceUnverified}},
		{"not found after 24 h: stop", nil,
			ledger.Result{Status: ledger.NotFound, Message: "HTTP 500, 24h0m0s after the smoke request: not found"}, Stop,
			[]Reason{reasonLedgerUnconfirmed, reasonSourceChanged}},
		{"ambiguous without a request id: stop", func(_ *Check, o *Outcome) { o.Probe.HappyPath.RequestID = "" },
			ledger.Result{Status: ledger.Ambiguous}, Stop, []Reason{reasonLedgerUnconfirmed, reasonSourceChanged, reasonRequestIDMissing}},
		{"an error path that failed and a retry still stop", func(_ *Check, o *Outcome) {
			o.ChangedSources = nil
			o.Probe.ErrorPath = probe.Result{Category: probe.CategoryServerError, StatusCode: 500, Attempts: 2}
			o.ErrorPathResult = resultFail
		}, ledger.Result{Status: ledger.Confirmed}, Stop, []Reason{reasonErrorPathFailed, reasonUncontrolledRetry}},
		{"an allocation gap still stops", func(c *Check, o *Outcome) {
			o.ChangedSources = nil
			delete(c.Allocation, FieldEnvironment)
		}, ledger.Result{Status: ledger.Confirmed}, Stop, []Reason{reasonAllocationGap}},
		{"no sources at all", func(c *Check, o *Outcome) { c.SourceURLs, o.Sources, o.ChangedSources = nil, nil, nil },
			ledger.Result{Status: ledger.Confirmed}, Proceed, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, pending := pendingRun(tt.change)
			if pending.Decision == Proceed || !slices.Contains(pending.Reasons, reasonLedgerPending) {
				t.Fatalf("the run at apply decided %s %v, want a pending review", pending.Decision, pending.Reasons)
			}
			got := Reconfirm(pending.logFields(c), tt.at)

			// The same run, had the ledger answered so at apply.
			applied := pending
			answer := tt.at
			applied.Ledger = &answer
			applied.decide(c, true)

			if got.Log != applied.Log {
				t.Errorf("the refresh's log differs from apply's:\n--- refresh\n%s--- apply\n%s", got.Log, applied.Log)
			}
			if got.Decision != applied.Decision || !slices.Equal(got.Reasons, applied.Reasons) || got.EvidenceCaptured != applied.EvidenceCaptured {
				t.Errorf("Reconfirm = %s %v evidence %v, apply %s %v %v", got.Decision, got.Reasons, got.EvidenceCaptured,
					applied.Decision, applied.Reasons, applied.EvidenceCaptured)
			}
			if got.Decision != tt.want || !slices.Equal(got.Reasons, tt.wantWhy) {
				t.Errorf("Reconfirm = %s %v, want %s %v", got.Decision, got.Reasons, tt.want, tt.wantWhy)
			}
			if got.Log == pending.Log || !strings.Contains(got.Log, "\nledger: "+string(tt.at.Status)) {
				t.Errorf("the refresh's log does not record the ledger's answer:\n%s", got.Log)
			}
		})
	}
}

// A refresh's ledger result holding the second half of the key in pieces
// of 5 (the message) and 4 (the model), the run's stored message the
// first half: put together they spell the key, and ScrubRecheck removes
// the new pieces (the stored strings are only read). Fields of no piece
// are kept.
func TestScrubRecheckRemovesPiecesAcrossStoredFields(t *testing.T) {
	const key = "sk-test-Hq3Zv7Mw2Kx9Rb5Ty8Pn"
	stored := []string{"the gateway said " + key[8:15] + ": error", "req_0001"}
	l := ledger.Result{Status: ledger.NotFound, Message: "the usage API answered HTTP 500: " + key[13:18] + " / " + key[18:23] + " failed",
		Model: key[23:], RequestID: "req_0002"}
	ScrubRecheck(&l, stored, key, "")
	all := strings.Join(append(stored, l.Message, l.Model, l.RequestID), "")
	if run := leakcheck.Find(all, key); run != "" {
		t.Errorf("the fields put together hold %q: message %q, model %q", run, l.Message, l.Model)
	}
	if !strings.Contains(l.Message, "the usage API answered HTTP 500") || l.RequestID != "req_0002" {
		t.Errorf("message %q, request id %q: more than the pieces went", l.Message, l.RequestID)
	}
	// The check can fail: without the refresh's secrets nothing is removed.
	l2 := ledger.Result{Message: "x " + key[13:18] + " / " + key[18:23], Model: key[23:]}
	ScrubRecheck(&l2, stored)
	if leakcheck.Find(strings.Join(append(stored, l2.Message, l2.Model), ""), key) == "" {
		t.Errorf("the fields spell no run of the key without the scrub: the test proves nothing")
	}
}
