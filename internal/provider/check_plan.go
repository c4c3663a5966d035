package provider

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/handoff"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/sources"
)

// ModifyPlan decides whether apply re-runs the check and shows who will be
// recorded. It never sends a request.
func (r *checkResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.client == nil {
		return
	}
	var plan, config checkModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	plan.resolveDefaults(config, r.client)
	if !req.State.Raw.IsNull() {
		var state checkModel
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		if resp.Diagnostics.HasError() {
			return
		}
		if why := rerunCause(plan, state, r.client.now()); why != "" {
			tflog.Info(ctx, "cost handoff will re-run", map[string]any{"cause": why})
			plan.checkResults = unknownResults(state.ID)
		} else {
			plan.checkResults = state.checkResults
			plan.History = trimHistory(state.History, plan.HistoryLimit)
		}
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// ValidateConfig reports every gap knowable from configuration, each on its
// attribute. Terraform calls it again during apply once every value is
// known, so a gap hidden behind an unknown value at plan time fails the
// apply on its attribute before any request is sent.
func (r *checkResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	if r.client == nil {
		return
	}
	resp.Diagnostics.Append(r.client.validateConfig(ctx, req.Config)...)
}

// resolveDefaults fills operator and follow_up_owner from their defaults
// when not configured, so the plan shows who will be recorded.
func (m *checkModel) resolveDefaults(config checkModel, c *client) {
	if config.Operator.IsNull() {
		m.Operator = types.StringValue(c.operator)
	}
	if config.FollowUpOwner.IsNull() {
		m.FollowUpOwner = m.OwnerTag
	}
}

// validateConfig checks the configured handoff against the provider's
// policy. Values unknown now are left for later. Attributes are read one by
// one: this runs for every check on every plan.
func (c *client) validateConfig(ctx context.Context, config tfsdk.Config) diag.Diagnostics {
	var diags diag.Diagnostics
	get := func(name string, target any) { diags.Append(config.GetAttribute(ctx, path.Root(name), target)...) }
	for _, field := range handoff.AllocationFields {
		name := allocationAttributeNames[field]
		var v types.String
		if get(name, &v); v.IsUnknown() {
			continue
		}
		if f, bad := c.policy.CheckField(field, v.ValueString()); bad {
			diags.AddAttributeError(path.Root(name), "Incomplete cost handoff",
				fmt.Sprintf("%s %s. The provider's policy requires %s (required_tags = [%s]); set a real value.",
					name, f.Reason, field, strings.Join(c.policy.RequiredTags, ", ")))
		}
	}
	var sourceURLs types.Map
	if get("source_urls", &sourceURLs); !sourceURLs.IsUnknown() {
		urls, d := stringMapOf(ctx, sourceURLs)
		diags.Append(d...)
		if missing := c.policy.MissingSourceKinds(urls); len(missing) > 0 {
			diags.AddAttributeError(path.Root("source_urls"), "Incomplete cost handoff",
				fmt.Sprintf("source_urls has no URL for %s, required by the provider's required_source_kinds.", strings.Join(missing, ", ")))
		}
	}
	var endpoint, operator, key types.String
	if get("endpoint", &endpoint); !endpoint.IsUnknown() {
		diags.Append(c.checkEndpoint(stringOr(endpoint, "", c.endpoint))...)
	}
	if get("api_key_wo", &key); key.IsNull() && c.apiKey == "" {
		diags.Append(noCredential())
	}
	if get("operator", &operator); !operator.IsUnknown() && strings.TrimSpace(stringOr(operator, "", c.operator)) == "" {
		diags.AddAttributeError(path.Root("operator"), "Incomplete cost handoff",
			"operator is not set: set it here, in the provider's operator, or in the "+EnvOperator+" environment variable.")
	}
	return diags
}

// rerunCause says why apply must run the check again, "" when it need not.
func rerunCause(plan, state checkModel, now time.Time) string {
	stateInputs := state.rerunInputs()
	for i, v := range plan.rerunInputs() {
		if !v.Equal(stateInputs[i]) {
			return "arguments changed"
		}
	}
	return state.runState().rerunCause(plan.Enforcement.ValueString(), now)
}

// runState is what the last run left that can call for another run
// without any change of configuration.
type runState struct {
	ReviewDueAt           types.String
	WatchSources          types.Bool
	ObservedSourceDigests types.Map
	Sources               types.List
	Decision              types.String
}

func (m checkModel) runState() runState {
	return runState{m.ReviewDueAt, m.WatchSources, m.ObservedSourceDigests, m.Sources, m.Decision}
}

func readRunState(ctx context.Context, state tfsdk.State) (runState, diag.Diagnostics) {
	var s runState
	var diags diag.Diagnostics
	diags.Append(state.GetAttribute(ctx, path.Root("review_due_at"), &s.ReviewDueAt)...)
	diags.Append(state.GetAttribute(ctx, path.Root("watch_sources"), &s.WatchSources)...)
	diags.Append(state.GetAttribute(ctx, path.Root("decision"), &s.Decision)...)
	if s.WatchSources.ValueBool() {
		diags.Append(state.GetAttribute(ctx, path.Root("observed_source_digests"), &s.ObservedSourceDigests)...)
		diags.Append(state.GetAttribute(ctx, path.Root("sources"), &s.Sources)...)
	}
	return s, diags
}

func (s runState) rerunCause(enforcement string, now time.Time) string {
	if due, err := time.Parse(time.RFC3339, s.ReviewDueAt.ValueString()); err == nil && !now.Before(due) {
		return "review expired at " + s.ReviewDueAt.ValueString()
	}
	if s.WatchSources.ValueBool() && s.watchedSourcesChanged() {
		return "a watched source page changed"
	}
	// Like a tainted new resource, a check whose last run stopped the apply
	// runs again until it passes or enforcement stops failing on it.
	if s.Decision.ValueString() == string(handoff.Stop) && enforcement == enforcementFail {
		return "the last run decided stop"
	}
	return ""
}

// watchedSourcesChanged compares the digests seen on refresh with the ones
// recorded by the last run.
func (s runState) watchedSourcesChanged() bool {
	observed := map[string]string{}
	for k, v := range s.ObservedSourceDigests.Elements() {
		if str, ok := v.(types.String); ok {
			observed[k] = str.ValueString()
		}
	}
	recorded, _ := pages(context.Background(), s.Sources)
	return !maps.Equal(observed, sources.Digests(recorded))
}

func unknownResults(id types.String) checkResults {
	return checkResults{
		ID:                    id,
		RunID:                 types.StringUnknown(),
		ReviewedAt:            types.StringUnknown(),
		ReviewDueAt:           types.StringUnknown(),
		HappyPath:             types.ObjectUnknown(happyPathType.AttrTypes),
		ErrorPath:             types.ObjectUnknown(errorPathType.AttrTypes),
		EvidenceCaptured:      types.BoolUnknown(),
		AllocationComplete:    types.BoolUnknown(),
		MissingFields:         types.ListUnknown(types.StringType),
		Sources:               types.ListUnknown(sourceType),
		ObservedSourceDigests: types.MapUnknown(types.StringType),
		ChangedSources:        types.ListUnknown(types.StringType),
		Decision:              types.StringUnknown(),
		DecisionReasons:       types.ListUnknown(types.StringType),
		Record:                types.ObjectUnknown(recordType.AttrTypes),
		Log:                   types.StringUnknown(),
		History:               types.ListUnknown(recordType),
	}
}

// trimHistory applies a new history_limit to the stored history without a run.
func trimHistory(history types.List, limit types.Int64) types.List {
	elems := history.Elements()
	if history.IsNull() || history.IsUnknown() || limit.IsUnknown() || int64(len(elems)) <= limit.ValueInt64() {
		return history
	}
	return types.ListValueMust(recordType, elems[:limit.ValueInt64()])
}

func stringMapOf(ctx context.Context, m types.Map) (map[string]string, diag.Diagnostics) {
	out := map[string]string{}
	if m.IsNull() || m.IsUnknown() {
		return out, nil
	}
	diags := m.ElementsAs(ctx, &out, false)
	return out, diags
}
