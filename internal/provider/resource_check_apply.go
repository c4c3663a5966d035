package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/handoff"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/probe"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/rulebook"
)

// resolveCheck turns the planned check m into a domain Check, applying the
// provider's defaults. Write-only keys come from the configuration cfg:
// they are never in the plan.
func (m checkModel) resolveCheck(ctx context.Context, cfg checkModel, d *providerData) (handoff.Check, diag.Diagnostics) {
	var diags diag.Diagnostics
	urls, ds := stringMapOf(ctx, m.SourceURLs)
	diags.Append(ds...)
	check := handoff.Check{
		ID:                 m.ID.ValueString(),
		Allocation:         m.allocation(),
		Operator:           m.Operator.ValueString(),
		FollowUpOwner:      m.FollowUpOwner.ValueString(),
		SourceURLs:         urls,
		VerifySources:      m.VerifySources.ValueBool(),
		UnitName:           m.UnitName.ValueString(),
		BillingUnit:        m.BillingUnit.ValueString(),
		ReviewIntervalDays: m.ReviewIntervalDays.ValueInt64(),
		Request: probe.Request{
			Endpoint:        stringOr(m.Endpoint, "", d.endpoint),
			Protocol:        probe.Protocol(stringOr(m.APIProtocol, "", string(d.protocol))),
			Model:           m.Model.ValueString(),
			Prompt:          m.Prompt.ValueString(),
			MaxOutputTokens: m.MaxOutputTokens.ValueInt64(),
			Credentials:     []string{d.ledgerToken},
		},
		ApprovedKey: cfg.approvedKey(d),
	}
	check.InvalidKey = stringOr(cfg.InvalidAPIKeyWO, "", probe.InvalidKeyFor(check.ApprovedKey))
	if err := rulebook.CheckInvalidKey(check.ApprovedKey, cfg.InvalidAPIKeyWO.ValueString()); err != nil {
		diags.AddAttributeError(path.Root("invalid_api_key_wo"), "Invalid invalid_api_key_wo", err.Error())
	}
	if check.ApprovedKey == "" {
		diags.AddAttributeError(path.Root("api_key_wo"), "No credential configured", rulebook.NoCredential("The smoke test needs the approved key"))
	}
	if s := m.ExtraBodyJSON.ValueString(); s != "" {
		extra, err := rulebook.ParseJSONObject(s)
		if err != nil {
			diags.AddAttributeError(path.Root("extra_body_json"), "Invalid extra_body_json", err.Error())
		}
		check.Request.ExtraBody = extra
	}
	return check, diags
}

// run resolves the check, runs it, stores the outcome in m and applies
// enforcement. It reports whether the check ran: a check that could not be
// resolved sends nothing and leaves no record.
func runCheck(ctx context.Context, d *providerData, cfg checkModel, m *checkModel, prev handoff.Previous, diags *diag.Diagnostics) (bool, *pendingRun) {
	if d == nil {
		diags.AddError("Provider not configured", "costhandoff_check needs a configured costhandoff provider to run.")
		return false, nil
	}
	// The defaults a plan fills in, filled in here too for a plan that could
	// not (a provider configured only at apply), so the state is known.
	m.resolveLeftOut(cfg, d)
	check, resolved := m.resolveCheck(ctx, cfg, d)
	diags.Append(resolved...)
	if diags.HasError() {
		return false, nil
	}
	ctx = maskCredentials(ctx, check.ApprovedKey, check.InvalidKey, d.ledgerToken)
	tflog.Info(ctx, "running cost handoff smoke test", map[string]any{
		"endpoint": handoff.LogEndpoint(check.Request.Endpoint), "api_protocol": string(check.Request.Protocol), "model": check.Request.Model,
	})
	outcome := d.runner.Run(ctx, check, prev, int(m.HistoryLimit.ValueInt64()))
	diags.Append(m.setOutcome(ctx, outcome)...)
	tflog.Info(ctx, "cost handoff decided", map[string]any{
		"run_id": outcome.RunID, "decision": string(outcome.Decision), "decision_reasons": reasonStrings(outcome.Reasons),
	})
	enforce(outcome, m.Enforcement.ValueString(), untaintHint(*m, prev), diags)
	return true, pendingOf(outcome)
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
