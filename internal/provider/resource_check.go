package provider

import (
	"context"
	"crypto/rand"
	"encoding/hex"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/handoff"
)

var (
	_ resource.Resource                   = (*checkResource)(nil)
	_ resource.ResourceWithConfigure      = (*checkResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*checkResource)(nil)
	_ resource.ResourceWithValidateConfig = (*checkResource)(nil)
	_ resource.ResourceWithImportState    = (*checkResource)(nil)
)

type checkResource struct {
	data *providerData
}

func newCheckResource() resource.Resource { return &checkResource{} }

func (r *checkResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_check"
}

func (r *checkResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = checkResourceSchema()
}

func (r *checkResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	validateCheckConfig(ctx, r.data, req, resp)
}

func (r *checkResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	planCheck(ctx, r.data, req, resp)
}

func (r *checkResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataOf(req.ProviderData, &resp.Diagnostics)
}

func (r *checkResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	plan, ok := readModel(ctx, req.Plan.Raw, &resp.Diagnostics)
	cfg, ok2 := readModel(ctx, req.Config.Raw, &resp.Diagnostics)
	if !ok || !ok2 {
		return
	}
	plan.ID = types.StringValue(newCheckID())
	if ran, recheck := runCheck(ctx, r.data, cfg, &plan, handoff.Previous{}, &resp.Diagnostics); ran {
		resp.State.Raw = writeModel(ctx, plan, req.Plan.Raw.Type(), &resp.Diagnostics)
		resp.Diagnostics.Append(writePrivate(ctx, resp.Private, ledgerTestedKey, r.data.ledger)...)
		resp.Diagnostics.Append(writeRecheck(ctx, resp.Private, recheck)...)
	}
}

func (r *checkResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	plan, ok := readModel(ctx, req.Plan.Raw, &resp.Diagnostics)
	state, ok2 := readModel(ctx, req.State.Raw, &resp.Diagnostics)
	cfg, ok3 := readModel(ctx, req.Config.Raw, &resp.Diagnostics)
	if !ok || !ok2 || !ok3 {
		return
	}
	if !plan.RunID.IsUnknown() {
		// ModifyPlan decided no re-run: only enforcement or history_limit
		// changed, and it already carried the results over; a history_limit
		// unknown at plan is known now.
		if plan.History.IsUnknown() {
			history, diags := stringMapOf(ctx, state.History)
			resp.Diagnostics.Append(diags...)
			plan.History = stringMap(handoff.TrimHistory(history, int(plan.HistoryLimit.ValueInt64())))
		}
		resp.State.Raw = writeModel(ctx, plan, req.Plan.Raw.Type(), &resp.Diagnostics)
		return
	}
	prev, diags := state.previous(ctx)
	resp.Diagnostics.Append(diags...)
	plan.ID = state.ID
	if ran, recheck := runCheck(ctx, r.data, cfg, &plan, prev, &resp.Diagnostics); !ran {
		plan = state // nothing ran: the last run stays
	} else {
		resp.Diagnostics.Append(writePrivate(ctx, resp.Private, ledgerTestedKey, r.data.ledger)...)
		resp.Diagnostics.Append(writeRecheck(ctx, resp.Private, recheck)...)
	}
	resp.State.Raw = writeModel(ctx, plan, req.Plan.Raw.Type(), &resp.Diagnostics)
	// Pages seen on refresh belonged to the run just replaced.
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, observedSourcesKey, nil)...)
}

// Read never calls the AI API. With watch_sources it fetches the source
// pages again and keeps what it found in private state, so that a changed
// page shows up in the next plan without growing the stored handoff. A run
// whose usage-API ledger is pending is read again (refreshLedger).
func (r *checkResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	state, ok := readModel(ctx, req.State.Raw, &resp.Diagnostics)
	if !ok || r.data == nil {
		return
	}
	if state.WatchSources.ValueBool() {
		urls, diags := stringMapOf(ctx, state.SourceURLs)
		resp.Diagnostics.Append(diags...)
		// A refresh knows the provider's key and the ledger token, not a check's
		// write-only key nor the invalid key of the last run: the pages' reasons
		// are scrubbed of those two and of every key shape.
		credentials := []string{r.data.apiKey, r.data.ledgerToken}
		fetched := r.data.runner.Sources.Fetch(maskCredentials(ctx, credentials...), urls, credentials)
		resp.Diagnostics.Append(writePrivate(ctx, resp.Private, observedSourcesKey, fetched)...)
	}
	if refreshLedger(ctx, r.data, &state, req.Private, resp) {
		resp.State.Raw = writeModel(ctx, state, req.State.Raw.Type(), &resp.Diagnostics)
	}
}

// Delete sends nothing and needs no credential: a handoff is a record, and
// removing it from state is all there is to do.
func (r *checkResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}

func (r *checkResource) ImportState(_ context.Context, _ resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resp.Diagnostics.AddError("costhandoff_check cannot be imported",
		"A cost handoff is a run of a smoke test recorded in state, not a remote object that could be read back. "+
			"Declare the costhandoff_check in configuration and run terraform apply to create a new handoff record.")
}

func newCheckID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "chk-" + hex.EncodeToString(b)
}
