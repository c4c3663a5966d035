package provider

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-log/tflogtest"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/ledger"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/sanitize/leakcheck"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/standin"
)

// clockHarness is a protocolHarness on e whose provider waits on the test's
// clock (a ledger's wait takes no real time), configured with the provider
// arguments provider.
func clockHarness(t *testing.T, e *testEnv, provider map[string]tftypes.Value) *protocolHarness {
	t.Helper()
	h := &protocolHarness{t: t, ctx: context.Background(), e: e}
	h.configureOnClock(provider)
	return h
}

func (h *protocolHarness) configureOnClock(provider map[string]tftypes.Value) {
	h.t.Helper()
	h.server = serve(&costhandoffProvider{version: "test", now: h.e.clock.Now, getenv: func(string) string { return "" },
		ledgerPoll: 100 * time.Millisecond, after: h.e.clock.After})()
	schemas, err := h.server.GetProviderSchema(h.ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		h.t.Fatal(err)
	}
	h.valueType = schemas.ResourceSchemas["costhandoff_check"].ValueType()
	attrs := map[string]tftypes.Value{"endpoint": str(h.e.url + "/v1"), "api_key": str(approvedKey), "operator": str("finops-platform")}
	for k, v := range provider {
		attrs[k] = v
	}
	resp, err := h.server.ConfigureProvider(h.ctx, &tfprotov6.ConfigureProviderRequest{Config: h.dynamic(objectOf(schemas.Provider.ValueType(), attrs))})
	h.noErrors(err, resp.Diagnostics)
}

// refreshWith reads state with the private state the last apply left, as
// terraform apply -refresh-only does, keeping the private state the read
// leaves; it returns the new state and the read's diagnostics.
func (h *protocolHarness) refreshWith(state tftypes.Value) (tftypes.Value, []*tfprotov6.Diagnostic) {
	h.t.Helper()
	resp, err := h.server.ReadResource(h.ctx, &tfprotov6.ReadResourceRequest{TypeName: "costhandoff_check", CurrentState: h.dynamic(state), Private: h.private})
	h.noErrors(err, resp.Diagnostics)
	h.private = resp.Private
	v, err := resp.NewState.Unmarshal(h.valueType)
	if err != nil {
		h.t.Fatal(err)
	}
	return v, resp.Diagnostics
}

// model is state as the provider reads it.
func (h *protocolHarness) model(state tftypes.Value) checkModel {
	h.t.Helper()
	var diags diag.Diagnostics
	m, ok := readModel(h.ctx, state, &diags)
	if !ok {
		h.t.Fatal(diags)
	}
	return m
}

// pending is the pending run the last apply kept in private state; the
// zero value when it kept none.
func (h *protocolHarness) pending() pendingRun {
	h.t.Helper()
	var p pendingRun
	if len(h.private) == 0 {
		return p
	}
	var keys map[string][]byte
	if err := json.Unmarshal(h.private, &keys); err != nil {
		h.t.Fatal(err)
	}
	if raw := keys[ledgerRecheckKey]; len(raw) > 0 {
		if err := json.Unmarshal(raw, &p); err != nil {
			h.t.Fatal(err)
		}
	}
	return p
}

// usageLedger configures the provider for the stand-in's OpenAI usage API,
// whose bucket shows lag after the request, on the test's clock.
func usageLedger(e *testEnv, lag time.Duration, wait string) map[string]tftypes.Value {
	e.standin.SetUsage(standin.UsageOptions{Lag: lag, Now: e.clock.Now, PageSize: 2})
	return map[string]tftypes.Value{"api_protocol": str("openai_chat"), "ledger_api": str("openai_usage"),
		"ledger_token": str(standin.DefaultOpenAIAdminKey), "ledger_key_id": str(standin.ApprovedKeyID), "ledger_wait": str(wait)}
}

// The run apply stores, read back from its attributes (record) and
// rendered, is the log apply stored, byte for byte: the log and the
// history entry are two renderings of one record, and a refresh that
// renders the log again from state writes what apply wrote. Each case
// applies through the framework against the stand-in.
func TestRecordRendersTheStoredLog(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// setUp applies the check and returns its state; want are lines the
		// stored log must hold, so each case is the run it says it is.
		setUp func(t *testing.T) (*protocolHarness, tftypes.Value)
		want  []string
	}{
		{"four pages, tokens, no ledger", func(t *testing.T) (*protocolHarness, tftypes.Value) {
			h := clockHarness(t, newTestEnv(t), nil)
			return h, h.apply(h.null(), h.config(nil))
		}, []string{"tokens: input 8, output 1, total 9", "source_pricing: pass, HTTP 200, sha256 "}},
		{"review date, unit, billing unit, product and cost center", func(t *testing.T) (*protocolHarness, tftypes.Value) {
			h := clockHarness(t, newTestEnv(t), nil)
			return h, h.apply(h.null(), h.config(map[string]tftypes.Value{
				"review_interval_days": num(30), "unit_name": str("summary"), "billing_unit": str("1k summaries"),
				"product": str("search"), "cost_center": str("cc-42"), "follow_up_owner": str("finops-oncall"),
			}))
		}, []string{"review_due_at: 2026-12-28T09:30:00Z", "unit_name: summary", "billing_unit: 1k summaries", "product: search",
			"cost_center: cc-42", "follow_up_owner: finops-oncall"}},
		{"pages skipped", func(t *testing.T) (*protocolHarness, tftypes.Value) {
			h := clockHarness(t, newTestEnv(t), nil)
			return h, h.apply(h.null(), h.config(map[string]tftypes.Value{"verify_sources": tftypes.NewValue(tftypes.Bool, false)}))
		}, []string{"source_urls_checked: []", "source_pricing: skipped"}},
		{"a page that failed", func(t *testing.T) (*protocolHarness, tftypes.Value) {
			h := clockHarness(t, newTestEnv(t), nil)
			h.e.standin.SetPage("support", http.StatusNotFound, "gone")
			return h, h.apply(h.null(), h.config(nil))
		}, []string{"source_support: fail, HTTP 404"}},
		{"happy path failed: no tokens, no ledger asked", func(t *testing.T) (*protocolHarness, tftypes.Value) {
			e := newTestEnv(t)
			h := clockHarness(t, e, usageLedger(e, 0, "1m"))
			e.standin.SetBehaviour(standin.ServerError)
			return h, h.apply(h.null(), h.config(map[string]tftypes.Value{"enforcement": str("record")}))
		}, []string{"happy_path_result: fail", "decision: stop"}},
		{"new-api ledger confirmed with its quota", func(t *testing.T) (*protocolHarness, tftypes.Value) {
			e := ledgerEnv(t, standin.GatewayNewAPI, standin.LedgerOptions{})
			h := clockHarness(t, e, map[string]tftypes.Value{"ledger_api": str("new_api"),
				"ledger_token": str(standin.DefaultLedgerAccessToken), "ledger_wait": str("2s")})
			return h, h.apply(h.null(), h.config(nil))
		}, []string{"ledger: confirmed, quota "}},
		{"usage ledger pending", func(t *testing.T) (*protocolHarness, tftypes.Value) {
			e := newTestEnv(t)
			h := clockHarness(t, e, usageLedger(e, 10*time.Minute, "1m"))
			return h, h.apply(h.null(), h.config(nil))
		}, []string{"ledger: pending", "decision_reasons: ledger_pending"}},
		{"usage ledger confirmed", func(t *testing.T) (*protocolHarness, tftypes.Value) {
			e := newTestEnv(t)
			h := clockHarness(t, e, usageLedger(e, 2*time.Minute, "6m"))
			return h, h.apply(h.null(), h.config(nil))
		}, []string{"ledger: confirmed", "decision: proceed"}},
		{"a second run after a page changed, its ledger pending", func(t *testing.T) (*protocolHarness, tftypes.Value) {
			e := newTestEnv(t)
			h := clockHarness(t, e, usageLedger(e, 10*time.Minute, "1m"))
			first := h.apply(h.null(), h.config(nil))
			e.standin.SetPage("pricing", http.StatusOK, "<html>new pricing page</html>")
			e.clock.Advance(time.Hour)
			return h, h.apply(first, h.config(map[string]tftypes.Value{
				"rerun_triggers": tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, map[string]tftypes.Value{"n": str("2")})}))
		}, []string{"decision_reasons: ledger_pending, source_changed", "ledger: pending", ", changed"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, state := tc.setUp(t)
			m := h.model(state)
			stored := m.Log.ValueString()
			for _, l := range tc.want {
				if !strings.Contains(stored, l) {
					t.Fatalf("the stored log lacks %q: the case is not the run it names:\n%s", l, stored)
				}
			}
			if got := h.pending().runRecord(h.ctx, m).Render(); got != stored {
				t.Errorf("the record of the state renders another log:\n--- rendered\n%s--- stored\n%s", got, stored)
			}
		})
	}
}

// A refresh that finds a pending run's bucket stores the log its state
// renders (a second refresh or plan would read the same record), changed
// from the pending run's only in the lines of the decision and the
// ledger; a page marked changed at apply stays marked.
func TestRefreshRendersTheRunsLogFromItsState(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	h := clockHarness(t, e, usageLedger(e, 10*time.Minute, "1m"))
	config := h.config(map[string]tftypes.Value{"unit_name": str("summary"), "review_interval_days": num(7)})
	first := h.apply(h.null(), config)
	e.standin.SetPage("pricing", http.StatusOK, "<html>new pricing page</html>")
	pending := h.apply(first, h.config(map[string]tftypes.Value{"unit_name": str("summary"), "review_interval_days": num(7), "product": str("search")}))
	before := h.model(pending).Log.ValueString()
	if !regexp.MustCompile(`(?m)^source_pricing: pass, HTTP 200, sha256 [0-9a-f]{12}, changed$`).MatchString(before) {
		t.Fatalf("the run at apply marks no changed page:\n%s", before)
	}
	e.clock.Advance(15 * time.Minute)
	refreshed, _ := h.refreshWith(pending)
	m := h.model(refreshed)
	after := m.Log.ValueString()
	if m.Decision.ValueString() != "review" || !strings.Contains(after, "\nledger: confirmed\n") {
		t.Fatalf("the refresh recorded decision %s:\n%s", m.Decision, after)
	}
	if got := m.record(h.ctx).Render(); got != strings.ReplaceAll(after, ", changed\n", "\n") {
		t.Errorf("the refreshed state renders another log:\n--- rendered\n%s--- stored\n%s", got, after)
	}
	// The lines that differ are the decision's and the ledger's.
	was := map[string]bool{}
	for _, l := range strings.Split(before, "\n") {
		was[l] = true
	}
	var changed []string
	for _, l := range strings.Split(after, "\n") {
		if !was[l] {
			changed = append(changed, l)
		}
	}
	if want := []string{"evidence_captured: yes", "decision_reasons: source_changed", "ledger: confirmed"}; strings.Join(changed, "|") != strings.Join(want, "|") {
		t.Errorf("the refresh changed the lines %q, want %q:\n%s", changed, want, after)
	}
}

// A usage API that answers the refresh with the provider's api_key (of no
// vendor's shape) in its error text (whole, base64-encoded and percent-encoded with every byte
// escaped), 24 h after the smoke request: the run turns to not_found and
// stop, and no run of the key is in the stored log, the ledger's message,
// the refresh's or the next plan's diagnostics, or the provider's trace
// log. The server's words are kept, so the test sees the echo arrive.
func TestRefreshNeverShowsTheProvidersKey(t *testing.T) {
	t.Parallel()
	// A key of no vendor's shape: only the run's credentials can hide it.
	const approvedKey = "Gw7hQ2lM9xK4tZ8rP3vNe2eW"
	e := newTestEnv(t, approvedKey)
	var trace bytes.Buffer
	h := &protocolHarness{t: t, ctx: tflogtest.RootLogger(context.Background(), &trace), e: e}
	provider := usageLedger(e, 10*time.Minute, "1m")
	provider["api_key"] = str(approvedKey)
	h.configureOnClock(provider)
	config := h.config(nil)
	pending := h.apply(h.null(), config)
	if h.model(pending).Decision.ValueString() != "review" {
		t.Fatalf("the run at apply decided %s, want a pending review", h.model(pending).Decision)
	}
	var escaped strings.Builder
	for _, b := range []byte(approvedKey) {
		fmt.Fprintf(&escaped, "%%%02X", b)
	}
	e.standin.SetUsage(standin.UsageOptions{Now: e.clock.Now, FailMessage: "usage store down for key " + approvedKey +
		" (b64 " + base64.StdEncoding.EncodeToString([]byte(approvedKey)) + ", url " + escaped.String() + ")"})
	if u, _ := url.QueryUnescape(escaped.String()); u != approvedKey {
		t.Fatalf("the escape spells %q", u)
	}
	e.clock.Advance(25 * time.Hour)
	traced := trace.Len()
	refreshed, diags := h.refreshWith(pending)
	m := h.model(refreshed)
	var l ledgerModel
	if d := m.Ledger.As(h.ctx, &l, basetypes.ObjectAsOptions{}); d.HasError() {
		t.Fatal(d)
	}
	if l.Status.ValueString() != "not_found" || m.Decision.ValueString() != "stop" || !strings.Contains(l.Message.ValueString(), "usage store down for key") {
		t.Fatalf("the refresh recorded ledger %s (%q), decision %s: want the echo's not_found, stop", l.Status, l.Message.ValueString(), m.Decision)
	}
	plan := h.plan(refreshed, config, h.private)
	places := map[string]string{
		"stored log":               m.Log.ValueString(),
		"ledger message":           l.Message.ValueString(),
		"refresh's diagnostics":    fmt.Sprint(diags),
		"next plan's warnings":     warnings(plan),
		"provider's trace":         trace.String()[traced:],
		"next plan's history":      fmt.Sprint(plan.PlannedState),
		"refreshed state's ledger": l.Message.ValueString() + l.RequestID.ValueString() + l.TokenName.ValueString(),
	}
	if !strings.Contains(places["provider's trace"], "cost handoff ledger read again on refresh") {
		t.Fatalf("the trace holds no line of the refresh:\n%s", places["provider's trace"])
	}
	for place, text := range places {
		if run := leakcheck.Find(text, approvedKey); run != "" {
			t.Errorf("the %s holds a run of the provider's api_key", place)
		}
	}
}

// When a refresh turns a pending run to stop (its ledger not_found after
// 24 h), the next plan re-runs it and says the stop came from the refresh
// of its ledger, naming the check and the reasons; a stop decided at apply
// keeps the plain words, and a later run's plan forgets the refresh.
func TestPlanSaysTheRefreshStoppedTheRun(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	h := clockHarness(t, e, usageLedger(e, 10*time.Minute, "1m"))
	config := h.config(nil)
	pending := h.apply(h.null(), config)
	e.standin.SetUsage(standin.UsageOptions{Now: e.clock.Now, Hold: true})
	e.clock.Advance(25 * time.Hour)
	refreshed, _ := h.refreshWith(pending)
	runID := h.model(refreshed).RunID.ValueString()
	if h.model(refreshed).Decision.ValueString() != "stop" {
		t.Fatalf("the refresh decided %s, want stop", h.model(refreshed).Decision)
	}
	want := regexp.MustCompile(`re-run planned: This plan re-runs the smoke test of the check for workload_tag search-summaries, environment prod ` +
		`because its last run \(` + regexp.QuoteMeta(runID) + `\) decided stop when a refresh read its ledger again, which said not_found ` +
		`\(decision_reasons: ledger_unconfirmed\)\. Applying it moves the run in state`)
	if got := warnings(h.plan(refreshed, config, h.private)); !want.MatchString(got) {
		t.Errorf("the plan's warnings do not say the refresh of the ledger stopped the run:\n%s", got)
	}
	// The same state planned without what the refresh left says only that
	// the run stopped: the words above come from the refresh's record.
	if got := warnings(h.plan(refreshed, config, nil)); strings.Contains(got, "refresh") || !strings.Contains(got, "decided stop.") {
		t.Errorf("without the refresh's record the plan says:\n%s", got)
	}
}

// A recheck kept before the changed pages were kept with it (the bare
// ledger.Recheck) reads as a pending run with no page changed, and a
// pending run keeps both through private state.
func TestPendingRunReadsABareRecheck(t *testing.T) {
	t.Parallel()
	rc := ledger.Recheck{API: ledger.OpenAIUsage, SentAt: time.Date(2026, 11, 28, 9, 30, 0, 0, time.UTC), KeyID: standin.ApprovedKeyID,
		Model: testModel, PromptTokens: 8, CompletionTokens: 1, Fleet: map[string]ledger.FleetSum{}}
	bare, err := json.Marshal(rc)
	if err != nil {
		t.Fatal(err)
	}
	var p pendingRun
	if err := json.Unmarshal(bare, &p); err != nil || !reflect.DeepEqual(p.Recheck, rc) || p.ChangedSources != nil {
		t.Errorf("a bare recheck reads as %+v (%v), want %+v and no changed page", p, err, rc)
	}
	kept, err := json.Marshal(pendingRun{Recheck: rc, ChangedSources: []string{"pricing"}})
	if err != nil {
		t.Fatal(err)
	}
	var back pendingRun
	if err := json.Unmarshal(kept, &back); err != nil || !reflect.DeepEqual(back.Recheck, rc) || !slices.Equal(back.ChangedSources, []string{"pricing"}) {
		t.Errorf("a pending run reads back as %+v (%v)", back, err)
	}
}
