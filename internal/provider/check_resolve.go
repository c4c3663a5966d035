package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/handoff"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/probe"
)

// resolveCheck turns the planned resource into a domain Check, applying the
// provider's defaults. Write-only keys come from config: they are never in
// the plan.
func (c *client) resolveCheck(ctx context.Context, config tfsdk.Config, m checkModel) (handoff.Check, diag.Diagnostics) {
	var diags diag.Diagnostics
	var keyWO, invalidWO types.String
	diags.Append(config.GetAttribute(ctx, path.Root("api_key_wo"), &keyWO)...)
	diags.Append(config.GetAttribute(ctx, path.Root("invalid_api_key_wo"), &invalidWO)...)
	urls, d := stringMapOf(ctx, m.SourceURLs)
	diags.Append(d...)

	check := handoff.Check{
		Allocation:    m.allocation(),
		Operator:      m.Operator.ValueString(),
		FollowUpOwner: m.FollowUpOwner.ValueString(),
		SourceURLs:    urls,
		VerifySources: m.VerifySources.ValueBool(),
		Request: probe.Request{
			Endpoint:        stringOr(m.Endpoint, "", c.endpoint),
			Protocol:        probe.Protocol(stringOr(m.APIProtocol, "", string(c.protocol))),
			Model:           m.Model.ValueString(),
			Prompt:          m.Prompt.ValueString(),
			MaxOutputTokens: m.MaxOutputTokens.ValueInt64(),
		},
		ApprovedKey: stringOr(keyWO, "", c.apiKey),
	}
	check.InvalidKey = stringOr(invalidWO, "", probe.InvalidKeyFor(check.ApprovedKey))
	if check.ApprovedKey == "" {
		diags.Append(noCredential())
	}
	diags.Append(c.checkEndpoint(check.Request.Endpoint)...)
	if s := m.ExtraBodyJSON.ValueString(); s != "" {
		extra, err := parseJSONObject(s)
		if err != nil {
			diags.AddAttributeError(path.Root("extra_body_json"), "Invalid extra_body_json", err.Error())
		}
		check.Request.ExtraBody = extra
	}
	return check, diags
}

// checkEndpoint refuses what handoff.CheckEndpoint refuses, on the endpoint
// attribute.
func (c *client) checkEndpoint(endpoint string) diag.Diagnostics {
	var diags diag.Diagnostics
	if err := handoff.CheckEndpoint(endpoint, c.allowPlainHTTP); err != nil {
		diags.AddAttributeError(path.Root("endpoint"), "Invalid endpoint", err.Error())
	}
	return diags
}

func noCredential() diag.Diagnostic {
	return diag.NewAttributeErrorDiagnostic(path.Root("api_key_wo"), "No credential configured",
		"The smoke test needs the approved key: set the provider's api_key, the "+EnvAPIKey+
			" environment variable, or this resource's write-only api_key_wo.")
}
