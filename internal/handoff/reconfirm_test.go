package handoff

import (
	"slices"
	"strings"
	"testing"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/ledger"
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
