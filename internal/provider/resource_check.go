package provider

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/handoff"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/sources"
)

var (
	_ resource.Resource                = (*checkResource)(nil)
	_ resource.ResourceWithConfigure   = (*checkResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*checkResource)(nil)
	_ resource.ResourceWithImportState = (*checkResource)(nil)
)

type checkResource struct {
	client *client
}

func newCheckResource() resource.Resource { return &checkResource{} }

func (r *checkResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_check"
}

func (r *checkResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client, _ = req.ProviderData.(*client)
}

func (r *checkResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan checkModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	plan.ID = types.StringValue(newCheckID())
	if r.run(ctx, req.Config, &plan, handoff.Previous{}, &resp.Diagnostics) {
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	}
}

func (r *checkResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state checkModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !plan.RunID.IsUnknown() {
		// ModifyPlan decided no re-run: only enforcement or history_limit
		// changed, and it already carried the results over.
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		return
	}
	prev, diags := state.previous(ctx)
	resp.Diagnostics.Append(diags...)
	plan.ID = state.ID
	if !r.run(ctx, req.Config, &plan, prev, &resp.Diagnostics) {
		plan = state // nothing ran: the last record stays
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Read never calls the AI API. With watch_sources it fetches the source
// pages again so that a changed page shows up in the next plan.
func (r *checkResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var watch types.Bool
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("watch_sources"), &watch)...)
	if resp.Diagnostics.HasError() || r.client == nil || !watch.ValueBool() {
		return
	}
	var sourceURLs types.Map
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("source_urls"), &sourceURLs)...)
	urls, diags := stringMapOf(ctx, sourceURLs)
	resp.Diagnostics.Append(diags...)
	fetched := r.client.runner.Sources.Fetch(ctx, urls)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("observed_source_digests"), stringMap(sources.Digests(fetched)))...)
}

// Delete sends nothing: a handoff is a record, and removing it from state
// is all there is to do.
func (r *checkResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}

func (r *checkResource) ImportState(_ context.Context, _ resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resp.Diagnostics.AddError("costhandoff_check cannot be imported",
		"A cost handoff is a run of a smoke test recorded in state, not a remote object that could be read back. "+
			"Declare the costhandoff_check in configuration and run terraform apply to create a new handoff record.")
}

// run resolves the check, runs it, stores the outcome in m and applies
// enforcement. It reports whether the check ran: a check that could not be
// resolved sends nothing and leaves no record.
func (r *checkResource) run(ctx context.Context, config tfsdk.Config, m *checkModel, prev handoff.Previous, diags *diag.Diagnostics) bool {
	if r.client == nil {
		diags.AddError("Provider not configured", "costhandoff_check needs a configured costhandoff provider to run.")
		return false
	}
	check, d := r.client.resolveCheck(ctx, config, *m)
	diags.Append(d...)
	if diags.HasError() {
		return false
	}
	ctx = maskCredentials(ctx, check.ApprovedKey, check.InvalidKey)
	tflog.Info(ctx, "running cost handoff smoke test", map[string]any{
		"endpoint": check.Request.Endpoint, "api_protocol": string(check.Request.Protocol), "model": check.Request.Model,
	})
	outcome := r.client.runner.Run(ctx, check, prev, int(m.HistoryLimit.ValueInt64()))
	diags.Append(m.setOutcome(ctx, outcome, m.ReviewIntervalDays, m.WatchSources.ValueBool())...)
	tflog.Info(ctx, "cost handoff decided", map[string]any{
		"run_id": outcome.RunID, "decision": string(outcome.Decision), "decision_reasons": reasonStrings(outcome.Reasons),
	})
	enforce(outcome, m.Enforcement.ValueString(), diags)
	return true
}

// enforce turns the decision into diagnostics: stop fails the apply under
// enforcement "fail", review always warns.
func enforce(o handoff.Outcome, enforcement string, diags *diag.Diagnostics) {
	summary := fmt.Sprintf("Cost handoff %s decided %s", o.RunID, o.Decision)
	detail := decisionDetail(o)
	switch {
	case o.Decision == handoff.Stop && enforcement == enforcementFail:
		diags.AddError(summary, detail+"\n\nThe record is saved in state. Fix the causes and apply again, "+
			"or set enforcement = \"record\" to keep stop decisions without failing the apply.")
	case o.Decision != handoff.Proceed:
		diags.AddWarning(summary, detail)
	}
}

func decisionDetail(o handoff.Outcome) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Run %s: decision %s because of %s.\n", o.RunID, o.Decision, strings.Join(reasonStrings(o.Reasons), ", "))
	for _, info := range handoff.Reasons {
		if slices.Contains(o.Reasons, info.Code) {
			fmt.Fprintf(&b, "- %s: %s\n", info.Code, info.Meaning)
		}
	}
	fmt.Fprintf(&b, "happy_path: %s (%s)\nerror_path: %s (%s)",
		o.Probe.HappyPath.Category, o.Probe.HappyPath.Message, o.Probe.ErrorPath.Category, o.Probe.ErrorPath.Message)
	if len(o.Allocation.Findings) > 0 {
		fmt.Fprintf(&b, "\nallocation: %s", o.Allocation.Message())
	}
	return b.String()
}

// maskCredentials makes every log line of this context hide the keys,
// whatever field or message they would appear in.
func maskCredentials(ctx context.Context, keys ...string) context.Context {
	for _, k := range keys {
		if k == "" {
			continue
		}
		ctx = tflog.MaskAllFieldValuesStrings(ctx, k)
		ctx = tflog.MaskMessageStrings(ctx, k)
	}
	return ctx
}

func newCheckID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "chk-" + hex.EncodeToString(b)
}
