package handoff

import (
	"context"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/ledger"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/probe"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/sources"
)

func TestRunFirstRunProceeds(t *testing.T) {
	f := newFakeAPI(t)
	o := newRunner(nil).Run(t.Context(), completeCheck(f), Previous{}, 10)

	if want := "cost-handoff-20261130-3f9a1c2b7d4e-001"; o.RunID != want {
		t.Errorf("RunID = %q, want %q", o.RunID, want)
	}
	if !o.ReviewedAt.Equal(runReviewedAt) || o.ReviewedAt.Location() != time.UTC || !o.ReviewDueAt.IsZero() {
		t.Errorf("ReviewedAt = %s, ReviewDueAt = %s; want %s and none", o.ReviewedAt, o.ReviewDueAt, runReviewedAt)
	}
	if o.Decision != Proceed || len(o.Reasons) != 0 || !o.EvidenceCaptured || o.Ledger != nil {
		t.Errorf("decision = %s %v, evidence %v, ledger %v; want proceed with evidence and no ledger", o.Decision, o.Reasons, o.EvidenceCaptured, o.Ledger)
	}
	if o.HappyPathResult != resultPass || o.ErrorPathResult != resultPass {
		t.Errorf("results = %s / %s, want pass / pass", o.HappyPathResult, o.ErrorPathResult)
	}
	if happy, errPath := f.requestsPerPath(); happy != 1 || errPath != 1 {
		t.Errorf("server saw %d happy and %d error requests, want one each", happy, errPath)
	}
	if f.pageAuthorizationSeen {
		t.Error("a source page was fetched with an Authorization header")
	}
	if len(o.History) != 0 || o.History == nil {
		t.Errorf("History = %#v, want an empty map on a first run", o.History)
	}
	want := "run_id: cost-handoff-20261130-3f9a1c2b7d4e-001\n" +
		"reviewed_at: 2026-11-30T03:30:15Z\n" +
		"operator: finops-oncall\n" +
		"source_urls_checked: [" + strings.Join([]string{f.pageURL("allocation"), f.pageURL("pricing"), f.pageURL("support"), f.pageURL("unit_economics")}, ", ") + "]\n" +
		"workload_tag: search-api\n" +
		"owner_tag: team-search\n" +
		"environment: prod\n" +
		"happy_path_result: pass\n" +
		"error_path_result: pass\n" +
		"evidence_captured: yes\n" +
		"decision: proceed\n" +
		"follow_up_owner: team-search\n" +
		"endpoint: " + f.URL + "/v1\n" +
		"api_protocol: openai_chat\n" +
		"credential_fingerprint: " + CredentialFingerprint(approvedKey) + "\n" +
		"happy_path_category: ok\n" +
		"error_path_category: auth_failure\n" +
		"model: " + fakeModel + "\n" +
		"request_id: " + o.Probe.HappyPath.RequestID + "\n" +
		"tokens: input 8, output 1, total 9\n" +
		"source_allocation: pass, HTTP 200, sha256 " + o.Sources[0].SHA256[:12] + "\n" +
		"source_pricing: pass, HTTP 200, sha256 " + o.Sources[1].SHA256[:12] + "\n" +
		"source_support: pass, HTTP 200, sha256 " + o.Sources[2].SHA256[:12] + "\n" +
		"source_unit_economics: pass, HTTP 200, sha256 " + o.Sources[3].SHA256[:12] + "\n"
	if o.Probe.HappyPath.UpstreamRequestID != "" {
		want = strings.Replace(want, "tokens:", "upstream_request_id: "+o.Probe.HappyPath.UpstreamRequestID+"\ntokens:", 1)
	}
	if o.Log != want {
		t.Errorf("Log =\n%s\nwant\n%s", o.Log, want)
	}
	if o.Probe.HappyPath.RequestID == "" {
		t.Error("the happy path carried no request id; the fake sends one")
	}
	if got, want := o.Summary(), "Cost handoff cost-handoff-20261130-3f9a1c2b7d4e-001 decided proceed"; got != want {
		t.Errorf("Summary = %q, want %q", got, want)
	}
}

func TestRunDecisions(t *testing.T) {
	tests := []struct {
		name         string
		happy, other answer
		edit         func(f *fakeAPI, c *Check)
		want         Decision
		wantReasons  []Reason
		wantResults  [2]string // happy, error
		wantEvidence bool
		wantDetail   []string // substrings of Detail
		notInDetail  []string
	}{
		{
			name: "missing owner", edit: func(_ *fakeAPI, c *Check) { delete(c.Allocation, FieldOwner) },
			want: Stop, wantReasons: []Reason{reasonAllocationGap}, wantResults: [2]string{"pass", "pass"}, wantEvidence: true,
			wantDetail: []string{"Allocation: allocation incomplete: owner is not set: set a real value."},
		},
		{
			name: "approved key refused too: error path inconclusive", happy: answerAuth,
			want: Stop, wantReasons: []Reason{reasonHappyPathFailed}, wantResults: [2]string{"fail", "inconclusive"},
			wantDetail:  []string{"Error path: inconclusive (auth_failure, HTTP 401", "refused both keys", "proves nothing"},
			notInDetail: []string{"ACCEPTED"},
		},
		{
			name: "invalid key accepted", other: answerOK,
			want: Stop, wantReasons: []Reason{reasonErrorPathFailed}, wantResults: [2]string{"pass", "fail"}, wantEvidence: true,
			wantDetail: []string{"Error path: fail (ok, HTTP 200", "ACCEPTED an invalid key", "error_path_failed: "},
		},
		{
			name: "server error on both paths", happy: answerServer, other: answerServer,
			want: Stop, wantReasons: []Reason{reasonHappyPathFailed, reasonErrorPathFailed}, wantResults: [2]string{"fail", "fail"},
			wantDetail:  []string{"Happy path: fail (server_error, HTTP 500, 1 request on the wire", "answered with a server error"},
			notInDetail: []string{"ACCEPTED", "HTTP 500, 1 request on the wire, request id " + fakeRequestID + ", HTTP 500"},
		},
		{
			name: "endpoint unreachable",
			edit: func(_ *fakeAPI, c *Check) { c.Request.Endpoint = closedURL(t) + "/v1" },
			want: Stop, wantReasons: []Reason{reasonHappyPathFailed, reasonErrorPathFailed}, wantResults: [2]string{"fail", "fail"},
			wantDetail:  []string{"Error path: fail (network_error", "could not be reached"},
			notInDetail: []string{"ACCEPTED"},
		},
		{
			name: "no usage", happy: answerNoUsage,
			want: Stop, wantReasons: []Reason{reasonEvidenceGap}, wantResults: [2]string{"pass", "pass"},
		},
		{
			name: "zero usage", happy: answerZeroUsage,
			want: Stop, wantReasons: []Reason{reasonEvidenceGap}, wantResults: [2]string{"pass", "pass"},
		},
		{
			name: "no request id", happy: answerNoID,
			want: Review, wantReasons: []Reason{reasonRequestIDMissing}, wantResults: [2]string{"pass", "pass"}, wantEvidence: true,
		},
		{
			name: "a source page answers 404",
			edit: func(f *fakeAPI, _ *Check) { f.setPage(sourceSupport, http.StatusNotFound, "gone") },
			want: Review, wantReasons: []Reason{reasonSourceUnverified}, wantResults: [2]string{"pass", "pass"}, wantEvidence: true,
			wantDetail: []string{"Source pages:\n  - support /pages/support: failed, HTTP 404\n"},
		},
		{
			name: "sources not verified",
			edit: func(_ *fakeAPI, c *Check) { c.VerifySources = false },
			want: Review, wantReasons: []Reason{reasonSourceUnverified}, wantResults: [2]string{"pass", "pass"}, wantEvidence: true,
			wantDetail: []string{"pricing /pages/pricing: skipped, not fetched (verify_sources is false)", "source_pricing: skipped\n"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t)
			f.set(cmpOr(tt.happy, answerOK), cmpOr(tt.other, answerAuth))
			c := completeCheck(f)
			if tt.edit != nil {
				tt.edit(f, &c)
			}
			o := newRunner(nil).Run(t.Context(), c, Previous{}, 10)
			if o.Decision != tt.want || !slices.Equal(o.Reasons, tt.wantReasons) {
				t.Errorf("decision = %s %v, want %s %v", o.Decision, o.Reasons, tt.want, tt.wantReasons)
			}
			if got := [2]string{o.HappyPathResult, o.ErrorPathResult}; got != tt.wantResults {
				t.Errorf("results = %v, want %v", got, tt.wantResults)
			}
			if o.EvidenceCaptured != tt.wantEvidence || logValue(t, o.Log, "evidence_captured") != YesNo(tt.wantEvidence) {
				t.Errorf("evidence = %v, log %q; want %v", o.EvidenceCaptured, logValue(t, o.Log, "evidence_captured"), tt.wantEvidence)
			}
			if logValue(t, o.Log, "decision") != string(tt.want) || logValue(t, o.Log, "error_path_result") != tt.wantResults[1] {
				t.Errorf("log disagrees with the outcome:\n%s", o.Log)
			}
			detail := strings.ReplaceAll(o.Detail(), f.URL, "")
			for _, s := range tt.wantDetail {
				if !strings.Contains(detail, s) {
					t.Errorf("Detail lacks %q:\n%s", s, detail)
				}
			}
			for _, s := range tt.notInDetail {
				if strings.Contains(detail, s) {
					t.Errorf("Detail says %q:\n%s", s, detail)
				}
			}
			if !strings.HasSuffix(o.Detail(), "Log of "+o.RunID+":\n"+o.Log) {
				t.Errorf("Detail does not end with the run's log:\n%s", o.Detail())
			}
			for _, key := range []string{approvedKey, invalidKey} {
				if strings.Contains(o.Detail(), key) {
					t.Errorf("Detail holds a key:\n%s", o.Detail())
				}
			}
		})
	}
}

func cmpOr(a, def answer) answer {
	if a == "" {
		return def
	}
	return a
}

// closedURL is the base URL of a server that is no longer listening.
func closedURL(t *testing.T) string {
	t.Helper()
	f := newFakeAPI(t)
	f.Close()
	return f.URL
}

func TestRunListsOnlyPagesThatPassed(t *testing.T) {
	f := newFakeAPI(t)
	f.setPage(sourcePricing, http.StatusNotFound, "gone")
	o := newRunner(nil).Run(t.Context(), completeCheck(f), Previous{}, 10)

	want := "[" + strings.Join([]string{f.pageURL("allocation"), f.pageURL("support"), f.pageURL("unit_economics")}, ", ") + "]"
	if got := logValue(t, o.Log, "source_urls_checked"); got != want {
		t.Errorf("source_urls_checked = %s, want %s (the 404 page left out)", got, want)
	}
	if got := logValue(t, o.Log, "source_pricing"); got != "fail, HTTP 404" {
		t.Errorf("source_pricing = %q", got)
	}
}

func TestRunWithoutVerifyingSources(t *testing.T) {
	f := newFakeAPI(t)
	c := completeCheck(f)
	c.VerifySources = false
	o := newRunner(nil).Run(t.Context(), c, Previous{}, 10)
	if f.pageRequests != 0 {
		t.Errorf("server saw %d page requests, want none", f.pageRequests)
	}
	if got := logValue(t, o.Log, "source_urls_checked"); got != "[]" {
		t.Errorf("source_urls_checked = %q, want []", got)
	}
	for _, kind := range sourceKinds {
		if got := logValue(t, o.Log, "source_"+kind); got != "skipped" {
			t.Errorf("source_%s = %q, want skipped", kind, got)
		}
	}
}

func TestRunLedger(t *testing.T) {
	matched := func(status ledger.Status) ledger.Result {
		return ledger.Result{Status: status, MatchedBy: ledger.MatchedByRequestID, LogID: 42, RequestID: fakeRequestID,
			TokenName: "smoke-test", PromptTokens: 8, CompletionTokens: 1, Quota: 150, HasQuota: true, ChargedUSD: "0.0003"}
	}
	tests := []struct {
		name         string
		happy        answer
		result       ledger.Result
		wantAsked    bool
		want         Decision
		wantReasons  []Reason
		wantEvidence bool
		wantLine     string // the log's ledger line, "" for none
		wantDetail   string
	}{
		{
			name: "confirmed", result: matched(ledger.Confirmed), wantAsked: true,
			want: Proceed, wantEvidence: true, wantLine: "confirmed, quota 150, charged_usd 0.0003",
			wantDetail: "Ledger: confirmed, matched by request_id, quota 150, charged_usd 0.0003.",
		},
		{
			name: "mismatch", result: matched(ledger.Mismatch), wantAsked: true,
			want: Review, wantReasons: []Reason{reasonLedgerMismatch}, wantEvidence: true, wantLine: "mismatch, quota 150, charged_usd 0.0003",
		},
		{
			name: "ambiguous: several rows could be it", result: ledger.Result{Status: ledger.Ambiguous, Message: "2 rows could each be this request"},
			wantAsked: true, want: Stop, wantReasons: []Reason{reasonLedgerUnconfirmed}, wantLine: "ambiguous",
		},
		{
			name: "a cost-only ledger names no quota, and its provider and model", wantAsked: true, want: Proceed, wantEvidence: true,
			result: ledger.Result{Status: ledger.Confirmed, MatchedBy: ledger.MatchedByRequestID, RequestID: "gen-1", PromptTokens: 8,
				CompletionTokens: 1, ChargedUSD: "0.000012", ProviderName: "OpenAI", Model: "openai/gpt-fake-mini"},
			wantLine: "confirmed, charged_usd 0.000012, provider OpenAI, model openai/gpt-fake-mini",
		},
		{
			name: "not found", result: ledger.Result{Status: ledger.NotFound, Message: "no row within 30s"}, wantAsked: true,
			want: Stop, wantReasons: []Reason{reasonLedgerUnconfirmed}, wantLine: "not_found",
			wantDetail: "Ledger: not_found: no row within 30s.",
		},
		{
			// The reader scrubs its own answers (the query carries the keys
			// for that, checked below); the runner passes them on as they are.
			name: "unavailable, the reader's message kept", wantAsked: true,
			result: ledger.Result{Status: ledger.Unavailable, Message: "HTTP 200: success false: bad token [redacted]"},
			want:   Stop, wantReasons: []Reason{reasonLedgerUnconfirmed}, wantLine: "unavailable",
			wantDetail: "Ledger: unavailable: HTTP 200: success false: bad token [redacted].",
		},
		{
			name: "happy path failed: ledger not asked", happy: answerServer, result: matched(ledger.Confirmed),
			want: Stop, wantReasons: []Reason{reasonHappyPathFailed},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t)
			f.set(cmpOr(tt.happy, answerOK), answerAuth)
			led := &fakeLedger{result: tt.result}
			o := newRunner(led).Run(t.Context(), completeCheck(f), Previous{}, 10)

			if o.Decision != tt.want || !slices.Equal(o.Reasons, tt.wantReasons) || o.EvidenceCaptured != tt.wantEvidence {
				t.Errorf("decision = %s %v evidence %v, want %s %v %v", o.Decision, o.Reasons, o.EvidenceCaptured, tt.want, tt.wantReasons, tt.wantEvidence)
			}
			queries := led.calls()
			if !tt.wantAsked {
				if len(queries) != 0 || o.Ledger != nil || hasLogField(o.Log, "ledger") {
					t.Errorf("ledger asked %d times, Ledger %v; want not asked", len(queries), o.Ledger)
				}
				return
			}
			want := ledger.Query{
				RequestID: o.Probe.HappyPath.RequestID, BodyID: o.Probe.HappyPath.BodyID, Model: "gpt-fake-mini",
				// The stepping clock: reviewed_at, then before the probe, then after it.
				SentAt: runClock.Add(time.Second), ReceivedAt: runClock.Add(2 * time.Second),
				ServerDate: o.Probe.HappyPath.ServerDate, PromptTokens: 8, CompletionTokens: 1,
				Key: completeCheck(f).ApprovedKey, Secrets: []string{completeCheck(f).InvalidKey},
				Endpoint: completeCheck(f).Request.Endpoint,
			}
			// SentAt is the probe's own start carried onto the stepping clock:
			// later than before the probe by the real time the probe took to
			// start, a fraction of a second here.
			got := slices.Clone(queries)
			if len(got) == 1 {
				if d := got[0].SentAt.Sub(want.SentAt); d >= 0 && d < time.Second {
					got[0].SentAt = want.SentAt
				}
			}
			if len(got) != 1 || !reflect.DeepEqual(got[0], want) || want.ServerDate.IsZero() {
				t.Errorf("ledger queries = %+v, want one %+v", queries, want)
			}
			if o.Ledger == nil || o.Ledger.Status != tt.result.Status {
				t.Fatalf("Ledger = %+v, want status %s", o.Ledger, tt.result.Status)
			}
			if got := logValue(t, o.Log, "ledger"); got != tt.wantLine {
				t.Errorf("ledger line = %q, want %q", got, tt.wantLine)
			}
			if tt.wantDetail != "" && !strings.Contains(o.Detail(), tt.wantDetail) {
				t.Errorf("Detail lacks %q:\n%s", tt.wantDetail, o.Detail())
			}
		})
	}
}

func TestRunWithoutLedgerNeverAsks(t *testing.T) {
	f := newFakeAPI(t)
	r := newRunner(nil)
	o := r.Run(t.Context(), completeCheck(f), Previous{}, 10)
	if o.Ledger != nil || hasLogField(o.Log, "ledger") || o.Decision != Proceed {
		t.Errorf("Ledger = %+v, decision %s; want none and proceed", o.Ledger, o.Decision)
	}
}

func TestRunAfterPreviousRun(t *testing.T) {
	const (
		run1 = "cost-handoff-20261001-3f9a1c2b7d4e-001"
		run2 = "cost-handoff-20261101-3f9a1c2b7d4e-002"
		run3 = "cost-handoff-20261130-3f9a1c2b7d4e-003"
	)
	older := map[string]string{
		"cost-handoff-20261101-3f9a1c2b7d4e-002": "reviewed_at=2026-11-01T03:30:15Z decision=proceed",
		"cost-handoff-20261001-3f9a1c2b7d4e-001": "reviewed_at=2026-10-01T03:30:15Z decision=stop",
	}
	tests := []struct {
		name         string
		changePage   bool
		historyLimit int
		wantDecision Decision
		wantReasons  []Reason
		wantHistory  []string // run ids kept
	}{
		{name: "unchanged pages", historyLimit: 10, wantDecision: Proceed, wantHistory: []string{run1, run2, run3}},
		{name: "changed pricing page", changePage: true, historyLimit: 10, wantDecision: Review, wantReasons: []Reason{reasonSourceChanged}, wantHistory: []string{run1, run2, run3}},
		{name: "history limit: the oldest runs go", historyLimit: 2, wantDecision: Proceed, wantHistory: []string{run2, run3}},
		{name: "history limit 0", historyLimit: 0, wantDecision: Proceed, wantHistory: []string{}},
		{name: "history limit below 0", historyLimit: -1, wantDecision: Proceed, wantHistory: []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t)
			runner := newRunner(nil)
			first := runner.Run(t.Context(), completeCheck(f), Previous{RunID: "cost-handoff-20261101-3f9a1c2b7d4e-002", History: older}, 10)
			if first.RunID != "cost-handoff-20261130-3f9a1c2b7d4e-003" {
				t.Fatalf("first run id = %s", first.RunID)
			}
			if tt.changePage {
				f.setPage(sourcePricing, http.StatusOK, "<html>new pricing</html>")
			}
			prev := Previous{RunID: first.RunID, Record: first.logFields(completeCheck(f)), Sources: first.Sources, History: first.History}
			second := runner.Run(t.Context(), completeCheck(f), prev, tt.historyLimit)

			if second.RunID != "cost-handoff-20261130-3f9a1c2b7d4e-004" {
				t.Errorf("RunID = %q, want sequence 004", second.RunID)
			}
			if second.Decision != tt.wantDecision || !slices.Equal(second.Reasons, tt.wantReasons) {
				t.Errorf("decision = %s %v, want %s %v", second.Decision, second.Reasons, tt.wantDecision, tt.wantReasons)
			}
			if got := slices.Sorted(maps.Keys(second.History)); !slices.Equal(got, tt.wantHistory) {
				t.Errorf("History holds %q, want %q", got, tt.wantHistory)
			}
			if _, entry := first.logFields(completeCheck(f)).historyEntry(); slices.Contains(tt.wantHistory, run3) && second.History[run3] != entry {
				t.Errorf("History[%s] = %q, want the first run's entry %q", run3, second.History[run3], entry)
			}
			for _, id := range []string{run1, run2} {
				if slices.Contains(tt.wantHistory, id) && second.History[id] != older[id] {
					t.Errorf("History[%s] = %q, want it kept as it was", id, second.History[id])
				}
			}
			wantChanged := !tt.changePage
			if got := logValue(t, second.Log, "source_pricing"); strings.HasSuffix(got, ", changed") == wantChanged {
				t.Errorf("source_pricing = %q, changed mark wanted: %v", got, tt.changePage)
			}
			if tt.changePage && !strings.Contains(second.Detail(), "pricing "+f.pageURL("pricing")+": changed since the previous run") {
				t.Errorf("Detail does not name the changed page:\n%s", second.Detail())
			}
		})
	}
}

func TestRunReviewDue(t *testing.T) {
	f := newFakeAPI(t)
	c := completeCheck(f)
	c.ReviewIntervalDays = 30
	c.UnitName, c.BillingUnit = "document processed", "1M tokens"
	c.Allocation[FieldProduct], c.Allocation[FieldCostCenter] = "search", "cc-42"
	o := newRunner(nil).Run(t.Context(), c, Previous{}, 10)
	if want := runReviewedAt.AddDate(0, 0, 30); !o.ReviewDueAt.Equal(want) {
		t.Errorf("ReviewDueAt = %s, want %s", o.ReviewDueAt, want)
	}
	for field, want := range map[string]string{
		"review_due_at": "2026-12-30T03:30:15Z", "product": "search", "cost_center": "cc-42",
		"unit_name": "document processed", "billing_unit": "1M tokens",
	} {
		if got := logValue(t, o.Log, field); got != want {
			t.Errorf("%s = %q, want %q", field, got, want)
		}
	}
}

func TestRunCountsAttempts(t *testing.T) {
	// uncontrolled_retry reads the probe's count: a run never claims fewer
	// requests than the server saw.
	f := newFakeAPI(t)
	o := newRunner(nil).Run(t.Context(), completeCheck(f), Previous{}, 10)
	happy, errPath := f.requestsPerPath()
	if o.Probe.HappyPath.Attempts != happy || o.Probe.ErrorPath.Attempts != errPath {
		t.Errorf("attempts %d/%d, server saw %d/%d", o.Probe.HappyPath.Attempts, o.Probe.ErrorPath.Attempts, happy, errPath)
	}
}

// An interrupted apply cancels the run's context: the run must come back at
// once, without waiting for a slow endpoint, and still decide.
func TestRunReturnsPromptlyWhenCancelled(t *testing.T) {
	release := make(chan struct{})
	slow := http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	f := newFakeAPI(t)
	f.Config.Handler = slow
	t.Cleanup(func() { close(release) })
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(200*time.Millisecond, cancel)

	start := time.Now()
	o := newRunner(&fakeLedger{}).Run(ctx, completeCheck(f), Previous{}, 10)
	if elapsed := time.Since(start); elapsed > 4*time.Second {
		t.Fatalf("Run took %s after cancellation; it must not wait for the endpoint", elapsed)
	}
	for name, r := range map[string]probe.Result{"happy": o.Probe.HappyPath, "error": o.Probe.ErrorPath} {
		if r.Category != probe.CategoryTimeout {
			t.Errorf("%s path: category %s, want timeout", name, r.Category)
		}
	}
	if o.Decision != Stop || o.Ledger != nil {
		t.Errorf("decision %s, ledger %v; want stop without asking the ledger", o.Decision, o.Ledger)
	}
	for _, p := range o.Sources {
		if p.Result != sources.Fail {
			t.Errorf("source %s = %s, want a failure", p.Kind, p.Result)
		}
	}
}

// The probe sends one request per path, so a Runner against a server never
// sees a retry; these runs are built by hand to show what the decision reads.
func TestOutcomeFacts(t *testing.T) {
	o, c := fullEvidenceRun()
	c.VerifySources = true
	o.Allocation = DefaultPolicy().CheckAllocation(c.Allocation)
	tests := []struct {
		name string
		edit func(o *Outcome, c *Check)
		want func(f *runFacts)
	}{
		{"as run", func(*Outcome, *Check) {}, func(*runFacts) {}},
		{"a retried happy path", func(o *Outcome, _ *Check) { o.Probe.HappyPath.Attempts = 2 }, func(f *runFacts) { f.MaxAttempts = 2 }},
		{"a retried error path", func(o *Outcome, _ *Check) { o.Probe.ErrorPath.Attempts = 3 }, func(f *runFacts) { f.MaxAttempts = 3 }},
		{"no usage object", func(o *Outcome, _ *Check) { o.Probe.HappyPath.Usage = probe.Usage{TotalTokens: 9} }, func(f *runFacts) { f.UsageCaptured = false }},
		{"sources all passed", func(o *Outcome, _ *Check) { o.Sources = o.Sources[:2] }, func(f *runFacts) { f.SourcesUnverified = false }},
		{"no ledger asked", func(o *Outcome, _ *Check) { o.Ledger = nil }, func(f *runFacts) { f.LedgerStatus = "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, c := o, c
			o.Probe = probe.Outcome{HappyPath: o.Probe.HappyPath, ErrorPath: o.Probe.ErrorPath}
			tt.edit(&o, &c)
			want := runFacts{
				AllocationComplete: true, HappyPathPassed: true, ErrorPathResult: resultPass, UsageCaptured: true,
				MaxAttempts: 1, SourcesUnverified: true, SourcesChanged: true, RequestIDPresent: true,
				LedgerConfigured: true, LedgerStatus: ledger.Mismatch,
			}
			tt.want(&want)
			if got := o.facts(c, true); got != want {
				t.Errorf("facts = %+v\nwant %+v", got, want)
			}
		})
	}
	o.Probe.HappyPath.Attempts = 2
	if _, reasons := decideFacts(o.facts(c, true)); !slices.Contains(reasons, reasonUncontrolledRetry) {
		t.Errorf("reasons = %v, want uncontrolled_retry for two requests on the wire", reasons)
	}
}

// A check that waits for a free probe slot (max_concurrent_checks) is
// looked up in the ledger at the moment it was sent, not the moment it was
// queued: the usage APIs place the smoke request in the minute of its send.
// With one slot, three checks are sent one after another, and each query's
// SentAt follows its own send.
func TestLedgerQueryIsStampedAtTheSend(t *testing.T) {
	const delay = 300 * time.Millisecond
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(delay)
		if r.Header.Get("Authorization") != "Bearer "+approvedKey {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":"chatcmpl-1","model":"m","choices":[{"message":{"content":"p"}}],`+
			`"usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}}`)
	}))
	defer srv.Close()
	led := &fakeLedger{result: ledger.Result{Status: ledger.Confirmed}}
	r := Runner{
		Probe:  probe.NewClient(probe.Options{MaxConcurrent: 1, Timeout: 5 * time.Second}),
		Ledger: led,
		Policy: DefaultPolicy(),
		Now:    time.Now,
	}
	check := Check{
		ID:          checkID,
		ApprovedKey: approvedKey,
		InvalidKey:  invalidKey,
		Request: probe.Request{Endpoint: srv.URL + "/v1", Protocol: probe.OpenAIChat, Model: "m", Prompt: "ping",
			MaxOutputTokens: 1},
	}
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() { r.Run(t.Context(), check, Previous{}, 10) })
	}
	wg.Wait()
	queries := led.calls()
	if len(queries) != 3 {
		t.Fatalf("the ledger was asked %d times, want 3", len(queries))
	}
	sent := make([]time.Time, 0, len(queries))
	for _, q := range queries {
		sent = append(sent, q.SentAt)
	}
	slices.SortFunc(sent, time.Time.Compare)
	for i := 1; i < len(sent); i++ {
		if gap := sent[i].Sub(sent[i-1]); gap < delay*8/10 {
			t.Errorf("queries %d and %d were stamped %s apart, want about %s: a queued check was stamped before its send",
				i-1, i, gap, delay)
		}
	}
}

// A happy path whose answer gave no usage is not looked up: it has nothing
// to match, and in a usage bucket it would skew the sum of the checks
// beside it. evidence_gap stops the run either way.
func TestLedgerNotAskedWithoutUsage(t *testing.T) {
	f := newFakeAPI(t)
	f.happy = answerNoUsage
	led := &fakeLedger{result: ledger.Result{Status: ledger.Confirmed}}
	o := newRunner(led).Run(t.Context(), completeCheck(f), Previous{}, 10)
	if n := len(led.calls()); n != 0 {
		t.Fatalf("the ledger was asked %d times, want 0", n)
	}
	if o.Decision != Stop || !slices.Contains(o.Reasons, reasonEvidenceGap) {
		t.Fatalf("decision %s %v, want stop with %s", o.Decision, o.Reasons, reasonEvidenceGap)
	}
}
