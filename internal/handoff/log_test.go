package handoff

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/ledger"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/probe"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/sources"
)

// baseFields are the log's first twelve field names, in order.
var baseFields = []string{
	"run_id", "reviewed_at", "operator", "source_urls_checked", "workload_tag", "owner_tag",
	"environment", "happy_path_result", "error_path_result", "evidence_captured", "decision", "follow_up_owner",
}

// fullEvidenceRun is a run with every evidence line: a ledger mismatch, one
// page of each kind of result, a changed page, every optional value.
func fullEvidenceRun() (Outcome, Check) {
	accessed := time.Date(2026, 11, 30, 9, 30, 0, 0, time.UTC)
	c := Check{
		ID: checkID,
		Allocation: Allocation{FieldOwner: "team-search", FieldWorkload: "search-api", FieldEnvironment: "prod",
			FieldProduct: "search", FieldCostCenter: "cc-42"},
		Operator: "finops-oncall", FollowUpOwner: "lead-search", UnitName: "document processed", BillingUnit: "1M tokens",
		// Userinfo and a query are never recorded: they may carry credentials.
		Request: probe.Request{Endpoint: "https://user:sk-fake-in-url@gateway.example.com:8443/v1?key=sk-fake-query#frag", Protocol: probe.OpenAIChat},
	}
	o := Outcome{
		RunID:           "cost-handoff-20261130-3f9a1c2b7d4e-002",
		ReviewedAt:      time.Date(2026, 11, 30, 9, 30, 15, 0, time.UTC),
		ReviewDueAt:     time.Date(2026, 12, 30, 9, 30, 15, 0, time.UTC),
		HappyPathResult: "pass",
		ErrorPathResult: "pass",
		Probe: probe.Outcome{
			HappyPath: probe.Result{Category: probe.CategoryOK, StatusCode: 200, Attempts: 1, RequestID: "2026113009301512345",
				UpstreamRequestID: "req_upstream_77", Model: "gpt-fake-mini-2026-11",
				Usage: probe.Usage{Found: true, InputTokens: 8, OutputTokens: 1, TotalTokens: 9}},
			ErrorPath: probe.Result{Category: probe.CategoryAuthFailure, StatusCode: 401, Attempts: 1},
		},
		Sources: []sources.Page{
			{Kind: "allocation", URL: "https://example.com/allocation", Result: sources.Pass, StatusCode: 200, CheckedAt: accessed,
				SHA256: "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b"},
			{Kind: "pricing", URL: "https://example.com/pricing", Result: sources.Pass, StatusCode: 200, CheckedAt: accessed,
				SHA256: "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"},
			{Kind: "support", URL: "https://example.com/support", Result: sources.Fail, StatusCode: 404, CheckedAt: accessed, Message: "HTTP 404"},
			{Kind: "unit_economics", URL: "https://example.com/unit", Result: sources.Fail, CheckedAt: accessed, Message: "timeout"},
		},
		ChangedSources: []string{"pricing"},
		Ledger: &ledger.Result{Status: ledger.Mismatch, MatchedBy: ledger.MatchedByRequestID, Quota: 150, HasQuota: true, ChargedUSD: "0.0003",
			PromptTokens: 9, CompletionTokens: 1},
		EvidenceCaptured:      true,
		CredentialFingerprint: "1a2b3c4d",
		Decision:              Review,
		Reasons:               []Reason{reasonSourceUnverified, reasonSourceChanged, reasonLedgerMismatch},
	}
	return o, c
}

func TestLogFullEvidence(t *testing.T) {
	o, c := fullEvidenceRun()
	want := `run_id: cost-handoff-20261130-3f9a1c2b7d4e-002
reviewed_at: 2026-11-30T09:30:15Z
operator: finops-oncall
source_urls_checked: [https://example.com/allocation, https://example.com/pricing]
workload_tag: search-api
owner_tag: team-search
environment: prod
happy_path_result: pass
error_path_result: pass
evidence_captured: yes
decision: review
follow_up_owner: lead-search
decision_reasons: source_unverified, source_changed, ledger_mismatch
endpoint: https://gateway.example.com:8443/v1
api_protocol: openai_chat
credential_fingerprint: 1a2b3c4d
happy_path_category: ok
error_path_category: auth_failure
model: gpt-fake-mini-2026-11
request_id: 2026113009301512345
upstream_request_id: req_upstream_77
tokens: input 8, output 1, total 9
ledger: mismatch, quota 150, charged_usd 0.0003
source_allocation: pass, HTTP 200, sha256 1a2b3c4d5e6f
source_pricing: pass, HTTP 200, sha256 ffeeddccbbaa, changed
source_support: fail, HTTP 404
source_unit_economics: fail
review_due_at: 2026-12-30T09:30:15Z
product: search
cost_center: cc-42
unit_name: document processed
billing_unit: 1M tokens
`
	if got := o.logFields(c).Render(); got != want {
		t.Errorf("log =\n%s\nwant\n%s", got, want)
	}
}

// A minimal log: the base fields only, empty ones without a trailing space.
func TestLogMinimal(t *testing.T) {
	f := RunRecord{
		RunID: "cost-handoff-20250305-001", ReviewedAt: "2025-03-05T03:30:15Z", WorkloadTag: "search-api",
		OwnerTag: "team-search", Environment: "prod", HappyPathResult: "fail", ErrorPathResult: "fail",
		EvidenceCaptured: "no", Decision: "stop",
		Ledger: &ledgerLine{}, // no status: no line
		Tokens: nil,
	}
	want := `run_id: cost-handoff-20250305-001
reviewed_at: 2025-03-05T03:30:15Z
operator:
source_urls_checked: []
workload_tag: search-api
owner_tag: team-search
environment: prod
happy_path_result: fail
error_path_result: fail
evidence_captured: no
decision: stop
follow_up_owner:
`
	if got := f.Render(); got != want {
		t.Errorf("log =\n%s\nwant\n%s", got, want)
	}
}

func TestLogLines(t *testing.T) {
	tests := []struct {
		name string
		f    RunRecord
		want map[string]string // field => value; "" value: the field must be absent
	}{
		{
			name: "ledger not found: just the status",
			f:    RunRecord{Ledger: &ledgerLine{Status: "not_found", Quota: 7}},
			want: map[string]string{"ledger": "not_found"},
		},
		{
			name: "ledger matched without a dollar figure",
			f:    RunRecord{Ledger: &ledgerLine{Status: "confirmed", Matched: true, Quota: 0, HasQuota: true}},
			want: map[string]string{"ledger": "confirmed, quota 0"},
		},
		{
			name: "a ledger that gives no quota shows none, never 0",
			f:    RunRecord{Ledger: &ledgerLine{Status: "confirmed", Matched: true, ChargedUSD: "0.00012"}},
			want: map[string]string{"ledger": "confirmed, charged_usd 0.00012"},
		},
		{
			name: "zero tokens are still shown when usage came",
			f:    RunRecord{Tokens: &TokenCounts{}},
			want: map[string]string{"tokens": "input 0, output 0, total 0"},
		},
		{
			name: "skipped page",
			f:    RunRecord{Sources: []sourceLine{{Kind: "pricing", Result: "skipped", Changed: true}}},
			want: map[string]string{"source_pricing": "skipped"},
		},
		{
			name: "a kind with space and a newline stays one field name",
			f:    RunRecord{Sources: []sourceLine{{Kind: "status\npage x", Result: "pass", StatusCode: 200}}},
			want: map[string]string{"source_status_page_x": "pass, HTTP 200"},
		},
		{
			name: "a short digest is shown whole",
			f:    RunRecord{Sources: []sourceLine{{Kind: "k", Result: "pass", SHA256: "abc"}}},
			want: map[string]string{"source_k": "pass, sha256 abc"},
		},
		{
			name: "blank evidence values are left out",
			f:    RunRecord{Model: " \t", RequestID: "\u200b", DecisionReasons: []string{}, Product: "\n"},
			want: map[string]string{"model": "", "request_id": "", "decision_reasons": "", "product": ""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log := tt.f.Render()
			for field, want := range tt.want {
				if want == "" {
					if hasLogField(log, field) {
						t.Errorf("log has a %s line:\n%s", field, log)
					}
					continue
				}
				if got := logValue(t, log, field); got != want {
					t.Errorf("%s = %q, want %q", field, got, want)
				}
			}
		})
	}
}

// Values come from configuration and from servers: none may forge a line,
// hide one from a terminal, or reorder the fields.
func TestLogCannotBeForged(t *testing.T) {
	forgeries := []string{
		"lead\u001b[1A\u001b[2Kdecision: proceed",
		"lead\ndecision: proceed",
		"lead\r\ndecision: proceed",
		"lead\rdecision: proceed",
		"lead\u2028decision: proceed",
		"lead\u0085decision: proceed",
		"lead\u009b2Kdecision: proceed",
		"lead\u202edeecorp :noisiced",
		"lead\x00\x08\x08\x08\x08decision: proceed",
		"lead\u200b\u200b",
		"\xff\xfelead",
	}
	for _, value := range forgeries {
		f := RunRecord{
			RunID: value, Operator: value, SourceURLsChecked: []string{value, value}, WorkloadTag: value, OwnerTag: value,
			Environment: value, FollowUpOwner: value, DecisionReasons: []string{value}, Endpoint: value, APIProtocol: value,
			CredentialFingerprint: value, Model: value, RequestID: value,
			UpstreamRequestID: value, Ledger: &ledgerLine{Status: value}, Sources: []sourceLine{{Kind: "pricing", Result: value}},
			Product: value, CostCenter: value, UnitName: value, BillingUnit: value, ReviewDueAt: value,
		}
		log := f.Render()
		lines := strings.Split(strings.TrimSuffix(log, "\n"), "\n")
		wantFields := append(slices.Clone(baseFields), "decision_reasons", "endpoint", "api_protocol", "credential_fingerprint", "model", "request_id", "upstream_request_id",
			"ledger", "source_pricing", "review_due_at", "product", "cost_center", "unit_name", "billing_unit")
		if len(lines) != len(wantFields) {
			t.Errorf("value %q: log has %d lines, want %d:\n%s", value, len(lines), len(wantFields), log)
			continue
		}
		for i, line := range lines {
			if name, _, _ := strings.Cut(line, ":"); name != wantFields[i] {
				t.Errorf("value %q: line %d is %q, want field %s", value, i, line, wantFields[i])
			}
			if i := strings.IndexFunc(line, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }); i >= 0 {
				t.Errorf("value %q: line %q holds a control or format character", value, line)
			}
			if strings.HasSuffix(line, " ") {
				t.Errorf("value %q: line %q ends in a space", value, line)
			}
		}
	}
}

func TestOneLine(t *testing.T) {
	tests := []struct{ in, want string }{
		{"team-search", "team-search"},
		{"  a \t b\n\nc  ", "a b c"},
		{"lead\u001b[1A\u001b[2Kdecision: proceed", "lead[1A[2Kdecision: proceed"},
		{"a\u200bb\ufeff", "ab"},
		{"\u202eabc", "abc"},
		{"a\u00a0b", "a b"},
		{"\u200b", ""},
		{"a\x00b", "ab"},
		{"caf\xe9", "caf\ufffd"},
		{"日本 語", "日本 語"},
	}
	for _, tt := range tests {
		if got := oneLine(tt.in); got != tt.want {
			t.Errorf("oneLine(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// A history entry is the run's log in one logfmt line: the checklist's
// fields but run_id in the log's order, the checked pages as kind:digest,
// then the evidence the run had.
func TestHistoryEntry(t *testing.T) {
	o, c := fullEvidenceRun()
	id, entry := o.logFields(c).historyEntry()
	want := `reviewed_at=2026-11-30T09:30:15Z operator=finops-oncall source_urls_checked=allocation:1a2b3c4d5e6f,pricing:ffeeddccbbaa ` +
		`workload_tag=search-api owner_tag=team-search environment=prod happy_path_result=pass error_path_result=pass ` +
		`evidence_captured=yes decision=review follow_up_owner=lead-search decision_reasons=source_unverified,source_changed,ledger_mismatch ` +
		`request_id=2026113009301512345 ledger="mismatch, quota 150, charged_usd 0.0003" endpoint=https://gateway.example.com:8443/v1`
	if id != o.RunID || entry != want {
		t.Errorf("historyEntry = %q, %q\nwant %q, %q", id, entry, o.RunID, want)
	}

	minimal := RunRecord{RunID: "cost-handoff-20261130-3f9a1c2b7d4e-001", ReviewedAt: "2026-11-30T09:30:15Z", Operator: "fin ops \"a=b\"",
		HappyPathResult: "fail", ErrorPathResult: "fail", EvidenceCaptured: "no", Decision: "stop",
		Sources: []sourceLine{{Kind: "pricing", Result: "skipped"}, {Kind: "support", Result: "pass", StatusCode: 200}}}
	_, entry = minimal.historyEntry()
	want = `reviewed_at=2026-11-30T09:30:15Z operator="fin ops \"a=b\"" source_urls_checked=support workload_tag="" owner_tag="" ` +
		`environment="" happy_path_result=fail error_path_result=fail evidence_captured=no decision=stop follow_up_owner=""`
	if entry != want {
		t.Errorf("minimal entry = %q\nwant %q", entry, want)
	}
	if entry := strings.Count(entry, "\n"); entry != 0 {
		t.Errorf("the entry spans %d lines", entry+1)
	}
	if id, entry := (RunRecord{Decision: "stop"}).historyEntry(); id != "" || entry != "" {
		t.Errorf("a record without run_id gives %q, %q", id, entry)
	}
}

func TestPushHistory(t *testing.T) {
	const (
		id1 = "cost-handoff-20261001-3f9a1c2b7d4e-001"
		id2 = "cost-handoff-20261101-3f9a1c2b7d4e-002"
		// A later sequence on an earlier date is still the newer run.
		id10 = "cost-handoff-20250101-3f9a1c2b7d4e-010"
	)
	older := map[string]string{id2: "decision=proceed", id1: "decision=stop"}
	run10 := RunRecord{RunID: id10, Decision: "review"}
	_, entry10 := run10.historyEntry()
	tests := []struct {
		name     string
		history  map[string]string
		previous RunRecord
		limit    int
		want     map[string]string
	}{
		{"first run adds nothing", nil, RunRecord{}, 10, map[string]string{}},
		{"added under its run id", older, run10, 10, map[string]string{id10: entry10, id2: "decision=proceed", id1: "decision=stop"}},
		{"trimmed to the limit, oldest removed", older, run10, 2, map[string]string{id10: entry10, id2: "decision=proceed"}},
		{"limit 0 keeps none", older, run10, 0, map[string]string{}},
		{"limit below 0 keeps none", older, run10, -1, map[string]string{}},
		{"no previous run: only trimmed", older, RunRecord{}, 1, map[string]string{id2: "decision=proceed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := maps.Clone(tt.history)
			got := PushHistory(tt.history, tt.previous, tt.limit)
			if got == nil || !maps.Equal(got, tt.want) {
				t.Errorf("PushHistory = %#v, want %#v", got, tt.want)
			}
			if !maps.Equal(tt.history, before) {
				t.Errorf("PushHistory changed its argument to %q", tt.history)
			}
		})
	}
}

func TestLogEndpoint(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://api.example.com/v1", "https://api.example.com/v1"},
		{"http://127.0.0.1:8080/v1/", "http://127.0.0.1:8080/v1/"},
		{"https://user:sk-fake-secret@api.example.com:8443/v1?key=sk-fake-q#x", "https://api.example.com:8443/v1"},
		{"not a url", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := LogEndpoint(tt.in); got != tt.want {
			t.Errorf("LogEndpoint(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// A fingerprint is 8 hex digits of the key's digest, the same for the same
// key, and never holds an 8-character run of the key itself, whatever the
// key's shape (hex keys included).
func TestCredentialFingerprint(t *testing.T) {
	keys := []string{approvedKey, "sk-test-Rk4Qz8Wv2Nm7Xc5Jb9Lt", " sk-test-padded ", "AIzaFakeKey0000000000000000000000",
		"0123456789abcdef0123456789abcdef", hex.EncodeToString(make([]byte, 32))}
	seen := map[string]string{}
	for _, key := range keys {
		fp := CredentialFingerprint(key)
		if !regexp.MustCompile(`^[0-9a-f]{8}$`).MatchString(fp) {
			t.Errorf("fingerprint of %q = %q, want 8 hex digits", key, fp)
		}
		for i := 0; i+fingerprintLength <= len(key); i++ {
			if strings.Contains(fp, strings.ToLower(key[i:i+fingerprintLength])) {
				t.Errorf("fingerprint %q holds %q of the key", fp, key[i:i+fingerprintLength])
			}
		}
		if other, dup := seen[fp]; dup {
			t.Errorf("%q and %q share fingerprint %q", key, other, fp)
		}
		seen[fp] = key
		if CredentialFingerprint(key) != fp {
			t.Errorf("fingerprint of %q is not stable", key)
		}
	}
	if CredentialFingerprint("") != "" {
		t.Error("no key has a fingerprint")
	}
	sum := sha256.Sum256([]byte(approvedKey))
	if got, want := CredentialFingerprint(approvedKey), hex.EncodeToString(sum[:])[:8]; got != want {
		t.Errorf("fingerprint = %q, want the first 8 hex digits of the SHA-256, %q", got, want)
	}
}

// A key that spells its digest's first window gets the next window that it
// does not spell: the fingerprint never holds a run of the key. (No real key
// can be built to hold its own digest, so the window choice is tested on a
// digest and a key made for it.)
func TestFingerprintWindowSkipsWhatTheKeySpells(t *testing.T) {
	digest := "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	tests := []struct{ key, want string }{
		{"sk-unrelated-key", "01234567"},
		{"sk-01234567-rest", "12345678"},
		{"SK-0123456789-REST", "3456789a"},
		{"sk-0123456789ABCDEF", "9abcdef0"},
	}
	for _, tt := range tests {
		if got := fingerprintWindow(digest, tt.key); got != tt.want {
			t.Errorf("fingerprintWindow(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
}
