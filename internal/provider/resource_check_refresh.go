package provider

import (
	"context"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/handoff"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/ledger"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/rulebook"
)

// runRecord is the run in state as a refresh renders its log: the state's
// record, the pages that changed marked from p.
func (p pendingRun) runRecord(ctx context.Context, state checkModel) handoff.RunRecord {
	rec := state.record(ctx)
	for i := range rec.Sources {
		rec.Sources[i].Changed = slices.Contains(p.ChangedSources, rec.Sources[i].Kind)
	}
	return rec
}

// rechecker is a ledger that can read a pending record again.
type rechecker interface {
	Recheck(ctx context.Context, rc ledger.Recheck, secrets ...string) ledger.Result
}

// refreshLedger reads a pending run's usage bucket again, reads only: never
// the AI API, never the approved key. When the ledger's status changed it
// records it in the same run (ledger, decision, decision_reasons,
// evidence_captured) by the rules the run decided with, renders the run's
// log again from the run's record (checkModel.record) as apply does, and
// reports true. Still pending changes nothing.
func refreshLedger(ctx context.Context, d *providerData, state *checkModel, private privateState, resp *resource.ReadResponse) bool {
	var pending pendingRun
	found, diags := readPrivate(ctx, private, ledgerRecheckKey, &pending)
	resp.Diagnostics.Append(diags...)
	if !found || state.Ledger.IsNull() || state.Ledger.IsUnknown() {
		return false
	}
	rc := pending.Recheck
	var lm ledgerModel
	if d := state.Ledger.As(ctx, &lm, basetypes.ObjectAsOptions{}); d.HasError() || lm.Status.ValueString() != string(ledger.Pending) {
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, ledgerRecheckKey, nil)...)
		return false
	}
	reader, ok := d.runner.Ledger.(rechecker)
	if !ok || d.ledger.API != string(rc.API) || d.ledger.KeyID != rc.KeyID {
		return false // another ledger now: the plan says so and re-runs
	}
	if d.ledgerToken == "" {
		resp.Diagnostics.AddWarning("Pending ledger not read",
			"The last run of the check "+state.describe()+" waits for its bucket in "+d.ledgerDesc.Name+", which a refresh reads with "+
				"the ledger token: set the provider's ledger_token or "+rulebook.EnvLedgerToken+" to record the confirmation.")
		return false
	}
	// The provider's api_key is the approved key a refresh knows (a
	// resource's api_key_wo is write-only and not known here): the server's
	// error text may echo it, so it is masked in logs and scrubbed from the
	// result, and the new fields are scrubbed of pieces together with the
	// run's stored ones.
	ctx = maskCredentials(ctx, d.ledgerToken, d.apiKey)
	res := reader.Recheck(ctx, rc, d.apiKey)
	handoff.ScrubRecheck(&res, storedStrings(state), d.apiKey, d.ledgerToken)
	tflog.Info(ctx, "cost handoff ledger read again on refresh", map[string]any{"run_id": state.RunID.ValueString(), "status": string(res.Status)})
	if res.Status == ledger.Pending {
		return false
	}
	re := handoff.Reconfirm(pending.runRecord(ctx, *state), res)
	if re.Decision == handoff.Stop && state.Decision.ValueString() != string(handoff.Stop) {
		resp.Diagnostics.Append(writePrivate(ctx, resp.Private, ledgerStoppedKey, refreshStop{RunID: state.RunID.ValueString(), Status: string(res.Status)})...)
	}
	state.Ledger = ledgerValue(ctx, &res, &resp.Diagnostics)
	state.Decision = types.StringValue(string(re.Decision))
	state.DecisionReasons = stringList(reasonStrings(re.Reasons))
	state.EvidenceCaptured = types.BoolValue(re.EvidenceCaptured)
	state.Log = types.StringValue(re.Log)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, ledgerRecheckKey, nil)...)
	return true
}

// storedStrings are the strings a run stored in its paths and sources (the
// messages and identifiers), which the pieces rule reads together with a
// refresh's new ledger fields.
func storedStrings(state *checkModel) []string {
	var out []string
	var walk func(v attr.Value)
	walk = func(v attr.Value) {
		switch v := v.(type) {
		case types.String:
			if !v.IsNull() && !v.IsUnknown() {
				out = append(out, v.ValueString())
			}
		case types.Object:
			for _, a := range v.Attributes() {
				walk(a)
			}
		case types.Map:
			for _, e := range v.Elements() {
				walk(e)
			}
		}
	}
	walk(state.HappyPath)
	walk(state.ErrorPath)
	walk(state.Sources)
	return out
}
