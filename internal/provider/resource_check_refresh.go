package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/handoff"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/ledger"
)

// ledgerRecheckKey keeps what a refresh needs to read a pending usage
// bucket again (ledger.Recheck: the send's time, key id, model, tokens and
// this provider's sums of the minute), out of the stored handoff.
const ledgerRecheckKey = "ledger_recheck"

// writeRecheck keeps a pending run's recheck, or forgets the last one.
func writeRecheck(ctx context.Context, private privateStateWriter, rc *ledger.Recheck) diag.Diagnostics {
	if rc == nil {
		return private.SetKey(ctx, ledgerRecheckKey, nil)
	}
	return writePrivate(ctx, private, ledgerRecheckKey, rc)
}

// rechecker is a ledger that can read a pending record again.
type rechecker interface {
	Recheck(ctx context.Context, rc ledger.Recheck, secrets ...string) ledger.Result
}

// refreshLedger reads a pending run's usage bucket again, reads only: never
// the AI API, never the approved key. When the ledger's status changed it
// records it in the same run (ledger, decision, decision_reasons,
// evidence_captured, the log's lines) by the rules the run decided with,
// and reports true. Still pending changes nothing.
func refreshLedger(ctx context.Context, d *providerData, state *checkModel, private privateState, resp *resource.ReadResponse) bool {
	var rc ledger.Recheck
	found, diags := readPrivate(ctx, private, ledgerRecheckKey, &rc)
	resp.Diagnostics.Append(diags...)
	if !found || state.Ledger.IsNull() || state.Ledger.IsUnknown() {
		return false
	}
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
				"the ledger token: set the provider's ledger_token or "+handoff.EnvLedgerToken+" to record the confirmation.")
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
	reasons := make([]handoff.Reason, 0, len(state.DecisionReasons.Elements()))
	for _, v := range state.DecisionReasons.Elements() {
		if s, ok := v.(types.String); ok {
			reasons = append(reasons, handoff.Reason(s.ValueString()))
		}
	}
	re := handoff.Reconfirm(reasons, state.Log.ValueString(), res)
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
