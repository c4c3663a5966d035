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

// ModifyPlan validates the handoff against the provider's policy and decides
// whether apply re-runs the check. It never sends a request.
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
// attribute. Terraform calls it while planning but not again with the
// values that become known during apply, so a value unknown at plan time is
// judged by the run instead, where a gap gives allocation_gap.
func (r *checkResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	if r.client == nil {
		return
	}
	var config checkModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	config.resolveDefaults(config, r.client)
	resp.Diagnostics.Append(r.client.validatePlan(ctx, req.Config, config)...)
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

// validatePlan reports every gap knowable now, each on its attribute. Values
// unknown until apply are left to the run, where a gap gives allocation_gap.
func (c *client) validatePlan(ctx context.Context, config tfsdk.Config, m checkModel) diag.Diagnostics {
	var diags diag.Diagnostics
	for field, v := range m.allocationValues() {
		if v.IsUnknown() {
			continue
		}
		if f, bad := c.policy.CheckField(field, v.ValueString()); bad {
			name := allocationAttributeNames[field]
			diags.AddAttributeError(path.Root(name), "Incomplete cost handoff",
				fmt.Sprintf("%s %s. The provider's policy requires %s (required_tags = [%s]); set a real value.",
					name, f.Reason, field, strings.Join(c.policy.RequiredTags, ", ")))
		}
	}
	if !m.SourceURLs.IsUnknown() {
		urls, d := stringMapOf(ctx, m.SourceURLs)
		diags.Append(d...)
		if missing := c.policy.MissingSourceKinds(urls); len(missing) > 0 {
			diags.AddAttributeError(path.Root("source_urls"), "Incomplete cost handoff",
				fmt.Sprintf("source_urls has no URL for %s, required by the provider's required_source_kinds.", strings.Join(missing, ", ")))
		}
	}
	if endpoint := m.endpoint(c); endpoint != nil {
		diags.Append(c.checkEndpoint(*endpoint)...)
	}
	var key types.String
	diags.Append(config.GetAttribute(ctx, path.Root("api_key_wo"), &key)...)
	if key.IsNull() && c.apiKey == "" {
		diags.Append(noCredential())
	}
	if !m.Operator.IsUnknown() && strings.TrimSpace(m.Operator.ValueString()) == "" {
		diags.AddAttributeError(path.Root("operator"), "Incomplete cost handoff",
			"operator is not set: set it here, in the provider's operator, or in the "+EnvOperator+" environment variable.")
	}
	return diags
}

// endpoint is the endpoint this check will call, nil while unknown.
func (m checkModel) endpoint(c *client) *string {
	switch {
	case m.Endpoint.IsUnknown():
		return nil
	case m.Endpoint.IsNull():
		return &c.endpoint
	}
	s := m.Endpoint.ValueString()
	return &s
}

// rerunCause says why apply must run the check again, "" when it need not.
func rerunCause(plan, state checkModel, now time.Time) string {
	stateInputs := state.rerunInputs()
	for i, v := range plan.rerunInputs() {
		if !v.Equal(stateInputs[i]) {
			return "arguments changed"
		}
	}
	if due, err := time.Parse(time.RFC3339, state.ReviewDueAt.ValueString()); err == nil && !now.Before(due) {
		return "review expired at " + state.ReviewDueAt.ValueString()
	}
	if state.WatchSources.ValueBool() && watchedSourcesChanged(state) {
		return "a watched source page changed"
	}
	// Like a tainted new resource, a check whose last run stopped the apply
	// runs again until it passes or enforcement stops failing on it.
	if state.Decision.ValueString() == string(handoff.Stop) && plan.Enforcement.ValueString() == enforcementFail {
		return "the last run decided stop"
	}
	return ""
}

// watchedSourcesChanged compares the digests seen on refresh with the ones
// recorded by the last run.
func watchedSourcesChanged(state checkModel) bool {
	observed := map[string]string{}
	for k, v := range state.ObservedSourceDigests.Elements() {
		if s, ok := v.(types.String); ok {
			observed[k] = s.ValueString()
		}
	}
	recorded, _ := pages(context.Background(), state.Sources)
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
