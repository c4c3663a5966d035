package provider

import (
	"context"
	"crypto/rand"
	"encoding/hex"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/handoff"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/ledger"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/sanitize"
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
	if ran, recheck := r.run(ctx, cfg, &plan, handoff.Previous{}, &resp.Diagnostics); ran {
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
	if ran, recheck := r.run(ctx, cfg, &plan, prev, &resp.Diagnostics); !ran {
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
	if r.refreshLedger(ctx, &state, req.Private, resp) {
		resp.State.Raw = writeModel(ctx, state, req.State.Raw.Type(), &resp.Diagnostics)
	}
}

// readModel is the check as raw holds it (a configuration, plan or state);
// ok is false, with an error diagnostic, when it cannot be read.
func readModel(ctx context.Context, raw tftypes.Value, diags *diag.Diagnostics) (m checkModel, ok bool) {
	if err := m.fromTerraform(ctx, raw); err != nil {
		diags.AddError("Unable to read costhandoff_check", err.Error())
		return m, false
	}
	return m, true
}

// writeModel is m as a value of type t, for a plan or a state.
func writeModel(ctx context.Context, m checkModel, t tftypes.Type, diags *diag.Diagnostics) tftypes.Value {
	v, err := m.toTerraform(ctx, t)
	if err != nil {
		diags.AddError("Unable to write costhandoff_check", err.Error())
		return tftypes.NewValue(t, tftypes.UnknownValue)
	}
	return v
}

// Delete sends nothing and needs no credential: a handoff is a record, and
// removing it from state is all there is to do.
func (r *checkResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}

func (r *checkResource) ImportState(_ context.Context, _ resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resp.Diagnostics.AddError("costhandoff_check cannot be imported",
		"A cost handoff is a run of a smoke test recorded in state, not a remote object that could be read back. "+
			"Declare the costhandoff_check in configuration and run terraform apply to create a new handoff record.")
}

// run resolves the check, runs it, stores the outcome in m and applies
// enforcement. It reports whether the check ran: a check that could not be
// resolved sends nothing and leaves no record.
func (r *checkResource) run(ctx context.Context, cfg checkModel, m *checkModel, prev handoff.Previous, diags *diag.Diagnostics) (bool, *ledger.Recheck) {
	if r.data == nil {
		diags.AddError("Provider not configured", "costhandoff_check needs a configured costhandoff provider to run.")
		return false, nil
	}
	// The defaults a plan fills in, filled in here too for a plan that could
	// not (a provider configured only at apply), so the state is known.
	m.resolveLeftOut(cfg, r.data)
	check, d := r.data.resolveCheck(ctx, cfg, *m)
	diags.Append(d...)
	if diags.HasError() {
		return false, nil
	}
	ctx = maskCredentials(ctx, check.ApprovedKey, check.InvalidKey, r.data.ledgerToken)
	tflog.Info(ctx, "running cost handoff smoke test", map[string]any{
		"endpoint": handoff.LogEndpoint(check.Request.Endpoint), "api_protocol": string(check.Request.Protocol), "model": check.Request.Model,
	})
	outcome := r.data.runner.Run(ctx, check, prev, int(m.HistoryLimit.ValueInt64()))
	diags.Append(m.setOutcome(ctx, outcome)...)
	tflog.Info(ctx, "cost handoff decided", map[string]any{
		"run_id": outcome.RunID, "decision": string(outcome.Decision), "decision_reasons": reasonStrings(outcome.Reasons),
	})
	enforce(outcome, m.Enforcement.ValueString(), untaintHint(*m, prev), diags)
	if outcome.Ledger != nil {
		return true, outcome.Ledger.Recheck
	}
	return true, nil
}

// untaintHint is what a first run that stops tells the operator ("" for a
// later run): Terraform taints a resource whose create failed and would
// replace it, with a new history, at the next apply. The provider does not
// know the resource's address, so it names the check by what it tests.
func untaintHint(m checkModel, prev handoff.Previous) string {
	if prev.RunID != "" {
		return ""
	}
	return "This was the first run of the check " + m.describe() + ", so Terraform marks it tainted and would replace it " +
		"at the next apply, starting a new history without this run. To keep this run in the audit trail, run " +
		"terraform untaint with this costhandoff_check's own address (Terraform names it beside this error, e.g. " +
		"terraform untaint 'module.search.costhandoff_check.prod') before the next apply: the next apply then re-runs " +
		"the check in place and keeps this run in history."
}

// enforce turns the decision into diagnostics: stop fails the apply under
// enforcement "fail", review always warns. The detail carries the run's
// log, because Terraform does not update root outputs after a failed apply.
func enforce(o handoff.Outcome, enforcement, untaint string, diags *diag.Diagnostics) {
	detail := o.Detail()
	switch {
	case o.Decision == handoff.Stop && enforcement == enforcementFail:
		detail += "\n\nThe run is saved in state and the next apply runs the check again. Fix the causes and apply again, " +
			"or set enforcement = \"record\" to keep stop decisions without failing the apply."
		if untaint != "" {
			detail += "\n\n" + untaint
		}
		diags.AddError(o.Summary(), detail)
	case o.Decision != handoff.Proceed:
		diags.AddWarning(o.Summary(), detail)
	}
}

// maskCredentials makes every log line of this context hide the secrets in
// each form a server may echo them (sanitize.Forms), whatever field or
// message they would appear in. What the provider logs has been through the
// sanitiser already; this is the literal second line of defence.
func maskCredentials(ctx context.Context, secrets ...string) context.Context {
	for _, s := range sanitize.Forms(secrets...) {
		ctx = tflog.MaskAllFieldValuesStrings(ctx, s)
		ctx = tflog.MaskMessageStrings(ctx, s)
	}
	return ctx
}

func newCheckID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "chk-" + hex.EncodeToString(b)
}
