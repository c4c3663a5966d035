package handoff

import (
	"slices"
	"strings"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/ledger"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/sanitize"
)

// Reconfirmed is a run's decision re-derived after a refresh read its
// ledger again (a usage API's pending bucket): the same rules, the same
// facts, the ledger's new status.
type Reconfirmed struct {
	Decision         Decision
	Reasons          []Reason
	EvidenceCaptured bool
	Log              string
}

// factsOf are the facts a run decided on, as its reasons show them: every
// rule but the ledger's reads one fact, and the reasons say which held.
func factsOf(reasons []Reason) Facts {
	has := func(r Reason) bool { return slices.Contains(reasons, r) }
	f := Facts{
		AllocationComplete: !has(ReasonAllocationGap),
		HappyPathPassed:    !has(ReasonHappyPathFailed),
		ErrorPathResult:    ResultPass,
		MaxAttempts:        1,
		SourcesUnverified:  has(ReasonSourceUnverified),
		SourcesChanged:     has(ReasonSourceChanged),
		RequestIDPresent:   !has(ReasonRequestIDMissing),
		LedgerConfigured:   true,
	}
	if has(ReasonErrorPathFailed) {
		f.ErrorPathResult = ResultFail
	}
	if has(ReasonUncontrolledRetry) {
		f.MaxAttempts = 2
	}
	f.UsageCaptured = f.HappyPathPassed && !has(ReasonEvidenceGap)
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

// Reconfirm re-derives a run that decided with reasons and wrote log, now
// that its ledger says l: the decision, its reasons, evidence_captured and
// the log's lines of each, the rest of the log as it was.
func Reconfirm(reasons []Reason, log string, l ledger.Result) Reconfirmed {
	f := factsOf(reasons)
	f.LedgerStatus = l.Status
	var out Reconfirmed
	out.EvidenceCaptured = f.EvidenceCaptured()
	out.Decision, out.Reasons = Decide(f)
	codes := make([]string, len(out.Reasons))
	for i, r := range out.Reasons {
		codes[i] = string(r)
	}
	line := LedgerLine{Status: string(l.Status), Matched: l.Matched(), Quota: l.Quota, HasQuota: l.HasQuota,
		ChargedUSD: l.ChargedUSD, Provider: l.ProviderName, Model: l.Model}
	out.Log = replaceLines(log, map[string]string{
		"evidence_captured": YesNo(out.EvidenceCaptured),
		"decision":          string(out.Decision),
		"decision_reasons":  joinOneLine(codes),
		"ledger":            line.render(),
	}, "follow_up_owner")
	return out
}

// replaceLines sets the log's "name: value" lines to values: a line whose
// value is "" goes, a missing one is added after the line named after
// (decision_reasons follows follow_up_owner), or at the end.
func replaceLines(log string, values map[string]string, after string) string {
	lines := strings.Split(strings.TrimSuffix(log, "\n"), "\n")
	done := map[string]bool{}
	var out []string
	for _, ln := range lines {
		name, _, _ := strings.Cut(ln, ":")
		v, ok := values[name]
		if !ok {
			out = append(out, ln)
			if name == after {
				if rv := values["decision_reasons"]; rv != "" && !strings.Contains(log, "\ndecision_reasons:") {
					out = append(out, "decision_reasons: "+oneLine(rv))
					done["decision_reasons"] = true
				}
			}
			continue
		}
		done[name] = true
		if v = oneLine(v); v != "" {
			out = append(out, name+": "+v)
		}
	}
	for _, name := range []string{"ledger"} {
		if v := oneLine(values[name]); !done[name] && v != "" {
			out = append(out, name+": "+v)
		}
	}
	return strings.Join(out, "\n") + "\n"
}
