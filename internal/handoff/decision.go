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
	ReasonAllocationGap     Reason = "allocation_gap"
	ReasonHappyPathFailed   Reason = "happy_path_failed"
	ReasonErrorPathFailed   Reason = "error_path_failed"
	ReasonEvidenceGap       Reason = "evidence_gap"
	ReasonUncontrolledRetry Reason = "uncontrolled_retry"
	ReasonLedgerUnconfirmed Reason = "ledger_unconfirmed"
	ReasonLedgerPending     Reason = "ledger_pending"
	ReasonSourceUnverified  Reason = "source_unverified"
	ReasonSourceChanged     Reason = "source_changed"
	ReasonRequestIDMissing  Reason = "request_id_missing"
	ReasonLedgerMismatch    Reason = "ledger_mismatch"
)

// ReasonInfo documents one reason code: the decision it forces and when it applies.
type ReasonInfo struct {
	Code     Reason
	Decision Decision
	Meaning  string
}

// Reasons is the single table of reason codes, in the order they are
// reported; the docs are generated from it.
var Reasons = []ReasonInfo{
	{ReasonAllocationGap, Stop, "a required allocation field (owner, workload, environment, ...) is missing, a placeholder, or not allowed"},
	{ReasonHappyPathFailed, Stop, "the request with the approved key was not answered with category ok"},
	{ReasonErrorPathFailed, Stop, "the request with an invalid key was not refused as an authentication failure: it was accepted (the worst finding), or the endpoint failed in another way so key enforcement is unproven"},
	{ReasonEvidenceGap, Stop, "the happy path succeeded but its response carried no usage object with a positive total token count"},
	{ReasonUncontrolledRetry, Stop, "more than one request of a path reached the wire"},
	{ReasonLedgerUnconfirmed, Stop, "a ledger is configured and the smoke request's row was not found in it, or the ledger could not be read"},
	{ReasonLedgerPending, Review, "a usage API whose data arrives minutes late (openai_usage, anthropic_usage) has not shown the smoke request's bucket yet; a refresh (terraform apply -refresh-only) reads it again and re-derives the decision"},
	{ReasonSourceUnverified, Review, "a source page could not be fetched, or verify_sources is false"},
	{ReasonSourceChanged, Review, "a source page's SHA-256 digest differs from the previous run's"},
	{ReasonRequestIDMissing, Review, "the happy path succeeded but the response carried no request id to trace the spend by"},
	{ReasonLedgerMismatch, Review, "the ledger row's tokens differ from the response's usage (e.g. the gateway's own estimate)"},
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

// Facts are the observations of one run that the decision depends on.
type Facts struct {
	AllocationComplete bool
	HappyPathPassed    bool
	// ErrorPathResult is ResultPass, ResultFail or ResultInconclusive; any
	// other value counts as a failure, so zero Facts show nothing passed.
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
func (f Facts) ledgerMatched() bool { return f.LedgerStatus.Matched() }

// EvidenceCaptured is the one rule of evidence: the happy
// path passed with positive usage and, when a ledger is configured, the
// ledger holds the request's row (a mismatch of tokens is a review, not a
// missing record).
func (f Facts) EvidenceCaptured() bool {
	return f.HappyPathPassed && f.UsageCaptured && (!f.LedgerConfigured || f.ledgerMatched())
}

// applies says which reasons hold for f, keyed like Reasons.
func (f Facts) applies() map[Reason]bool {
	askLedger := f.LedgerConfigured && f.HappyPathPassed
	return map[Reason]bool{
		ReasonAllocationGap:     !f.AllocationComplete,
		ReasonHappyPathFailed:   !f.HappyPathPassed,
		ReasonErrorPathFailed:   f.ErrorPathResult != ResultPass && f.ErrorPathResult != ResultInconclusive,
		ReasonEvidenceGap:       f.HappyPathPassed && !f.UsageCaptured,
		ReasonUncontrolledRetry: f.MaxAttempts > 1,
		ReasonLedgerUnconfirmed: askLedger && !f.ledgerMatched() && f.LedgerStatus != ledger.Pending,
		ReasonLedgerPending:     askLedger && f.LedgerStatus == ledger.Pending,
		ReasonSourceUnverified:  f.SourcesUnverified,
		ReasonSourceChanged:     f.SourcesChanged,
		ReasonRequestIDMissing:  f.HappyPathPassed && !f.RequestIDPresent,
		ReasonLedgerMismatch:    askLedger && f.LedgerStatus == ledger.Mismatch,
	}
}

// Decide returns stop if any stop reason applies, else review if any review
// reason applies, else proceed, with every reason that applied.
func Decide(f Facts) (Decision, []Reason) {
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
