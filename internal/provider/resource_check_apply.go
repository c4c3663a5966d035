package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/handoff"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/probe"
)

// resolveCheck turns the planned check m into a domain Check, applying the
// provider's defaults. Write-only keys come from the configuration cfg:
// they are never in the plan.
func (d *providerData) resolveCheck(ctx context.Context, cfg, m checkModel) (handoff.Check, diag.Diagnostics) {
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
	if err := handoff.CheckInvalidKey(check.ApprovedKey, cfg.InvalidAPIKeyWO.ValueString()); err != nil {
		diags.AddAttributeError(path.Root("invalid_api_key_wo"), "Invalid invalid_api_key_wo", err.Error())
	}
	if check.ApprovedKey == "" {
		diags.AddAttributeError(path.Root("api_key_wo"), "No credential configured", handoff.NoCredential("The smoke test needs the approved key"))
	}
	if s := m.ExtraBodyJSON.ValueString(); s != "" {
		extra, err := handoff.ParseJSONObject(s)
		if err != nil {
			diags.AddAttributeError(path.Root("extra_body_json"), "Invalid extra_body_json", err.Error())
		}
		check.Request.ExtraBody = extra
	}
	return check, diags
}
