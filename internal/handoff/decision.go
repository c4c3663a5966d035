package handoff

import (
	"slices"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/ledger"
)

// Decision is what the budget owner is told to do.
type Decision string

// Decisions, from best to worst.
const (
	Proceed Decision = "proceed"
	Review  Decision = "review"
	Stop    Decision = "stop"
)

// Reason is a decision_reasons code.
type Reason string

// Reason codes; Reasons describes each one.
const (
	reasonAllocationGap     Reason = "allocation_gap"
	reasonHappyPathFailed   Reason = "happy_path_failed"
	reasonErrorPathFailed   Reason = "error_path_failed"
	reasonEvidenceGap       Reason = "evidence_gap"
	reasonUncontrolledRetry Reason = "uncontrolled_retry"
	reasonLedgerUnconfirmed Reason = "ledger_unconfirmed"
	reasonLedgerPending     Reason = "ledger_pending"
	reasonSourceUnverified  Reason = "source_unverified"
	reasonSourceChanged     Reason = "source_changed"
	reasonRequestIDMissing  Reason = "request_id_missing"
	reasonLedgerMismatch    Reason = "ledger_mismatch"
)

// reasonInfo documents one reason code: the decision it forces and when it applies.
type reasonInfo struct {
	Code     Reason
	Decision Decision
	Meaning  string
}

// Reasons is the single table of reason codes, in the order they are
// reported; the docs are generated from it.
var Reasons = []reasonInfo{
	{reasonAllocationGap, Stop, "a required allocation field (owner, workload, environment, ...) is missing, a placeholder, or not allowed"},
	{reasonHappyPathFailed, Stop, "the request with the approved key was not answered with category ok"},
	{reasonErrorPathFailed, Stop, "the request with an invalid key was not refused as an authentication failure: it was accepted (the worst finding), or the endpoint failed in another way so key enforcement is unproven"},
	{reasonEvidenceGap, Stop, "the happy path succeeded but its response carried no usage object with a positive total token count"},
	{reasonUncontrolledRetry, Stop, "more than one request of a path reached the wire"},
	{reasonLedgerUnconfirmed, Stop, "a ledger is configured and the smoke request's row was not found in it, or the ledger could not be read"},
	{reasonLedgerPending, Review, "a usage API whose data arrives minutes late (openai_usage, anthropic_usage) has not shown the smoke request's bucket yet; a refresh (terraform apply -refresh-only) reads it again and re-derives the decision"},
	{reasonSourceUnverified, Review, "a source page could not be fetched, or verify_sources is false"},
	{reasonSourceChanged, Review, "a source page's SHA-256 digest differs from the previous run's"},
	{reasonRequestIDMissing, Review, "the happy path succeeded but the response carried no request id to trace the spend by"},
	{reasonLedgerMismatch, Review, "the ledger row's tokens differ from the response's usage (e.g. the gateway's own estimate)"},
}

// meaning returns the meaning of code from Reasons, "" for an unknown code.
func meaning(code Reason) string {
	for _, info := range Reasons {
		if info.Code == code {
			return info.Meaning
		}
	}
	return ""
}

// runFacts are the observations of one run that the decision depends on.
type runFacts struct {
	AllocationComplete bool
	HappyPathPassed    bool
	// ErrorPathResult is resultPass, resultFail or resultInconclusive; any
	// other value counts as a failure, so zero runFacts show nothing passed.
	ErrorPathResult string
	// UsageCaptured: the happy path's response carried usage with a
	// positive total.
	UsageCaptured     bool
	MaxAttempts       int
	SourcesUnverified bool
	SourcesChanged    bool
	RequestIDPresent  bool
	LedgerConfigured  bool
	LedgerStatus      ledger.Status // "" when the ledger was not asked
}

// ledgerMatched: the ledger holds the smoke request's row.
func (f runFacts) ledgerMatched() bool { return f.LedgerStatus.Matched() }

// evidenceCaptured is the one rule of evidence: the happy
// path passed with positive usage and, when a ledger is configured, the
// ledger holds the request's row (a mismatch of tokens is a review, not a
// missing record).
func (f runFacts) evidenceCaptured() bool {
	return f.HappyPathPassed && f.UsageCaptured && (!f.LedgerConfigured || f.ledgerMatched())
}

// applies says which reasons hold for f, keyed like Reasons.
func (f runFacts) applies() map[Reason]bool {
	askLedger := f.LedgerConfigured && f.HappyPathPassed
	return map[Reason]bool{
		reasonAllocationGap:     !f.AllocationComplete,
		reasonHappyPathFailed:   !f.HappyPathPassed,
		reasonErrorPathFailed:   f.ErrorPathResult != resultPass && f.ErrorPathResult != resultInconclusive,
		reasonEvidenceGap:       f.HappyPathPassed && !f.UsageCaptured,
		reasonUncontrolledRetry: f.MaxAttempts > 1,
		reasonLedgerUnconfirmed: askLedger && !f.ledgerMatched() && f.LedgerStatus != ledger.Pending,
		reasonLedgerPending:     askLedger && f.LedgerStatus == ledger.Pending,
		reasonSourceUnverified:  f.SourcesUnverified,
		reasonSourceChanged:     f.SourcesChanged,
		reasonRequestIDMissing:  f.HappyPathPassed && !f.RequestIDPresent,
		reasonLedgerMismatch:    askLedger && f.LedgerStatus == ledger.Mismatch,
	}
}

// decideFacts returns stop if any stop reason applies, else review if any review
// reason applies, else proceed, with every reason that applied.
func decideFacts(f runFacts) (Decision, []Reason) {
	applies := f.applies()
	decision := Proceed
	var reasons []Reason
	for _, info := range Reasons {
		if !applies[info.Code] {
			continue
		}
		reasons = append(reasons, info.Code)
		if severity(info.Decision) > severity(decision) {
			decision = info.Decision
		}
	}
	return decision, reasons
}

func severity(d Decision) int { return slices.Index([]Decision{Proceed, Review, Stop}, d) }
