package handoff

import (
	"slices"
	"strings"
	"testing"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/ledger"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/sanitize/leakcheck"
)

// A refresh that finds a pending run's bucket re-derives the decision by
// the rules the run decided with: the other reasons stay, the ledger's go
// or change, and only the log's lines of each change.
func TestReconfirm(t *testing.T) {
	pendingLog := func(reasons string) string {
		l := "run_id: r-001\nevidence_captured: no\ndecision: review\nfollow_up_owner: team\n"
		if reasons != "" {
			l += "decision_reasons: " + reasons + "\n"
		}
		return l + "model: m\nledger: pending\nsource_pricing: pass\n"
	}
	tests := []struct {
		name     string
		reasons  []Reason
		status   ledger.Status
		want     Decision
		wantWhy  []Reason
		evidence bool
		logLines []string
	}{
		{"confirmed: proceed", []Reason{ReasonLedgerPending}, ledger.Confirmed, Proceed, nil, true,
			[]string{"evidence_captured: yes", "decision: proceed", "ledger: confirmed"}},
		{"confirmed, an unverified source still a review", []Reason{ReasonLedgerPending, ReasonSourceUnverified}, ledger.Confirmed,
			Review, []Reason{ReasonSourceUnverified}, true, []string{"decision: review", "decision_reasons: source_unverified"}},
		{"not found after 24 h: stop", []Reason{ReasonLedgerPending}, ledger.NotFound, Stop, []Reason{ReasonLedgerUnconfirmed}, false,
			[]string{"decision: stop", "decision_reasons: ledger_unconfirmed", "ledger: not_found", "evidence_captured: no"}},
		{"ambiguous: stop", []Reason{ReasonLedgerPending, ReasonRequestIDMissing}, ledger.Ambiguous, Stop,
			[]Reason{ReasonLedgerUnconfirmed, ReasonRequestIDMissing}, false, []string{"decision: stop"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			codes := make([]string, len(tt.reasons))
			for i, r := range tt.reasons {
				codes[i] = string(r)
			}
			log := pendingLog(strings.Join(codes, ", "))
			got := Reconfirm(tt.reasons, log, ledger.Result{Status: tt.status})
			if got.Decision != tt.want || !slices.Equal(got.Reasons, tt.wantWhy) || got.EvidenceCaptured != tt.evidence {
				t.Errorf("Reconfirm = %s %v evidence %v, want %s %v %v", got.Decision, got.Reasons, got.EvidenceCaptured, tt.want, tt.wantWhy, tt.evidence)
			}
			for _, l := range append(tt.logLines, "run_id: r-001", "model: m", "source_pricing: pass") {
				if !slices.Contains(strings.Split(got.Log, "\n"), l) {
					t.Errorf("log lacks %q:\n%s", l, got.Log)
				}
			}
			if len(tt.wantWhy) == 0 && strings.Contains(got.Log, "decision_reasons") {
				t.Errorf("log keeps decision_reasons without reasons:\n%s", got.Log)
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
