package handoff

import (
	"fmt"
	"strings"
)

// LogFields are the values of one run's handoff log (SPEC section 3, log):
// the twelve fields of the checklist it replaces, then the evidence a budget
// owner asks for. It renders without a run, so a state upgrader can turn an
// older record into a log.
type LogFields struct {
	RunID             string
	ReviewedAt        string // RFC 3339 UTC
	Operator          string
	SourceURLsChecked []string // only pages fetched successfully, in kind order
	WorkloadTag       string
	OwnerTag          string
	Environment       string
	HappyPathResult   string // pass or fail
	ErrorPathResult   string // pass, fail or inconclusive
	EvidenceCaptured  string // yes or no
	Decision          string
	FollowUpOwner     string

	// Evidence: each line is written only when it has a value.
	DecisionReasons   []string
	HappyPathCategory string
	ErrorPathCategory string
	Model             string
	RequestID         string
	UpstreamRequestID string
	Tokens            *TokenCounts // nil when the happy path carried no usage
	Ledger            *LedgerLine  // nil when no ledger was asked
	Sources           []SourceLine // in kind order
	ReviewDueAt       string
	Product           string
	CostCenter        string
	UnitName          string
	BillingUnit       string
}

// TokenCounts is the happy path's usage.
type TokenCounts struct{ Input, Output, Total int64 }

// LedgerLine is what the ledger said: its status and, when a row matched,
// the quota it charged.
type LedgerLine struct {
	Status     string
	Matched    bool
	Quota      int64
	HasQuota   bool   // the ledger gives a quota (LiteLLM and OpenRouter give a cost only)
	ChargedUSD string // "" when unknown
	Provider   string // the upstream provider the ledger names (OpenRouter); "" when none
	Model      string // the model the ledger recorded; shown with Provider
}

// SourceLine is one source page's check.
type SourceLine struct {
	Kind       string
	Result     string // pass, fail or skipped
	StatusCode int    // 0 when no response came
	SHA256     string // "" when no digest
	AccessedAt string // RFC 3339 UTC; "" when not fetched
	Changed    bool   // the digest differs from the previous run's
}

// digestPrefix is how much of a page's digest the log shows: enough to
// compare by eye, the full digest being in the sources attribute.
const digestPrefix = 12

// Render writes the log: one "field: value" line per field, base fields
// always, evidence only with a value. Every value goes through oneLine, so a
// value can neither add a line nor hide one from a terminal.
func (f LogFields) Render() string {
	var b strings.Builder
	line := func(name, value string) {
		b.WriteString(name)
		b.WriteByte(':')
		if v := oneLine(value); v != "" {
			b.WriteByte(' ')
			b.WriteString(v)
		}
		b.WriteByte('\n')
	}
	optional := func(name, value string) {
		if oneLine(value) != "" {
			line(name, value)
		}
	}
	line("run_id", f.RunID)
	line("reviewed_at", f.ReviewedAt)
	line("operator", f.Operator)
	b.WriteString("source_urls_checked: [" + joinOneLine(f.SourceURLsChecked) + "]\n")
	line("workload_tag", f.WorkloadTag)
	line("owner_tag", f.OwnerTag)
	line("environment", f.Environment)
	line("happy_path_result", f.HappyPathResult)
	line("error_path_result", f.ErrorPathResult)
	line("evidence_captured", f.EvidenceCaptured)
	line("decision", f.Decision)
	line("follow_up_owner", f.FollowUpOwner)

	optional("decision_reasons", joinOneLine(f.DecisionReasons))
	optional("happy_path_category", f.HappyPathCategory)
	optional("error_path_category", f.ErrorPathCategory)
	optional("model", f.Model)
	optional("request_id", f.RequestID)
	optional("upstream_request_id", f.UpstreamRequestID)
	if t := f.Tokens; t != nil {
		line("tokens", fmt.Sprintf("input %d, output %d, total %d", t.Input, t.Output, t.Total))
	}
	if l := f.Ledger; l != nil {
		optional("ledger", l.render())
	}
	for _, s := range f.Sources {
		if kind := strings.ReplaceAll(oneLine(s.Kind), " ", "_"); kind != "" {
			line("source_"+kind, s.render())
		}
	}
	optional("review_due_at", f.ReviewDueAt)
	optional("product", f.Product)
	optional("cost_center", f.CostCenter)
	optional("unit_name", f.UnitName)
	optional("billing_unit", f.BillingUnit)
	return b.String()
}

func (l LedgerLine) render() string {
	if oneLine(l.Status) == "" {
		return ""
	}
	parts := []string{l.Status}
	if l.Matched {
		if l.HasQuota {
			parts = append(parts, fmt.Sprintf("quota %d", l.Quota))
		}
		if l.ChargedUSD != "" {
			parts = append(parts, "charged_usd "+l.ChargedUSD)
		}
		if l.Provider != "" {
			parts = append(parts, "provider "+l.Provider, "model "+l.Model)
		}
	}
	return strings.Join(parts, ", ")
}

func (s SourceLine) render() string {
	if s.Result == "skipped" {
		return s.Result
	}
	parts := []string{s.Result}
	if s.StatusCode != 0 {
		parts = append(parts, fmt.Sprintf("HTTP %d", s.StatusCode))
	}
	if s.SHA256 != "" {
		parts = append(parts, "sha256 "+s.SHA256[:min(len(s.SHA256), digestPrefix)])
	}
	if s.AccessedAt != "" {
		parts = append(parts, "accessed "+s.AccessedAt)
	}
	if s.Changed {
		parts = append(parts, "changed")
	}
	return strings.Join(parts, ", ")
}

// joinOneLine flattens each value and joins them with ", ".
func joinOneLine(values []string) string {
	flat := make([]string, len(values))
	for i, v := range values {
		flat[i] = oneLine(v)
	}
	return strings.Join(flat, ", ")
}

// PushHistory is the one place history grows: previousLog goes in front of
// history (newest first) and the result keeps at most limit logs (limit < 0
// keeps none). An empty previousLog (a first run) pushes nothing. The
// caller's slice is never modified, and the result is never nil.
func PushHistory(history []string, previousLog string, limit int) []string {
	if previousLog == "" {
		return TrimHistory(history, limit)
	}
	return TrimHistory(append([]string{previousLog}, history...), limit)
}

// TrimHistory keeps the newest limit logs (limit < 0 keeps none) in a new
// slice, so appending to it cannot overwrite the caller's.
func TrimHistory(history []string, limit int) []string {
	limit = max(limit, 0)
	return append([]string{}, history[:min(len(history), limit)]...)
}

// YesNo renders a boolean the way the checklist does.
func YesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
