package handoff

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/probe"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/sources"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/standin"
)

const (
	approvedKey = "sk-test-standin-approved"
	invalidKey  = "sk-test-standin-invalid"
)

// runClock is late evening west of UTC, so the run's UTC date is the next day.
var runClock = time.Date(2025, 3, 4, 22, 30, 15, 500_000_000, time.FixedZone("EST", -5*3600))

// runReviewedAt is runClock in UTC, truncated to the second.
var runReviewedAt = time.Date(2025, 3, 5, 3, 30, 15, 0, time.UTC)

var sourceKinds = []string{SourceAllocation, SourcePricing, SourceSupport, SourceUnitEconomics} // sorted

// harness is a runner wired to the real probe and sources packages and a
// stand-in on 127.0.0.1.
type harness struct {
	server *standin.Server
	base   string
	runner Runner
}

func newHarness(t *testing.T, behaviour standin.Behaviour) harness {
	t.Helper()
	server := standin.New(standin.Options{APIKeys: []string{approvedKey}, Behaviour: behaviour})
	base, stop := server.Start()
	t.Cleanup(stop)
	clock := func() time.Time { return runClock }
	return harness{server: server, base: base, runner: Runner{
		Probe:   probe.NewClient(probe.Options{Timeout: 10 * time.Second}),
		Sources: sources.NewFetcher(sources.Options{Now: clock, Timeout: 10 * time.Second}),
		Policy:  DefaultPolicy(),
		Now:     clock,
	}}
}

func (h harness) pageURL(kind string) string { return h.base + "/pages/" + kind }

// check is a complete handoff against the stand-in.
func (h harness) check() Check {
	urls := map[string]string{}
	for _, kind := range sourceKinds {
		urls[kind] = h.pageURL(kind)
	}
	return Check{
		Allocation:    completeAllocation(),
		Operator:      "finops-oncall",
		FollowUpOwner: "team-search",
		SourceURLs:    urls,
		VerifySources: true,
		Request: probe.Request{
			Endpoint: h.base + "/v1", Protocol: probe.OpenAIChat, Model: "gpt-test-mini", Prompt: "ping", MaxOutputTokens: 1,
		},
		ApprovedKey: approvedKey,
		InvalidKey:  invalidKey,
	}
}

func (h harness) run(t *testing.T, c Check, prev Previous, historyLimit int) Outcome {
	t.Helper()
	return h.runner.Run(t.Context(), c, prev, historyLimit)
}

func TestRunFirstRunProceeds(t *testing.T) {
	h := newHarness(t, standin.Normal)
	o := h.run(t, h.check(), Previous{}, 10)

	if o.RunID != "cost-handoff-20250305-001" {
		t.Errorf("RunID = %q", o.RunID)
	}
	if !o.ReviewedAt.Equal(runReviewedAt) || o.ReviewedAt.Location() != time.UTC {
		t.Errorf("ReviewedAt = %s, want %s", o.ReviewedAt, runReviewedAt)
	}
	if o.Decision != Proceed || len(o.Reasons) != 0 {
		t.Errorf("decision = %s %v, want proceed", o.Decision, o.Reasons)
	}
	happy, errPath := o.Probe.HappyPath, o.Probe.ErrorPath
	if happy.Category != probe.CategoryOK || happy.RequestID == "" || happy.Usage.TotalTokens <= 0 || !o.EvidenceCaptured {
		t.Errorf("happy path = %+v, evidence %v", happy, o.EvidenceCaptured)
	}
	if errPath.Category != probe.CategoryAuthFailure || errPath.StatusCode != http.StatusUnauthorized {
		t.Errorf("error path = %+v", errPath)
	}
	if n := h.server.AIRequests(); n != 2 {
		t.Errorf("stand-in saw %d AI requests, want one per path", n)
	}
	for _, p := range o.Sources {
		if p.Result != sources.Pass || p.SHA256 == "" || !p.CheckedAt.Equal(runReviewedAt) {
			t.Errorf("source %+v, want a pass with a digest checked at %s", p, runReviewedAt)
		}
	}
	for _, header := range h.server.PageHeaders() {
		if header.Get("Authorization") != "" {
			t.Error("a source page was fetched with an Authorization header")
		}
	}
	want := Record{
		RunID:             "cost-handoff-20250305-001",
		ReviewedAt:        "2025-03-05T03:30:15Z",
		Operator:          "finops-oncall",
		SourceURLsChecked: h.pageURLs(sourceKinds...),
		WorkloadTag:       "search-api",
		OwnerTag:          "team-search",
		Environment:       "prod",
		HappyPathResult:   "pass",
		ErrorPathResult:   "pass",
		EvidenceCaptured:  "yes",
		Decision:          "proceed",
		FollowUpOwner:     "team-search",
	}
	assertRecord(t, o.Record, want)
	if len(o.History) != 0 {
		t.Errorf("History = %q, want none on a first run", runIDs(o.History))
	}
}

func (h harness) pageURLs(kinds ...string) []string {
	urls := make([]string, len(kinds))
	for i, kind := range kinds {
		urls[i] = h.pageURL(kind)
	}
	return urls
}

func assertRecord(t *testing.T, got, want Record) {
	t.Helper()
	if got.Log() != want.Log() || !slices.Equal(got.SourceURLsChecked, want.SourceURLsChecked) {
		t.Errorf("Record =\n%s\nwant\n%s", got.Log(), want.Log())
	}
}

func TestRunDecisions(t *testing.T) {
	tests := []struct {
		name        string
		behaviour   standin.Behaviour
		edit        func(h harness, c *Check)
		want        Decision
		wantReasons []Reason
		wantRecord  func(r *Record) // edits the expected fields that differ from a proceed
	}{
		{
			name:        "missing owner",
			edit:        func(_ harness, c *Check) { delete(c.Allocation, FieldOwner) },
			want:        Stop,
			wantReasons: []Reason{ReasonAllocationGap},
			wantRecord:  func(r *Record) { r.OwnerTag = "" },
		},
		{
			name:        "placeholder environment",
			edit:        func(_ harness, c *Check) { c.Allocation[FieldEnvironment] = "TBD" },
			want:        Stop,
			wantReasons: []Reason{ReasonAllocationGap},
			wantRecord:  func(r *Record) { r.Environment = "TBD" },
		},
		{
			name:        "approved key refused",
			edit:        func(_ harness, c *Check) { c.ApprovedKey = "sk-test-standin-revoked" },
			want:        Stop,
			wantReasons: []Reason{ReasonHappyPathFailed},
			wantRecord:  func(r *Record) { r.HappyPathResult, r.EvidenceCaptured = "fail", "no" },
		},
		{
			name:        "invalid key accepted",
			behaviour:   standin.AcceptAnyKey,
			want:        Stop,
			wantReasons: []Reason{ReasonErrorPathFailed},
			wantRecord:  func(r *Record) { r.ErrorPathResult = "fail" },
		},
		{
			name:        "server error fails both paths",
			behaviour:   standin.ServerError,
			want:        Stop,
			wantReasons: []Reason{ReasonHappyPathFailed, ReasonErrorPathFailed},
			wantRecord:  func(r *Record) { r.HappyPathResult, r.ErrorPathResult, r.EvidenceCaptured = "fail", "fail", "no" },
		},
		{
			name:        "no usage",
			behaviour:   standin.NoUsage,
			want:        Stop,
			wantReasons: []Reason{ReasonEvidenceGap},
			wantRecord:  func(r *Record) { r.EvidenceCaptured = "no" },
		},
		{
			name:        "zero usage",
			behaviour:   standin.ZeroUsage,
			want:        Stop,
			wantReasons: []Reason{ReasonEvidenceGap},
			wantRecord:  func(r *Record) { r.EvidenceCaptured = "no" },
		},
		{
			name:        "no request id",
			behaviour:   standin.NoRequestID,
			want:        Review,
			wantReasons: []Reason{ReasonRequestIDMissing},
		},
		{
			name:        "a source page fails",
			edit:        func(h harness, _ *Check) { h.server.SetPage(SourceSupport, http.StatusInternalServerError, "down") },
			want:        Review,
			wantReasons: []Reason{ReasonSourceUnverified},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, tt.behaviour)
			c := h.check()
			if tt.edit != nil {
				tt.edit(h, &c)
			}
			o := h.run(t, c, Previous{}, 10)
			if o.Decision != tt.want || !slices.Equal(o.Reasons, tt.wantReasons) {
				t.Errorf("decision = %s %v, want %s %v", o.Decision, o.Reasons, tt.want, tt.wantReasons)
			}
			want := proceedRecord(h)
			want.Decision = string(tt.want)
			if tt.wantRecord != nil {
				tt.wantRecord(&want)
			}
			assertRecord(t, o.Record, want)
			if n := h.server.AIRequests(); n != 2 {
				t.Errorf("stand-in saw %d AI requests, want one per path whatever the outcome", n)
			}
		})
	}
}

// proceedRecord is the record of h.check() when everything passes.
func proceedRecord(h harness) Record {
	return Record{
		RunID: "cost-handoff-20250305-001", ReviewedAt: "2025-03-05T03:30:15Z", Operator: "finops-oncall",
		SourceURLsChecked: h.pageURLs(sourceKinds...), WorkloadTag: "search-api", OwnerTag: "team-search",
		Environment: "prod", HappyPathResult: "pass", ErrorPathResult: "pass", EvidenceCaptured: "yes",
		Decision: "proceed", FollowUpOwner: "team-search",
	}
}

func TestRunWithoutVerifyingSources(t *testing.T) {
	h := newHarness(t, standin.Normal)
	c := h.check()
	c.VerifySources = false
	o := h.run(t, c, Previous{}, 10)

	if o.Decision != Review || !slices.Equal(o.Reasons, []Reason{ReasonSourceUnverified}) {
		t.Errorf("decision = %s %v, want review [source_unverified]", o.Decision, o.Reasons)
	}
	if len(o.Sources) != len(sourceKinds) {
		t.Fatalf("Sources = %+v, want one per kind", o.Sources)
	}
	for i, p := range o.Sources {
		if p.Kind != sourceKinds[i] || p.Result != sources.Skipped || p.SHA256 != "" {
			t.Errorf("Sources[%d] = %+v, want %s skipped", i, p, sourceKinds[i])
		}
	}
	if n := h.server.PageRequests(); n != 0 {
		t.Errorf("stand-in saw %d page requests, want none", n)
	}
	if o.Record.SourceURLsChecked == nil || len(o.Record.SourceURLsChecked) != 0 {
		t.Errorf("SourceURLsChecked = %#v, want an empty list", o.Record.SourceURLsChecked)
	}
	if line := logLine(t, o.Record.Log(), "source_urls_checked"); line != "source_urls_checked: []" {
		t.Errorf("log line %q", line)
	}
}

func TestRunAfterPreviousRun(t *testing.T) {
	older := records("cost-handoff-20250301-002", "cost-handoff-20250228-001")
	tests := []struct {
		name         string
		changePage   bool
		historyLimit int
		wantDecision Decision
		wantReasons  []Reason
		wantHistory  []string
	}{
		{
			name: "unchanged pages", historyLimit: 10, wantDecision: Proceed,
			wantHistory: []string{"cost-handoff-20250305-001", "cost-handoff-20250301-002", "cost-handoff-20250228-001"},
		},
		{
			name: "changed pricing page", changePage: true, historyLimit: 10,
			wantDecision: Review, wantReasons: []Reason{ReasonSourceChanged},
			wantHistory: []string{"cost-handoff-20250305-001", "cost-handoff-20250301-002", "cost-handoff-20250228-001"},
		},
		{
			name: "history limit", historyLimit: 2, wantDecision: Proceed,
			wantHistory: []string{"cost-handoff-20250305-001", "cost-handoff-20250301-002"},
		},
		{
			name: "history limit 0", historyLimit: 0, wantDecision: Proceed,
			wantHistory: []string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, standin.Normal)
			first := h.run(t, h.check(), Previous{History: older}, 10)
			if first.RunID != "cost-handoff-20250305-001" || first.Decision != Proceed {
				t.Fatalf("first run = %s %s %v", first.RunID, first.Decision, first.Reasons)
			}
			if tt.changePage {
				h.server.SetPage(SourcePricing, http.StatusOK, "<html>new pricing</html>")
			}
			prev := Previous{Record: &first.Record, Sources: first.Sources, History: first.History}
			second := h.run(t, h.check(), prev, tt.historyLimit)

			if second.RunID != "cost-handoff-20250305-002" || second.Record.RunID != second.RunID {
				t.Errorf("RunID = %q, record's %q, want cost-handoff-20250305-002", second.RunID, second.Record.RunID)
			}
			if second.Decision != tt.wantDecision || !slices.Equal(second.Reasons, tt.wantReasons) {
				t.Errorf("decision = %s %v, want %s %v", second.Decision, second.Reasons, tt.wantDecision, tt.wantReasons)
			}
			if got := runIDs(second.History); !slices.Equal(got, tt.wantHistory) {
				t.Errorf("History = %q, want %q", got, tt.wantHistory)
			}
			if len(second.History) > 0 {
				assertRecord(t, second.History[0], first.Record)
			}
		})
	}
}

func TestRunHelpers(t *testing.T) {
	tests := []struct {
		result                         probe.Result
		happy, errorPath, evidenceSeen bool
	}{
		{probe.Result{Category: probe.CategoryOK, Usage: probe.Usage{Found: true, TotalTokens: 9}}, true, false, true},
		{probe.Result{Category: probe.CategoryOK, Usage: probe.Usage{Found: true}}, true, false, false},
		{probe.Result{Category: probe.CategoryOK, Usage: probe.Usage{TotalTokens: 9}}, true, false, false},
		{probe.Result{Category: probe.CategoryAuthFailure}, false, true, false},
		{probe.Result{Category: probe.CategoryRateLimited}, false, false, false},
		{probe.Result{Category: probe.CategoryServerError, Usage: probe.Usage{Found: true, TotalTokens: 9}}, false, false, false},
		{probe.Result{}, false, false, false},
	}
	for _, tt := range tests {
		if HappyPathPassed(tt.result) != tt.happy || ErrorPathPassed(tt.result) != tt.errorPath || EvidenceCaptured(tt.result) != tt.evidenceSeen {
			t.Errorf("%+v: happy %v error %v evidence %v, want %v %v %v", tt.result,
				HappyPathPassed(tt.result), ErrorPathPassed(tt.result), EvidenceCaptured(tt.result), tt.happy, tt.errorPath, tt.evidenceSeen)
		}
	}
	if PassFail(true) != "pass" || PassFail(false) != "fail" {
		t.Errorf("PassFail(true), PassFail(false) = %q, %q", PassFail(true), PassFail(false))
	}
}
