package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"reflect"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// protocolHarness drives costhandoff_check through the protocol the way
// Terraform does, without Terraform, so that fastPath's answers can be
// compared with the framework's for the same request.
type protocolHarness struct {
	t   testing.TB
	ctx context.Context
	e   *testEnv
	f   *fastPath
}

func newProtocolHarness(t testing.TB) *protocolHarness {
	e := newTestEnv(t)
	h := &protocolHarness{t: t, ctx: context.Background(), e: e,
		f: newFastPath(&costhandoffProvider{version: "test", now: e.clock.Now, getenv: func(string) string { return "" }})}
	h.configure(str("finops-platform"))
	return h
}

func (h *protocolHarness) configure(operator tftypes.Value) {
	h.t.Helper()
	schemas, err := h.f.GetProviderSchema(h.ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		h.t.Fatal(err)
	}
	config := objectOf(schemas.Provider.ValueType(), map[string]tftypes.Value{
		"endpoint": tftypes.NewValue(tftypes.String, h.e.url+"/v1"),
		"api_key":  tftypes.NewValue(tftypes.String, approvedKey),
		"operator": operator,
	})
	resp, err := h.f.ConfigureProvider(h.ctx, &tfprotov6.ConfigureProviderRequest{Config: h.dynamic(config)})
	h.noErrors(err, resp.Diagnostics)
}

// config is a complete handoff with extra arguments.
func (h *protocolHarness) config(extra map[string]tftypes.Value) tftypes.Value {
	urls := map[string]tftypes.Value{}
	for _, kind := range []string{"pricing", "support", "allocation", "unit_economics"} {
		urls[kind] = tftypes.NewValue(tftypes.String, h.e.url+"/pages/"+kind)
	}
	attrs := map[string]tftypes.Value{
		"owner_tag":    tftypes.NewValue(tftypes.String, "team-search"),
		"workload_tag": tftypes.NewValue(tftypes.String, "search-summaries"),
		"environment":  tftypes.NewValue(tftypes.String, "prod"),
		"model":        tftypes.NewValue(tftypes.String, testModel),
		"source_urls":  tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, urls),
	}
	for k, v := range extra {
		attrs[k] = v
	}
	return objectOf(h.f.valueType, attrs)
}

// create plans and applies a new check, as terraform apply does.
func (h *protocolHarness) create(config tftypes.Value) tftypes.Value {
	h.t.Helper()
	null := h.dynamic(tftypes.NewValue(h.f.valueType, nil))
	plan, err := h.f.PlanResourceChange(h.ctx, &tfprotov6.PlanResourceChangeRequest{
		TypeName: checkTypeName, PriorState: null, ProposedNewState: h.dynamic(config), Config: h.dynamic(config)})
	h.noErrors(err, plan.Diagnostics)
	applied, err := h.f.ApplyResourceChange(h.ctx, &tfprotov6.ApplyResourceChangeRequest{
		TypeName: checkTypeName, PriorState: null, PlannedState: plan.PlannedState, Config: h.dynamic(config),
		PlannedPrivate: plan.PlannedPrivate})
	h.noErrors(err, applied.Diagnostics)
	return h.decode(applied.NewState)
}

// planRequest is the request of a plan of config over prior, with the
// proposed state Terraform computes: configured arguments from config,
// everything else from prior.
func (h *protocolHarness) planRequest(prior, config tftypes.Value) *tfprotov6.PlanResourceChangeRequest {
	var priorAttrs, configAttrs map[string]tftypes.Value
	if err := prior.As(&priorAttrs); err != nil {
		h.t.Fatal(err)
	}
	if err := config.As(&configAttrs); err != nil {
		h.t.Fatal(err)
	}
	proposed := map[string]tftypes.Value{}
	for name, a := range h.f.schema.Attributes {
		proposed[name] = configAttrs[name]
		if a.IsComputed() && (!a.IsOptional() || configAttrs[name].IsNull()) {
			proposed[name] = priorAttrs[name]
		}
	}
	return &tfprotov6.PlanResourceChangeRequest{TypeName: checkTypeName, PriorState: h.dynamic(prior),
		ProposedNewState: h.dynamic(tftypes.NewValue(h.f.valueType, proposed)), Config: h.dynamic(config)}
}

// edited is state with edit applied to its attributes.
func (h *protocolHarness) edited(state tftypes.Value, edit func(map[string]tftypes.Value)) tftypes.Value {
	h.t.Helper()
	var attrs map[string]tftypes.Value
	if err := state.As(&attrs); err != nil {
		h.t.Fatal(err)
	}
	edit(attrs)
	return tftypes.NewValue(h.f.valueType, attrs)
}

func (h *protocolHarness) dynamic(v tftypes.Value) *tfprotov6.DynamicValue {
	h.t.Helper()
	dv, err := tfprotov6.NewDynamicValue(v.Type(), v)
	if err != nil {
		h.t.Fatal(err)
	}
	return &dv
}

func (h *protocolHarness) decode(dv *tfprotov6.DynamicValue) tftypes.Value {
	h.t.Helper()
	v, err := dv.Unmarshal(h.f.valueType)
	if err != nil {
		h.t.Fatal(err)
	}
	return v
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

// TestFastPathPlansAsTheFrameworkDoes compares, for each plan, fastPath's
// answer with the framework's. Where fastPath answers, the planned state
// must be the framework's; where it must not, the framework's plan differs
// from the prior state, so echoing it would have been wrong.
func TestFastPathPlansAsTheFrameworkDoes(t *testing.T) {
	tests := []struct {
		name     string
		created  map[string]tftypes.Value
		planned  map[string]tftypes.Value
		before   func(h *protocolHarness)
		edit     func(stored map[string]tftypes.Value) // a state written by something else than a run
		answered bool
	}{
		{name: "nothing changed", answered: true},
		{name: "nothing changed, write-only key configured", answered: true,
			created: map[string]tftypes.Value{"api_key_wo": str(approvedKey)},
			planned: map[string]tftypes.Value{"api_key_wo": str(approvedKey)}},
		{name: "defaults configured explicitly", answered: true,
			created: map[string]tftypes.Value{"enforcement": str("fail"), "follow_up_owner": str("team-search")},
			planned: map[string]tftypes.Value{"enforcement": str("fail"), "follow_up_owner": str("team-search")}},
		{name: "argument changed",
			planned: map[string]tftypes.Value{"workload_tag": str("search-digests")}},
		{name: "enforcement left out returns to its default",
			created: map[string]tftypes.Value{"enforcement": str("record")}},
		{name: "follow_up_owner left out returns to owner_tag",
			created: map[string]tftypes.Value{"follow_up_owner": str("team-finops")}},
		{name: "provider operator changed",
			before: func(h *protocolHarness) { h.configure(str("finops-oncall")) }},
		{name: "review expired",
			created: map[string]tftypes.Value{"review_interval_days": tftypes.NewValue(tftypes.Number, 30)},
			planned: map[string]tftypes.Value{"review_interval_days": tftypes.NewValue(tftypes.Number, 30)},
			before:  func(h *protocolHarness) { h.e.clock.Advance(30 * 24 * time.Hour) }},
		{name: "stored history longer than history_limit",
			created: map[string]tftypes.Value{"history_limit": tftypes.NewValue(tftypes.Number, 1)},
			planned: map[string]tftypes.Value{"history_limit": tftypes.NewValue(tftypes.Number, 1)},
			edit: func(stored map[string]tftypes.Value) {
				record := stored["record"]
				stored["history"] = tftypes.NewValue(stored["history"].Type(), []tftypes.Value{record, record})
			}},
		{name: "write-only value in the stored state",
			edit: func(stored map[string]tftypes.Value) { stored["api_key_wo"] = str(approvedKey) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newProtocolHarness(t)
			prior := h.create(h.config(tt.created))
			if tt.edit != nil {
				prior = h.edited(prior, tt.edit)
			}
			if tt.before != nil {
				tt.before(h)
			}
			planned := tt.planned
			if planned == nil {
				planned = map[string]tftypes.Value{}
			}
			req := h.planRequest(prior, h.config(planned))
			if _, got := h.f.plan(h.ctx, req); got != tt.answered {
				t.Fatalf("fast path answered = %t, want %t", got, tt.answered)
			}
			fast, err := h.f.PlanResourceChange(h.ctx, req)
			h.noErrors(err, fast.Diagnostics)
			framework, err := h.f.ProviderServer.PlanResourceChange(h.ctx, req)
			h.noErrors(err, framework.Diagnostics)
			fastPlan, frameworkPlan := h.decode(fast.PlannedState), h.decode(framework.PlannedState)
			if !fastPlan.Equal(frameworkPlan) {
				t.Fatalf("fast path planned\n%s\nframework planned\n%s", fastPlan, frameworkPlan)
			}
			if !tt.answered && frameworkPlan.Equal(prior) {
				t.Fatal("the framework planned no change: the case does not need the framework")
			}
		})
	}
}

// TestFastPathPlansCreatesAsTheFrameworkDoes: the plan of a new check is
// the framework's, for every way of leaving arguments out or unknown.
func TestFastPathPlansCreatesAsTheFrameworkDoes(t *testing.T) {
	unknown := func(typ tftypes.Type) tftypes.Value { return tftypes.NewValue(typ, tftypes.UnknownValue) }
	tests := map[string]map[string]tftypes.Value{
		"every optional argument left out": nil,
		"optional arguments configured": {"operator": str("finops-oncall"), "follow_up_owner": str("team-finops"),
			"enforcement": str("record"), "history_limit": tftypes.NewValue(tftypes.Number, 3),
			"watch_sources": tftypes.NewValue(tftypes.Bool, true), "prompt": str("hello")},
		"write-only keys configured":   {"api_key_wo": str(approvedKey), "invalid_api_key_wo": str("sk-test-invalid")},
		"owner_tag unknown":            {"owner_tag": unknown(tftypes.String)},
		"source_urls unknown":          {"source_urls": unknown(tftypes.Map{ElementType: tftypes.String})},
		"an optional argument unknown": {"enforcement": unknown(tftypes.String), "operator": unknown(tftypes.String)},
	}
	for name, extra := range tests {
		t.Run(name, func(t *testing.T) {
			h := newProtocolHarness(t)
			config := h.dynamic(h.config(extra))
			req := &tfprotov6.PlanResourceChangeRequest{TypeName: checkTypeName,
				PriorState: h.dynamic(tftypes.NewValue(h.f.valueType, nil)), ProposedNewState: config, Config: config}
			if _, answered := h.f.plan(h.ctx, req); !answered {
				t.Fatal("fast path did not answer the plan of a new check")
			}
			fast, err := h.f.PlanResourceChange(h.ctx, req)
			h.noErrors(err, fast.Diagnostics)
			framework, err := h.f.ProviderServer.PlanResourceChange(h.ctx, req)
			h.noErrors(err, framework.Diagnostics)
			if fastPlan, frameworkPlan := h.decode(fast.PlannedState), h.decode(framework.PlannedState); !fastPlan.Equal(frameworkPlan) {
				t.Fatalf("fast path planned\n%s\nframework planned\n%s", fastPlan, frameworkPlan)
			}
		})
	}
}

// TestFastPathRefreshesAsTheFrameworkDoes: a check that does not watch its
// sources is refreshed to itself without a page request, as the framework
// would; one that watches goes to the framework, which fetches the pages.
func TestFastPathRefreshesAsTheFrameworkDoes(t *testing.T) {
	storedKey := func(stored map[string]tftypes.Value) { stored["api_key_wo"] = str(approvedKey) }
	tests := []struct {
		name  string
		watch bool
		edit  func(map[string]tftypes.Value)
		pages int
	}{
		{name: "not watching", pages: 0},
		{name: "watching", watch: true, pages: 4},
		{name: "write-only value in the stored state", edit: storedKey, pages: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newProtocolHarness(t)
			state := h.create(h.config(map[string]tftypes.Value{"watch_sources": tftypes.NewValue(tftypes.Bool, tt.watch)}))
			if tt.edit != nil {
				state = h.edited(state, tt.edit)
			}
			req := &tfprotov6.ReadResourceRequest{TypeName: checkTypeName, CurrentState: h.dynamic(state)}
			pagesBefore := h.e.standin.PageRequests()
			fast, err := h.f.ReadResource(h.ctx, req)
			h.noErrors(err, fast.Diagnostics)
			if got := h.e.standin.PageRequests() - pagesBefore; got != tt.pages {
				t.Fatalf("%d page requests on refresh, want %d", got, tt.pages)
			}
			framework, err := h.f.ProviderServer.ReadResource(h.ctx, req)
			h.noErrors(err, framework.Diagnostics)
			if !h.decode(fast.NewState).Equal(h.decode(framework.NewState)) {
				t.Fatal("fast path and framework refreshed to different states")
			}
		})
	}
}

// TestFastPathUpgradesAsTheFrameworkDoes: a state stored at the current
// version, even with an attribute this schema no longer has, upgrades to
// the framework's value.
func TestFastPathUpgradesAsTheFrameworkDoes(t *testing.T) {
	h := newProtocolHarness(t)
	stored, err := tftypesJSON(h.create(h.config(nil)))
	if err != nil {
		t.Fatal(err)
	}
	withRemoved := append([]byte(`{"removed_attribute": "x", `), stored[1:]...)
	for name, raw := range map[string][]byte{"as stored": stored, "with a removed attribute": withRemoved} {
		t.Run(name, func(t *testing.T) {
			req := &tfprotov6.UpgradeResourceStateRequest{TypeName: checkTypeName, Version: checkSchemaVersion,
				RawState: &tfprotov6.RawState{JSON: raw}}
			alone := *h.f
			alone.ProviderServer = upgradeNotForwarded{h.f.ProviderServer, t}
			fast, err := alone.UpgradeResourceState(h.ctx, req)
			h.noErrors(err, fast.Diagnostics)
			framework, err := h.f.ProviderServer.UpgradeResourceState(h.ctx, req)
			h.noErrors(err, framework.Diagnostics)
			if !h.decode(fast.UpgradedState).Equal(h.decode(framework.UpgradedState)) {
				t.Fatal("fast path and framework upgraded to different states")
			}
		})
	}
}

// upgradeNotForwarded fails the test if an upgrade reaches the framework.
type upgradeNotForwarded struct {
	tfprotov6.ProviderServer
	t testing.TB
}

func (u upgradeNotForwarded) UpgradeResourceState(context.Context, *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	u.t.Fatal("the fast path forwarded an upgrade at the current version to the framework")
	return nil, nil
}

// TestFastPathFollowsReconfiguration: a server configured again, as one
// serving several commands is, answers with the new configuration, and
// leaves to the framework what an unknown one cannot settle.
func TestFastPathFollowsReconfiguration(t *testing.T) {
	h := newProtocolHarness(t)
	h.configure(tftypes.NewValue(tftypes.String, tftypes.UnknownValue))
	config := h.dynamic(h.config(nil))
	req := &tfprotov6.PlanResourceChangeRequest{TypeName: checkTypeName,
		PriorState: h.dynamic(tftypes.NewValue(h.f.valueType, nil)), ProposedNewState: config, Config: config}
	if _, answered := h.f.plan(h.ctx, req); answered {
		t.Fatal("fast path answered with the client of an earlier configuration")
	}
}

// TestSchemaDefaultsCoverTheSchema: every attribute with a default is in
// schemaDefaults, else a configuration leaving it out could be planned
// without moving it back to its default.
func TestSchemaDefaultsCoverTheSchema(t *testing.T) {
	s := CheckResourceSchema()
	got := schemaDefaults(context.Background(), s)
	for name, a := range s.Attributes {
		field := reflect.ValueOf(a).FieldByName("Default")
		hasDefault := field.IsValid() && !field.IsNil()
		if _, ok := got[name]; ok != hasDefault {
			t.Errorf("%s: has a default = %t, in schemaDefaults = %t", name, hasDefault, ok)
		}
	}
	if len(got) == 0 {
		t.Fatal("no defaults found")
	}
}

// TestFastPathKnowsEveryPlanModifier: the fast path plans new checks
// without running plan modifiers. The only one, id's UseStateForUnknown,
// leaves a new check's id unknown, as the fast path does; any other would
// need teaching it.
func TestFastPathKnowsEveryPlanModifier(t *testing.T) {
	modified := []string{}
	for name, a := range CheckResourceSchema().Attributes {
		if field := reflect.ValueOf(a).FieldByName("PlanModifiers"); field.IsValid() && field.Len() > 0 {
			modified = append(modified, name)
		}
	}
	if !reflect.DeepEqual(modified, []string{"id"}) {
		t.Errorf("attributes with plan modifiers: %v, want only id: fastPath.planCreate does not run them", modified)
	}
}

// TestFastPathHidesNothingServed: fastPath embeds tfprotov6.ProviderServer,
// so the framework's optional servers (list resources, actions, state
// stores) are not reachable through it. The provider must serve none.
func TestFastPathHidesNothingServed(t *testing.T) {
	var p any = newProvider("test")
	if _, ok := p.(provider.ProviderWithListResources); ok {
		t.Error("the provider serves list resources, which fastPath hides")
	}
	if _, ok := p.(provider.ProviderWithActions); ok {
		t.Error("the provider serves actions, which fastPath hides")
	}
	if _, ok := p.(provider.ProviderWithStateStores); ok {
		t.Error("the provider serves state stores, which fastPath hides")
	}
}

// BenchmarkCheckRPCs measures, per call, what Terraform asks of the
// provider for every applied check on every plan.
func BenchmarkCheckRPCs(b *testing.B) {
	h := newProtocolHarness(b)
	config := h.config(nil)
	state := h.create(config)
	stateJSON, err := tftypesJSON(state)
	if err != nil {
		b.Fatal(err)
	}
	validate := &tfprotov6.ValidateResourceConfigRequest{TypeName: checkTypeName, Config: h.dynamic(config)}
	upgrade := &tfprotov6.UpgradeResourceStateRequest{TypeName: checkTypeName, Version: checkSchemaVersion,
		RawState: &tfprotov6.RawState{JSON: stateJSON}}
	read := &tfprotov6.ReadResourceRequest{TypeName: checkTypeName, CurrentState: h.dynamic(state)}
	plan := h.planRequest(state, config)
	calls := map[string]func() ([]*tfprotov6.Diagnostic, error){
		"ValidateResourceConfig": func() ([]*tfprotov6.Diagnostic, error) {
			resp, err := h.f.ValidateResourceConfig(h.ctx, validate)
			return resp.Diagnostics, err
		},
		"UpgradeResourceState": func() ([]*tfprotov6.Diagnostic, error) {
			resp, err := h.f.UpgradeResourceState(h.ctx, upgrade)
			return resp.Diagnostics, err
		},
		"ReadResource": func() ([]*tfprotov6.Diagnostic, error) {
			resp, err := h.f.ReadResource(h.ctx, read)
			return resp.Diagnostics, err
		},
		"PlanResourceChange": func() ([]*tfprotov6.Diagnostic, error) {
			resp, err := h.f.PlanResourceChange(h.ctx, plan)
			return resp.Diagnostics, err
		},
	}
	for name, call := range calls {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				diags, err := call()
				h.noErrors(err, diags)
			}
		})
	}
}

// tftypesJSON encodes a known value as Terraform stores it in a state file.
func tftypesJSON(v tftypes.Value) ([]byte, error) {
	plain, err := plainValue(v)
	if err != nil {
		return nil, err
	}
	return json.Marshal(plain)
}

func plainValue(v tftypes.Value) (any, error) {
	if v.IsNull() {
		return nil, nil
	}
	switch typ := v.Type(); {
	case typ.Is(tftypes.String):
		var s string
		return s, v.As(&s)
	case typ.Is(tftypes.Bool):
		var b bool
		return b, v.As(&b)
	case typ.Is(tftypes.Number):
		var n big.Float
		err := v.As(&n)
		return json.Number(n.Text('f', -1)), err
	case typ.Is(tftypes.Object{}) || typ.Is(tftypes.Map{}):
		var attrs map[string]tftypes.Value
		if err := v.As(&attrs); err != nil {
			return nil, err
		}
		out := map[string]any{}
		for k, a := range attrs {
			p, err := plainValue(a)
			if err != nil {
				return nil, err
			}
			out[k] = p
		}
		return out, nil
	default:
		var elems []tftypes.Value
		if err := v.As(&elems); err != nil {
			return nil, err
		}
		out := make([]any, 0, len(elems))
		for _, e := range elems {
			p, err := plainValue(e)
			if err != nil {
				return nil, err
			}
			out = append(out, p)
		}
		return out, nil
	}
}
