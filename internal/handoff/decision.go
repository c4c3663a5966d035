package handoff

import "slices"

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
	ReasonSourceUnverified  Reason = "source_unverified"
	ReasonSourceChanged     Reason = "source_changed"
	ReasonRequestIDMissing  Reason = "request_id_missing"
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
	{ReasonHappyPathFailed, Stop, "the request with the approved key did not succeed"},
	{ReasonErrorPathFailed, Stop, "the request with an invalid key was not refused as an authentication failure; an accepted invalid key is the worst finding"},
	{ReasonEvidenceGap, Stop, "the happy path succeeded but its response carried no usage object with a positive total token count"},
	{ReasonUncontrolledRetry, Stop, "a path took more than one HTTP attempt"},
	{ReasonSourceUnverified, Review, "a source page could not be fetched, or verify_sources is false"},
	{ReasonSourceChanged, Review, "a source page's SHA-256 digest differs from the previous run's"},
	{ReasonRequestIDMissing, Review, "the happy path succeeded but the response carried no request id to trace the spend by"},
}

// Facts are the observations of one run that the decision depends on.
type Facts struct {
	AllocationComplete bool
	HappyPathPassed    bool
	ErrorPathPassed    bool
	EvidenceCaptured   bool
	MaxAttempts        int
	SourcesUnverified  bool
	SourcesChanged     bool
	RequestIDPresent   bool
}

// applies says which reasons hold for f, keyed like Reasons.
func (f Facts) applies() map[Reason]bool {
	return map[Reason]bool{
		ReasonAllocationGap:     !f.AllocationComplete,
		ReasonHappyPathFailed:   !f.HappyPathPassed,
		ReasonErrorPathFailed:   !f.ErrorPathPassed,
		ReasonEvidenceGap:       f.HappyPathPassed && !f.EvidenceCaptured,
		ReasonUncontrolledRetry: f.MaxAttempts > 1,
		ReasonSourceUnverified:  f.SourcesUnverified,
		ReasonSourceChanged:     f.SourcesChanged,
		ReasonRequestIDMissing:  f.HappyPathPassed && !f.RequestIDPresent,
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
