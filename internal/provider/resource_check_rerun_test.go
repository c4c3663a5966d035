package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/big"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/standin"
)

// protocolHarness drives the provider, served through the framework, the
// way Terraform does: configure, plan, apply, read. It lets a test see
// the warnings of a plan, which the acceptance test framework does not.
type protocolHarness struct {
	t         testing.TB
	ctx       context.Context
	e         *testEnv
	server    tfprotov6.ProviderServer
	valueType tftypes.Type
	// private is the private state the last apply left, which the next
	// plan of the same check receives.
	private []byte
}

func newProtocolHarness(t testing.TB) *protocolHarness {
	t.Helper()
	h := &protocolHarness{t: t, ctx: context.Background(), e: newTestEnv(t)}
	h.configure(nil)
	return h
}

// configure serves a fresh provider configured against the stand-in with
// the provider arguments changed by provider (a null value removes one), as
// a later terraform run with another provider block or environment does.
func (h *protocolHarness) configure(provider map[string]tftypes.Value) {
	h.t.Helper()
	h.server = serve(&costhandoffProvider{version: "test", now: h.e.clock.Now, getenv: func(string) string { return "" }})()
	schemas, err := h.server.GetProviderSchema(h.ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		h.t.Fatal(err)
	}
	h.valueType = schemas.ResourceSchemas["costhandoff_check"].ValueType()
	attrs := map[string]tftypes.Value{"endpoint": str(h.e.url + "/v1"), "api_key": str(approvedKey), "operator": str("finops-platform")}
	for k, v := range provider {
		attrs[k] = v
	}
	config := objectOf(schemas.Provider.ValueType(), attrs)
	resp, err := h.server.ConfigureProvider(h.ctx, &tfprotov6.ConfigureProviderRequest{Config: h.dynamic(config)})
	h.noErrors(err, resp.Diagnostics)
}

// config is a complete handoff with extra arguments.
func (h *protocolHarness) config(extra map[string]tftypes.Value) tftypes.Value {
	urls := map[string]tftypes.Value{}
	for _, kind := range []string{"pricing", "support", "allocation", "unit_economics"} {
		urls[kind] = str(h.e.url + "/pages/" + kind)
	}
	attrs := map[string]tftypes.Value{
		"owner_tag": str("team-search"), "workload_tag": str("search-summaries"), "environment": str("prod"),
		"model": str(testModel), "source_urls": tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, urls),
	}
	for k, v := range extra {
		attrs[k] = v
	}
	return objectOf(h.valueType, attrs)
}

// plan plans config over prior (a null prior plans a create) and returns
// the response, failing on errors.
func (h *protocolHarness) plan(prior, config tftypes.Value, private []byte) *tfprotov6.PlanResourceChangeResponse {
	h.t.Helper()
	resp, err := h.server.PlanResourceChange(h.ctx, &tfprotov6.PlanResourceChangeRequest{
		TypeName: "costhandoff_check", PriorState: h.dynamic(prior), PriorPrivate: private,
		ProposedNewState: h.dynamic(h.proposed(prior, config)), Config: h.dynamic(config)})
	h.noErrors(err, resp.Diagnostics)
	return resp
}

// apply plans and applies config over prior, as terraform apply does.
func (h *protocolHarness) apply(prior, config tftypes.Value) tftypes.Value {
	h.t.Helper()
	var private []byte
	if !prior.IsNull() {
		private = h.private
	}
	plan := h.plan(prior, config, private)
	applied, err := h.server.ApplyResourceChange(h.ctx, &tfprotov6.ApplyResourceChangeRequest{
		TypeName: "costhandoff_check", PriorState: h.dynamic(prior), PlannedState: plan.PlannedState,
		Config: h.dynamic(config), PlannedPrivate: plan.PlannedPrivate})
	h.noErrors(err, applied.Diagnostics)
	h.private = applied.Private
	v, err := applied.NewState.Unmarshal(h.valueType)
	if err != nil {
		h.t.Fatal(err)
	}
	return v
}

// refresh reads state as terraform plan does first, returning the private
// state the plan then receives.
func (h *protocolHarness) refresh(state tftypes.Value) []byte {
	h.t.Helper()
	resp, err := h.server.ReadResource(h.ctx, &tfprotov6.ReadResourceRequest{TypeName: "costhandoff_check", CurrentState: h.dynamic(state)})
	h.noErrors(err, resp.Diagnostics)
	return resp.Private
}

// proposed is Terraform's proposed new state: configured arguments from
// config, computed values from prior where the configuration is null.
func (h *protocolHarness) proposed(prior, config tftypes.Value) tftypes.Value {
	if prior.IsNull() {
		return config
	}
	var priorAttrs, configAttrs map[string]tftypes.Value
	if err := prior.As(&priorAttrs); err != nil {
		h.t.Fatal(err)
	}
	if err := config.As(&configAttrs); err != nil {
		h.t.Fatal(err)
	}
	proposed := map[string]tftypes.Value{}
	for name, a := range checkResourceSchema().Attributes {
		proposed[name] = configAttrs[name]
		if a.IsComputed() && (!a.IsOptional() || configAttrs[name].IsNull()) {
			proposed[name] = priorAttrs[name]
		}
	}
	return tftypes.NewValue(h.valueType, proposed)
}

func (h *protocolHarness) null() tftypes.Value { return tftypes.NewValue(h.valueType, nil) }

func (h *protocolHarness) dynamic(v tftypes.Value) *tfprotov6.DynamicValue {
	h.t.Helper()
	dv, err := tfprotov6.NewDynamicValue(v.Type(), v)
	if err != nil {
		h.t.Fatal(err)
	}
	return &dv
}

func (h *protocolHarness) noErrors(err error, diags []*tfprotov6.Diagnostic) {
	h.t.Helper()
	if err != nil {
		h.t.Fatal(err)
	}
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			h.t.Fatalf("%s: %s", d.Summary, d.Detail)
		}
	}
}

// objectOf is an object of type t with attrs set and every other attribute null.
func objectOf(t tftypes.Type, attrs map[string]tftypes.Value) tftypes.Value {
	object, ok := t.(tftypes.Object)
	if !ok {
		panic(fmt.Sprintf("objectOf: %s is not an object type", t))
	}
	all := map[string]tftypes.Value{}
	for name, typ := range object.AttributeTypes {
		all[name] = tftypes.NewValue(typ, nil)
		if v, ok := attrs[name]; ok {
			all[name] = v
		}
	}
	return tftypes.NewValue(object, all)
}

func str(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }

func num(n int64) tftypes.Value { return tftypes.NewValue(tftypes.Number, n) }

// warnings are the summaries and details of a plan's warnings.
func warnings(resp *tfprotov6.PlanResourceChangeResponse) string {
	var b strings.Builder
	for _, d := range resp.Diagnostics {
		if d.Severity == tfprotov6.DiagnosticSeverityWarning {
			fmt.Fprintf(&b, "%s: %s\n", d.Summary, d.Detail)
		}
	}
	return b.String()
}

// A plan that re-runs a check says so, with the reason, as a warning; a
// plan that runs nothing says nothing. Each case starts from an applied
// check and plans once more, sending no AI request.
func TestCheckPlanSaysWhyItReruns(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// setUp returns the prior state and configuration of the plan, and
		// the private state a refresh left for it.
		setUp func(h *protocolHarness) (prior, config tftypes.Value, private []byte)
		want  string // "" for no re-run
	}{
		{"nothing changed", func(h *protocolHarness) (tftypes.Value, tftypes.Value, []byte) {
			config := h.config(nil)
			return h.apply(h.null(), config), config, nil
		}, ""},
		{"only enforcement and history_limit changed", func(h *protocolHarness) (tftypes.Value, tftypes.Value, []byte) {
			state := h.apply(h.null(), h.config(nil))
			return state, h.config(map[string]tftypes.Value{"enforcement": str("record"), "history_limit": num(2)}), nil
		}, ""},
		{"an argument changed", func(h *protocolHarness) (tftypes.Value, tftypes.Value, []byte) {
			state := h.apply(h.null(), h.config(nil))
			return state, h.config(map[string]tftypes.Value{"model": str("gpt-test-large")}), nil
		}, `arguments changed: model`},
		{"the key version changed", func(h *protocolHarness) (tftypes.Value, tftypes.Value, []byte) {
			state := h.apply(h.null(), h.config(map[string]tftypes.Value{"api_key_wo_version": num(1)}))
			return state, h.config(map[string]tftypes.Value{"api_key_wo_version": num(2)}), nil
		}, `the key version changed \(api_key_wo_version\)`},
		{"the review expired", func(h *protocolHarness) (tftypes.Value, tftypes.Value, []byte) {
			config := h.config(map[string]tftypes.Value{"review_interval_days": num(30)})
			state := h.apply(h.null(), config)
			h.e.clock.Advance(30 * 24 * time.Hour)
			return state, config, nil
		}, `its review expired at 2026-12-28T09:30:00Z`},
		{"the last run stopped", func(h *protocolHarness) (tftypes.Value, tftypes.Value, []byte) {
			h.e.standin.SetBehaviour(standin.ServerError)
			config := h.config(map[string]tftypes.Value{"enforcement": str("record")})
			state := h.apply(h.null(), config)
			h.e.standin.SetBehaviour(standin.Normal)
			return state, h.config(nil), nil
		}, `its last run \(cost-handoff-20261128-[0-9a-f]{12}-001\) decided stop`},
		{"a watched source page changed", func(h *protocolHarness) (tftypes.Value, tftypes.Value, []byte) {
			config := h.config(map[string]tftypes.Value{"watch_sources": tftypes.NewValue(tftypes.Bool, true)})
			state := h.apply(h.null(), config)
			h.e.standin.SetPage("pricing", http.StatusOK, "<html>new pricing page</html>")
			return state, config, h.refresh(state)
		}, `a watched source page changed: pricing`},
		{"a watched source page did not change", func(h *protocolHarness) (tftypes.Value, tftypes.Value, []byte) {
			config := h.config(map[string]tftypes.Value{"watch_sources": tftypes.NewValue(tftypes.Bool, true)})
			state := h.apply(h.null(), config)
			return state, config, h.refresh(state)
		}, ""},
		{"the provider's endpoint changed", func(h *protocolHarness) (tftypes.Value, tftypes.Value, []byte) {
			config := h.config(nil)
			state := h.apply(h.null(), config)
			h.configure(map[string]tftypes.Value{"endpoint": str("http://127.0.0.1:9/v1")})
			return state, config, h.private
		}, `the endpoint changed from "` + regexp.QuoteMeta(`http://127.0.0.1:`) + `\d+/v1" to "` + regexp.QuoteMeta(`http://127.0.0.1:9/v1`) + `"`},
		{"the check's own endpoint changed", func(h *protocolHarness) (tftypes.Value, tftypes.Value, []byte) {
			state := h.apply(h.null(), h.config(nil))
			return state, h.config(map[string]tftypes.Value{"endpoint": str("http://localhost:9/v1")}), h.private
		}, `the endpoint changed from "http://127.0.0.1:\d+/v1" to "http://localhost:9/v1"`},
		{"the protocol changed", func(h *protocolHarness) (tftypes.Value, tftypes.Value, []byte) {
			config := h.config(nil)
			state := h.apply(h.null(), config)
			h.configure(map[string]tftypes.Value{"api_protocol": str("anthropic_messages")})
			return state, config, h.private
		}, `the API protocol changed from "openai_chat" to "anthropic_messages"`},
		{"another approved key", func(h *protocolHarness) (tftypes.Value, tftypes.Value, []byte) {
			config := h.config(nil)
			state := h.apply(h.null(), config)
			h.configure(map[string]tftypes.Value{"api_key": str(otherKey)})
			return state, config, h.private
		}, `another approved key is configured \(credential fingerprint [0-9a-f]{8}, last run [0-9a-f]{8}\)`},
		{"another api_key_wo", func(h *protocolHarness) (tftypes.Value, tftypes.Value, []byte) {
			state := h.apply(h.null(), h.config(map[string]tftypes.Value{"api_key_wo": str(approvedKey), "api_key_wo_version": num(1)}))
			return state, h.config(map[string]tftypes.Value{"api_key_wo": str(otherKey), "api_key_wo_version": num(1)}), h.private
		}, `another approved key is configured \(credential fingerprint [0-9a-f]{8}, last run [0-9a-f]{8}\)`},
		{"the same key through api_key_wo", func(h *protocolHarness) (tftypes.Value, tftypes.Value, []byte) {
			state := h.apply(h.null(), h.config(nil))
			return state, h.config(map[string]tftypes.Value{"api_key_wo": str(approvedKey)}), h.private
		}, ""},
		{"no key configured at all", func(h *protocolHarness) (tftypes.Value, tftypes.Value, []byte) {
			config := h.config(nil)
			state := h.apply(h.null(), config)
			h.configure(map[string]tftypes.Value{"api_key": tftypes.NewValue(tftypes.String, nil)})
			return state, config, h.private
		}, ""},
		{"a ledger configured since", func(h *protocolHarness) (tftypes.Value, tftypes.Value, []byte) {
			config := h.config(nil)
			state := h.apply(h.null(), config)
			h.configure(map[string]tftypes.Value{"ledger_api": str("new_api"), "ledger_token": str("fake-ledger-token"), "ledger_wait": str("0s")})
			return state, config, h.private
		}, `the ledger changed from none to new_api at http://127.0.0.1:\d+`},
		{"the ledger endpoint changed", func(h *protocolHarness) (tftypes.Value, tftypes.Value, []byte) {
			ledger := map[string]tftypes.Value{"ledger_api": str("new_api"), "ledger_token": str("fake-ledger-token"), "ledger_wait": str("0s")}
			h.configure(ledger)
			config := h.config(map[string]tftypes.Value{"enforcement": str("record")})
			state := h.apply(h.null(), config)
			ledger["ledger_endpoint"] = str("http://127.0.0.1:9")
			h.configure(ledger)
			return state, config, h.private
		}, `the ledger changed from new_api at http://127.0.0.1:\d+ to new_api at http://127.0.0.1:9`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newProtocolHarness(t)
			prior, config, private := tc.setUp(h)
			sent := h.e.standin.AIRequests()
			resp := h.plan(prior, config, private)
			got := warnings(resp)
			planned, err := resp.PlannedState.Unmarshal(h.valueType)
			if err != nil {
				t.Fatal(err)
			}
			var attrs map[string]tftypes.Value
			if err := planned.As(&attrs); err != nil {
				t.Fatal(err)
			}
			rerun := !attrs["run_id"].IsKnown()
			switch {
			case tc.want == "" && (got != "" || rerun):
				t.Errorf("plan re-runs (%v) or warns (%q), want neither", rerun, got)
			case tc.want != "" && !rerun:
				t.Errorf("plan does not re-run, want a re-run because %s", tc.want)
			case tc.want != "" && !regexp.MustCompile(`(?s)re-run planned: This plan re-runs the smoke test of the check for workload_tag search-summaries, environment prod because `+tc.want+`\. Applying it moves the run in state \(cost-handoff-\d{8}-[0-9a-f]{12}-001\) to history\.`).MatchString(got):
				t.Errorf("warnings %q do not say why: want %s", got, tc.want)
			}
			if n := h.e.standin.AIRequests(); n != sent {
				t.Errorf("the plan sent %d AI requests", n-sent)
			}
		})
	}
}

// BenchmarkCheckPlanRPCs is what one check costs the provider in a plan, call
// by call as Terraform makes them: a new check (validate, plan) and an
// applied one with a full history (upgrade, read, validate, plan).
func BenchmarkCheckPlanRPCs(b *testing.B) {
	h := newProtocolHarness(b)
	config := h.config(nil)
	state := h.apply(h.null(), config)
	for range 10 {
		config = h.config(map[string]tftypes.Value{"rerun_triggers": tftypes.NewValue(tftypes.Map{ElementType: tftypes.String},
			map[string]tftypes.Value{"cycle": str(fmt.Sprint(h.e.standin.AIRequests()))})})
		state = h.apply(state, config)
	}
	stateJSON, err := json.Marshal(plainValue(state))
	if err != nil {
		b.Fatal(err)
	}
	validate := &tfprotov6.ValidateResourceConfigRequest{TypeName: "costhandoff_check", Config: h.dynamic(config)}
	b.Run("new check", func(b *testing.B) {
		for b.Loop() {
			h.noErrorsOf(h.server.ValidateResourceConfig(h.ctx, validate))
			h.plan(h.null(), config, nil)
		}
	})
	b.Run("validate", func(b *testing.B) {
		for b.Loop() {
			h.noErrorsOf(h.server.ValidateResourceConfig(h.ctx, validate))
		}
	})
	b.Run("plan new check", func(b *testing.B) {
		for b.Loop() {
			h.plan(h.null(), config, nil)
		}
	})
	upgrade := &tfprotov6.UpgradeResourceStateRequest{TypeName: "costhandoff_check", Version: checkSchemaVersion, RawState: &tfprotov6.RawState{JSON: stateJSON}}
	b.Run("upgrade full history", func(b *testing.B) {
		for b.Loop() {
			up, err := h.server.UpgradeResourceState(h.ctx, upgrade)
			h.noErrors(err, up.Diagnostics)
		}
	})
	b.Run("read full history", func(b *testing.B) {
		for b.Loop() {
			read, err := h.server.ReadResource(h.ctx, &tfprotov6.ReadResourceRequest{TypeName: "costhandoff_check", CurrentState: h.dynamic(state)})
			h.noErrors(err, read.Diagnostics)
		}
	})
	b.Run("plan full history", func(b *testing.B) {
		for b.Loop() {
			h.plan(state, config, nil)
		}
	})
	b.Run("full history", func(b *testing.B) {
		for b.Loop() {
			up, err := h.server.UpgradeResourceState(h.ctx, &tfprotov6.UpgradeResourceStateRequest{
				TypeName: "costhandoff_check", Version: checkSchemaVersion, RawState: &tfprotov6.RawState{JSON: stateJSON}})
			h.noErrors(err, up.Diagnostics)
			read, err := h.server.ReadResource(h.ctx, &tfprotov6.ReadResourceRequest{TypeName: "costhandoff_check", CurrentState: up.UpgradedState})
			h.noErrors(err, read.Diagnostics)
			h.noErrorsOf(h.server.ValidateResourceConfig(h.ctx, validate))
			resp, err := h.server.PlanResourceChange(h.ctx, &tfprotov6.PlanResourceChangeRequest{
				TypeName: "costhandoff_check", PriorState: read.NewState, PriorPrivate: read.Private,
				ProposedNewState: h.dynamic(h.proposed(state, config)), Config: h.dynamic(config)})
			h.noErrors(err, resp.Diagnostics)
		}
	})
}

func (h *protocolHarness) noErrorsOf(resp *tfprotov6.ValidateResourceConfigResponse, err error) {
	h.t.Helper()
	h.noErrors(err, resp.Diagnostics)
}

// plainValue is v as encoding/json would read it, for a stored state's JSON.
func plainValue(v tftypes.Value) any {
	if v.IsNull() {
		return nil
	}
	switch {
	case v.Type().Is(tftypes.String):
		var s string
		_ = v.As(&s)
		return s
	case v.Type().Is(tftypes.Bool):
		var b bool
		_ = v.As(&b)
		return b
	case v.Type().Is(tftypes.Number):
		var n big.Float
		_ = v.As(&n)
		f, _ := n.Float64()
		return f
	case v.Type().Is(tftypes.Object{}), v.Type().Is(tftypes.Map{}):
		var m map[string]tftypes.Value
		_ = v.As(&m)
		out := map[string]any{}
		for k, e := range m {
			out[k] = plainValue(e)
		}
		return out
	default:
		var l []tftypes.Value
		_ = v.As(&l)
		out := make([]any, len(l))
		for i, e := range l {
			out[i] = plainValue(e)
		}
		return out
	}
}

// Every argument of the schema has a decision: it re-runs the check, or it
// only says how a result is kept. An argument added to the schema fails
// here until it is given one, and the re-run list follows the schema.
func TestRerunArgumentsComeFromTheSchema(t *testing.T) {
	t.Parallel()
	reruns := map[string]bool{
		"owner_tag": true, "workload_tag": true, "environment": true, "product": true, "cost_center": true,
		"operator": true, "follow_up_owner": true, "source_urls": true, "verify_sources": true, "watch_sources": true,
		"model": true, "prompt": true, "max_output_tokens": true, "extra_body_json": true, "endpoint": true,
		"api_protocol": true, "api_key_wo_version": true, "unit_name": true, "billing_unit": true,
		"review_interval_days": true, "rerun_triggers": true,
		// How a result is kept, never what is tested.
		"enforcement": false, "history_limit": false,
		// Write-only: never in a plan; the fingerprint stands for the key.
		"api_key_wo": false, "invalid_api_key_wo": false,
	}
	var arguments, want []string
	for name, a := range checkResourceSchema().Attributes {
		if a.IsOptional() || a.IsRequired() {
			arguments = append(arguments, name)
		}
	}
	for _, name := range arguments {
		decision, ok := reruns[name]
		if !ok {
			t.Errorf("argument %s has no re-run decision: add it to this test and, if it only says how a result is kept, to keepArguments", name)
		}
		if decision {
			want = append(want, name)
		}
	}
	slices.Sort(want)
	if !slices.Equal(rerunArguments, want) {
		t.Errorf("rerunArguments = %q, want %q", rerunArguments, want)
	}
	for name := range keepArguments {
		if reruns[name] {
			t.Errorf("keepArguments holds %s, which re-runs", name)
		}
	}
	// The typed model's arguments are the schema's, so the re-run decision
	// compares each argument's value.
	model := slices.Sorted(maps.Keys(checkModel{}.arguments()))
	if slices.Sort(arguments); !slices.Equal(model, arguments) {
		t.Errorf("checkModel's arguments are %q, the schema's %q", model, arguments)
	}
}

// A watched page that fails to load on refresh warns, naming the page and
// what the fetch got, and plans no re-run. The pricing page is served by a
// stand-in of its own, so it can go away.
func TestCheckPlanWarnsOfAWatchedPageThatFailed(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		fail func(pages *standin.Server, stop func())
		want string
	}{
		"500": {func(pages *standin.Server, _ func()) {
			pages.SetPage("pricing", http.StatusInternalServerError, "oops")
		}, `HTTP 500`},
		"404":         {func(pages *standin.Server, _ func()) { pages.SetPage("pricing", http.StatusNotFound, "gone") }, `HTTP 404`},
		"unreachable": {func(_ *standin.Server, stop func()) { stop() }, `no response \(.+\)`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newProtocolHarness(t)
			pages := standin.New(standin.Options{})
			pagesURL, stop := pages.Start()
			t.Cleanup(stop)
			config := h.config(map[string]tftypes.Value{"watch_sources": tftypes.NewValue(tftypes.Bool, true),
				"source_urls": tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, map[string]tftypes.Value{
					"pricing": str(pagesURL + "/pages/pricing"), "support": str(h.e.url + "/pages/support"),
					"allocation": str(h.e.url + "/pages/allocation"), "unit_economics": str(h.e.url + "/pages/unit_economics"),
				})})
			state := h.apply(h.null(), config)
			tc.fail(pages, stop)
			h.checkUnchecked(t, state, config, pagesURL+"/pages/pricing", tc.want)
		})
	}
}

// checkUnchecked refreshes state, plans config over it, and wants no re-run
// and one warning naming the pricing page at url and status.
func (h *protocolHarness) checkUnchecked(t *testing.T, state, config tftypes.Value, url, status string) {
	t.Helper()
	resp := h.plan(state, config, h.refresh(state))
	planned, err := resp.PlannedState.Unmarshal(h.valueType)
	if err != nil {
		t.Fatal(err)
	}
	var attrs map[string]tftypes.Value
	if err := planned.As(&attrs); err != nil {
		t.Fatal(err)
	}
	if !attrs["run_id"].IsKnown() {
		t.Error("a page that failed to load plans a re-run")
	}
	want := `^Watched source page could not be checked: The pricing page of the check for workload_tag search-summaries, environment prod \(` +
		regexp.QuoteMeta(url) + `\) could not be read on refresh: ` + status + `\. A page that fails to load is no evidence that it changed, so no re-run is planned for it; the next refresh reads it again\.\n$`
	if got := warnings(resp); !regexp.MustCompile(want).MatchString(got) {
		t.Errorf("warnings = %q, want one matching %s", got, want)
	}
}

// The model's own conversion reads and writes every attribute as the
// framework's would: a state read back through it is the same value.
func TestCheckModelRoundTrip(t *testing.T) {
	t.Parallel()
	h := newProtocolHarness(t)
	state := h.apply(h.null(), h.config(map[string]tftypes.Value{"extra_body_json": str(`{"a": 1}`), "review_interval_days": num(30)}))
	var m checkModel
	if err := m.fromTerraform(h.ctx, state); err != nil {
		t.Fatal(err)
	}
	if m.RunID.IsNull() || m.Sources.IsNull() || m.History.IsNull() || m.ExtraBodyJSON.ValueString() != `{"a": 1}` {
		t.Errorf("fromTerraform lost values: run_id %s, sources %s, history %s, extra_body_json %s", m.RunID, m.Sources, m.History, m.ExtraBodyJSON)
	}
	back, err := m.toTerraform(h.ctx, h.valueType)
	if err != nil {
		t.Fatal(err)
	}
	if !back.Equal(state) {
		t.Errorf("a state read and written again differs:\n%s\nwant\n%s", back, state)
	}
}
