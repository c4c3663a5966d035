package handoff

import (
	"slices"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/ledger"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/sanitize"
)

// reconfirmed is a run's decision re-derived after a refresh read its
// ledger again (a usage API's pending bucket): the same rules, the same
// facts, the ledger's new status.
type reconfirmed struct {
	Decision         Decision
	Reasons          []Reason
	EvidenceCaptured bool
	Log              string
}

// factsOf are the facts a run decided on, as its reasons show them: every
// rule but the ledger's reads one fact, and the reasons say which held.
func factsOf(reasons []Reason) runFacts {
	has := func(r Reason) bool { return slices.Contains(reasons, r) }
	f := runFacts{
		AllocationComplete: !has(reasonAllocationGap),
		HappyPathPassed:    !has(reasonHappyPathFailed),
		ErrorPathResult:    resultPass,
		MaxAttempts:        1,
		SourcesUnverified:  has(reasonSourceUnverified),
		SourcesChanged:     has(reasonSourceChanged),
		RequestIDPresent:   !has(reasonRequestIDMissing),
		LedgerConfigured:   true,
	}
	if has(reasonErrorPathFailed) {
		f.ErrorPathResult = resultFail
	}
	if has(reasonUncontrolledRetry) {
		f.MaxAttempts = 2
	}
	f.UsageCaptured = f.HappyPathPassed && !has(reasonEvidenceGap)
	return f
}

// ScrubRecheck applies the pieces rule (Outcome.scrubPieces) to a ledger
// result a refresh read, together with the strings the run already stored
// (its paths' messages and identifiers, its sources' messages): a server
// that sends a piece of a credential in the refresh's error text, the rest
// stored by the run, gets the new pieces removed from l. The stored
// strings are only read: each was scrubbed with the run's fields, so
// without l's pieces they spell no run of a credential, and what state
// keeps of them is left as it is. secrets are the credentials the refresh
// knows (the provider's api_key, the ledger token).
func ScrubRecheck(l *ledger.Result, stored []string, secrets ...string) {
	if l == nil {
		return
	}
	fields := ledgerFields(l)
	for i := range stored {
		s := stored[i]
		fields = append(fields, sanitize.Stored{Value: &s})
	}
	sanitize.New(secrets...).Pieces(fields...)
}

// Reconfirm re-derives a run, rec as state keeps it, now that its ledger
// says l: the decision, its reasons and evidence_captured by the rules the
// run decided with (factsOf), the ledger's line from l, and the log
// rendered from the whole record as apply renders it (RunRecord.Render).
func Reconfirm(rec RunRecord, l ledger.Result) reconfirmed {
	reasons := make([]Reason, len(rec.DecisionReasons))
	for i, r := range rec.DecisionReasons {
		reasons[i] = Reason(r)
	}
	f := factsOf(reasons)
	f.LedgerStatus = l.Status
	var out reconfirmed
	out.EvidenceCaptured = f.evidenceCaptured()
	out.Decision, out.Reasons = decideFacts(f)
	rec.EvidenceCaptured = YesNo(out.EvidenceCaptured)
	rec.Decision = string(out.Decision)
	rec.DecisionReasons = nil
	for _, r := range out.Reasons {
		rec.DecisionReasons = append(rec.DecisionReasons, string(r))
	}
	rec.SetLedger(&l)
	out.Log = rec.Render()
	return out
}
