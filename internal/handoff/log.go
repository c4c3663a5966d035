package handoff

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/ledger"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/sources"
)

// RunRecord is one run's values: the twelve fields of the checklist the
// handoff replaces, then the evidence a budget owner asks for (DESIGN.md,
// the audit trail). It has two renderings: the run's log (Render) and its
// history entry (historyEntry), so the log's wording is never a storage
// format.
type RunRecord struct {
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
	DecisionReasons []string
	// Endpoint is the base URL tested, as LogEndpoint renders it.
	Endpoint              string
	APIProtocol           string
	CredentialFingerprint string
	HappyPathCategory     string
	ErrorPathCategory     string
	Model                 string
	RequestID             string
	UpstreamRequestID     string
	Tokens                *TokenCounts // nil when the happy path carried no usage
	Ledger                *ledgerLine  // nil when no ledger was asked
	Sources               []sourceLine // in kind order
	ReviewDueAt           string
	Product               string
	CostCenter            string
	UnitName              string
	BillingUnit           string
}

// SetSources records the run's source pages, in kind order, those whose
// kind is in changed marked as changed since the run before: the log's
// source lines, and source_urls_checked, the URLs of the pages checked
// successfully. Apply records the pages it fetched, a refresh the pages
// state keeps, by the same rule.
func (r *RunRecord) SetSources(pages []sources.Page, changed []string) {
	r.Sources = nil
	for _, p := range pages {
		r.Sources = append(r.Sources, sourceLine{Kind: p.Kind, Result: string(p.Result), StatusCode: p.StatusCode, SHA256: p.SHA256,
			Changed: slices.Contains(changed, p.Kind)})
	}
	r.SourceURLsChecked = checkedURLs(pages)
}

// SetLedger records what the ledger said; nil when no ledger was asked.
// Apply records its answer, a refresh the answer state keeps or the new
// one, by the same rule.
func (r *RunRecord) SetLedger(l *ledger.Result) { r.Ledger = ledgerLineOf(l) }

// TokenCounts is the happy path's usage.
type TokenCounts struct{ Input, Output, Total int64 }

// ledgerLine is what the ledger said: its status and, when a row matched,
// the quota it charged.
type ledgerLine struct {
	Status     string
	Matched    bool
	Quota      int64
	HasQuota   bool   // the ledger gives a quota (LiteLLM and OpenRouter give a cost only)
	ChargedUSD string // "" when unknown
	Provider   string // the upstream provider the ledger names (OpenRouter); "" when none
	Model      string // the model the ledger recorded; shown with Provider
}

// sourceLine is one source page's check.
type sourceLine struct {
	Kind       string
	Result     string // pass, fail or skipped
	StatusCode int    // 0 when no response came
	SHA256     string // "" when no digest
	Changed    bool   // the digest differs from the previous run's
}

// digestPrefix is how much of a page's digest the log shows: enough to
// compare by eye, the full digest being in the sources attribute.
const digestPrefix = 12

// Render writes the log: one "field: value" line per field, base fields
// always, evidence only with a value. Every value goes through oneLine, so a
// value can neither add a line nor hide one from a terminal.
func (f RunRecord) Render() string {
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
	optional("endpoint", f.Endpoint)
	optional("api_protocol", f.APIProtocol)
	optional("credential_fingerprint", f.CredentialFingerprint)
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

func (l ledgerLine) render() string {
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

func (s sourceLine) render() string {
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

// YesNo renders a boolean the way the checklist does.
func YesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// historyEntry is the run's run id and its history entry: one line of
// logfmt (key=value pairs separated by spaces, a value quoted when it holds
// a space, a quote, an equals sign or nothing) holding the checklist's
// fields but run_id (the entry's key) in the log's order, with
// source_urls_checked as kind:digest-prefix pairs for the pages that passed,
// then the evidence that tells runs apart at a glance (decision_reasons,
// request_id, ledger, endpoint), each only when the run had it. A record
// without a run id gives "", "". Every value is one line, as in the log.
func (f RunRecord) historyEntry() (runID, entry string) {
	runID = oneLine(f.RunID)
	if runID == "" {
		return "", ""
	}
	var checked []string
	for _, s := range f.Sources {
		kind := strings.ReplaceAll(oneLine(s.Kind), " ", "_")
		if kind == "" || s.Result != "pass" {
			continue
		}
		if s.SHA256 != "" {
			kind += ":" + oneLine(s.SHA256[:min(len(s.SHA256), digestPrefix)])
		}
		checked = append(checked, kind)
	}
	reasons := make([]string, len(f.DecisionReasons))
	for i, r := range f.DecisionReasons {
		reasons[i] = oneLine(r)
	}
	var ledger string
	if f.Ledger != nil {
		ledger = oneLine(f.Ledger.render())
	}
	pairs := []string{}
	field := func(name, value string) { pairs = append(pairs, name+"="+logfmtValue(oneLine(value))) }
	evidence := func(name, value string) {
		if oneLine(value) != "" {
			field(name, value)
		}
	}
	field("reviewed_at", f.ReviewedAt)
	field("operator", f.Operator)
	field("source_urls_checked", strings.Join(checked, ","))
	field("workload_tag", f.WorkloadTag)
	field("owner_tag", f.OwnerTag)
	field("environment", f.Environment)
	field("happy_path_result", f.HappyPathResult)
	field("error_path_result", f.ErrorPathResult)
	field("evidence_captured", f.EvidenceCaptured)
	field("decision", f.Decision)
	field("follow_up_owner", f.FollowUpOwner)
	evidence("decision_reasons", strings.Join(reasons, ","))
	evidence("request_id", f.RequestID)
	evidence("ledger", ledger)
	evidence("endpoint", f.Endpoint)
	return runID, strings.Join(pairs, " ")
}

// logfmtValue quotes a value that would otherwise not read back as one.
func logfmtValue(v string) string {
	if v == "" || strings.ContainsAny(v, " =\"\\") {
		return strconv.Quote(v)
	}
	return v
}

// PushHistory is the one place history grows: the entry of the previous
// run is added under its run id, and the result keeps at most limit
// entries, the oldest (lowest run sequence) removed first (limit < 0 keeps
// none). A previous record without a run id (a first run) adds nothing. The
// caller's map is never modified, and the result is never nil.
func PushHistory(history map[string]string, previous RunRecord, limit int) map[string]string {
	out := maps.Clone(history)
	if out == nil {
		out = map[string]string{}
	}
	if runID, entry := previous.historyEntry(); runID != "" {
		out[runID] = entry
	}
	return TrimHistory(out, limit)
}

// TrimHistory keeps the newest limit entries (limit < 0 keeps none) in a
// new map, so changing it cannot change the caller's.
func TrimHistory(history map[string]string, limit int) map[string]string {
	ids := slices.SortedFunc(maps.Keys(history), func(a, b string) int {
		if c := cmp.Compare(runSequence(a), runSequence(b)); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	out := make(map[string]string, min(len(ids), max(limit, 0)))
	for _, id := range ids[max(len(ids)-max(limit, 0), 0):] {
		out[id] = history[id]
	}
	return out
}

// LogEndpoint is how an endpoint is recorded: scheme, host, port and path,
// never userinfo, a query or a fragment, which may carry credentials. A
// value that does not parse as an absolute URL is recorded as nothing.
func LogEndpoint(endpoint string) string {
	u, err := url.Parse(strings.TrimSpace(endpoint))
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return oneLine((&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String())
}

// fingerprintLength is how many hex digits of the key's SHA-256 a
// fingerprint keeps: enough to tell keys apart, far too few to give one back.
const fingerprintLength = 8

// CredentialFingerprint names which approved key ran without storing it:
// the first hex digits of the SHA-256 of the key as sent, "" for no key. A
// digest that happened to spell part of the key itself is never used: the
// next window of the digest is taken instead, so the fingerprint never holds
// a run of the key.
func CredentialFingerprint(key string) string {
	if key == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(key))
	return fingerprintWindow(hex.EncodeToString(sum[:]), key)
}

// fingerprintWindow is the first window of the hex digest that the key does
// not spell.
func fingerprintWindow(digest, key string) string {
	lower := strings.ToLower(key)
	for i := 0; i+fingerprintLength <= len(digest); i++ {
		if fp := digest[i : i+fingerprintLength]; !strings.Contains(lower, fp) {
			return fp
		}
	}
	return "" // unreachable for a SHA-256 digest: a key would have to hold all of its windows
}
