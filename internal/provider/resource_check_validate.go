package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/handoff"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/ledger"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/probe"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/sources"
)

// validateCheckConfig checks the configured handoff against the provider's
// policy, one concern at a time. Values unknown now are left for later.
// Without a configured provider (d nil: terraform validate), values that
// are set are judged by the default policy and values left out are left
// to the plan, which knows required_tags.
func (d *providerData) validateCheckConfig(cfg checkModel) diag.Diagnostics {
	var diags diag.Diagnostics
	policy := d.policyOf()
	args := cfg.arguments()
	diags.Append(validateAllocation(args, policy, d != nil)...)
	diags.Append(validateLogText(args)...)
	diags.Append(validateSourceKinds(cfg.SourceURLs, policy)...)
	diags.Append(d.validateEndpoint(cfg.Endpoint)...)
	diags.Append(d.validateOperator(cfg.Operator)...)
	diags.Append(d.validateKeys(cfg)...)
	return diags
}

// validateAllocation refuses allocation fields that are missing, a
// placeholder or not allowed; a field left out counts only once the
// provider's required_tags are known (configured).
func validateAllocation(args map[string]attr.Value, policy handoff.Policy, configured bool) diag.Diagnostics {
	var diags diag.Diagnostics
	for _, f := range allocationAttributes {
		v, _ := args[f.attribute].(types.String)
		if v.IsUnknown() || (!configured && v.IsNull()) {
			continue
		}
		value := v.ValueString()
		if finding, bad := policy.CheckField(f.field, value); bad {
			detail := sentence(f.attribute + " " + finding.Reason)
			if handoff.IsMissing(value) {
				detail += fmt.Sprintf(" The provider's policy requires %s (required_tags = [%s]).", f.field, strings.Join(policy.RequiredTags, ", "))
			}
			diags.AddAttributeError(path.Root(f.attribute), "Incomplete cost handoff", detail)
		}
	}
	return diags
}

// validateLogText: every other value that reaches the log is one line of
// printable text.
func validateLogText(args map[string]attr.Value) diag.Diagnostics {
	var diags diag.Diagnostics
	for _, name := range []string{"follow_up_owner", "unit_name", "billing_unit", "model"} {
		if v, _ := args[name].(types.String); known(v) {
			if err := handoff.CheckText(name, v.ValueString()); err != nil {
				diags.AddAttributeError(path.Root(name), "Invalid "+name, err.Error())
			}
		}
	}
	return diags
}

// validateSourceKinds needs only the kinds, which are known even where a
// URL is not yet (for_each, another resource's attribute).
func validateSourceKinds(urls types.Map, policy handoff.Policy) diag.Diagnostics {
	var diags diag.Diagnostics
	if urls.IsUnknown() {
		return diags
	}
	if err := sources.CheckPageCount(len(urls.Elements())); err != nil {
		diags.AddAttributeError(path.Root("source_urls"), "Too many source_urls", err.Error())
	}
	kinds := map[string]string{}
	for kind := range urls.Elements() {
		kinds[kind] = ""
		if err := handoff.CheckSourceKind(kind); err != nil {
			diags.AddAttributeError(path.Root("source_urls").AtMapKey(kind), "Invalid source kind", err.Error())
		}
	}
	if missing := policy.MissingSourceKinds(kinds); len(missing) > 0 {
		diags.AddAttributeError(path.Root("source_urls"), "Incomplete cost handoff",
			fmt.Sprintf("source_urls has no URL for %s, required by the provider's required_source_kinds (%s). Add them, e.g. %s = \"https://...\".",
				strings.Join(missing, ", "), strings.Join(policy.RequiredSourceKinds, ", "), missing[0]))
	}
	return diags
}

// validateEndpoint judges the check's own endpoint. Before configuration
// the provider's allow_plain_http is unknown: only the URL itself is judged
// then.
func (d *providerData) validateEndpoint(endpoint types.String) diag.Diagnostics {
	var diags diag.Diagnostics
	if !known(endpoint) {
		return diags
	}
	if err := handoff.CheckEndpoint(endpoint.ValueString(), d == nil || d.allowPlainHTTP); err != nil {
		diags.AddAttributeError(path.Root("endpoint"), "Invalid endpoint", err.Error())
	}
	return diags
}

// validateOperator: the operator must end up non-empty, here or from the
// provider.
func (d *providerData) validateOperator(operator types.String) diag.Diagnostics {
	var diags diag.Diagnostics
	switch {
	case operator.IsUnknown():
	case !operator.IsNull() && handoff.CheckText("operator", operator.ValueString()) != nil:
		diags.AddAttributeError(path.Root("operator"), "Invalid operator", handoff.CheckText("operator", operator.ValueString()).Error())
	case !operator.IsNull() && handoff.IsMissing(operator.ValueString()):
		diags.AddAttributeError(path.Root("operator"), "Incomplete cost handoff",
			"operator is not set or is a placeholder: name the team or role running the check here, or leave it out to use the provider's operator.")
	case operator.IsNull() && d != nil && handoff.IsMissing(d.operator):
		diags.AddAttributeError(path.Root("operator"), "Incomplete cost handoff",
			"operator is not set: set it here, in the provider's operator, or in the "+EnvOperator+" environment variable.")
	}
	return diags
}

// validateKeys applies the key rules to the write-only keys, which are in
// the configuration at plan: a bounded length, and an invalid key that is
// not the approved one.
func (d *providerData) validateKeys(cfg checkModel) diag.Diagnostics {
	var diags diag.Diagnostics
	for _, key := range []struct {
		name  string
		value types.String
	}{{"api_key_wo", cfg.APIKeyWO}, {"invalid_api_key_wo", cfg.InvalidAPIKeyWO}} {
		if known(key.value) {
			if err := probe.CheckKey(key.name, key.value.ValueString()); err != nil {
				diags.AddAttributeError(path.Root(key.name), "Invalid "+key.name, err.Error())
			}
		}
	}
	approved := cfg.APIKeyWO.ValueString()
	if cfg.APIKeyWO.IsNull() && d != nil {
		approved = d.apiKey
	}
	if !cfg.APIKeyWO.IsUnknown() && !cfg.InvalidAPIKeyWO.IsUnknown() && approved != "" {
		if err := probe.CheckInvalidKey(approved, cfg.InvalidAPIKeyWO.ValueString()); err != nil {
			diags.AddAttributeError(path.Root("invalid_api_key_wo"), "Invalid invalid_api_key_wo", err.Error())
		}
	}
	return diags
}

// requireCredential fails a plan that runs a check without a key to run it
// with. Plans that run nothing, destroys and refreshes never ask for one.
func (d *providerData) requireCredential(cfg checkModel) diag.Diagnostics {
	var diags diag.Diagnostics
	if cfg.APIKeyWO.IsNull() && d.apiKey == "" {
		diags.Append(noCredential("This plan runs the check's smoke test at apply, which needs the approved key"))
	}
	if desc := d.ledgerDesc; d.ledgerConfigured() && d.ledgerToken == "" && !desc.TokenOptional {
		diags.AddError("No ledger token configured",
			"This plan runs the check's smoke test at apply, and the provider's ledger_api = \""+d.ledger.API+"\" reads "+desc.Name+
				" with its own credential: set the provider's ledger_token or the "+EnvLedgerToken+" environment variable ("+
				desc.Credential+"), or set ledger_api = \"none\".")
	}
	diags.Append(d.refuseKeyAsLedgerToken(cfg)...)
	diags.Append(d.refuseKeyToOtherHost(cfg)...)
	diags.Append(d.refuseKeyWithoutItsID(cfg)...)
	return diags
}

// refuseKeyWithoutItsID: a usage API is read for one key, ledger_key_id, the
// id of the provider's api_key. A check with its own api_key_wo, another key,
// would be looked for under the wrong id and never found.
func (d *providerData) refuseKeyWithoutItsID(cfg checkModel) diag.Diagnostics {
	var diags diag.Diagnostics
	if !d.ledgerConfigured() || !d.ledgerDesc.NeedsKeyID || !known(cfg.APIKeyWO) || d.apiKey == "" {
		return diags
	}
	if strings.TrimSpace(cfg.APIKeyWO.ValueString()) != strings.TrimSpace(d.apiKey) {
		diags.AddAttributeError(path.Root("api_key_wo"), "The check's key is not the one ledger_key_id names",
			"ledger_api = \""+d.ledger.API+"\" reads "+d.ledgerDesc.Name+" for ledger_key_id ("+d.ledger.KeyID+"), the id of "+
				"the provider's api_key, and this check's api_key_wo is another key, whose usage would never be found there: "+
				"leave api_key_wo unset, or give this check a provider (an alias) whose api_key and ledger_key_id are that key's.")
	}
	return diags
}

// refuseKeyAsLedgerToken: no ledger but OpenRouter is ever sent the
// approved key, so a ledger token that is the approved key is refused
// before anything is sent. OpenRouter's record belongs to the same API and
// may be read with the key.
func (d *providerData) refuseKeyAsLedgerToken(cfg checkModel) diag.Diagnostics {
	var diags diag.Diagnostics
	if !d.ledgerConfigured() || d.ledgerDesc.ApprovedKeyFallback || cfg.APIKeyWO.IsUnknown() {
		return diags
	}
	approved := d.approvedKey(cfg)
	if token := strings.TrimSpace(d.ledgerToken); token != "" && token == strings.TrimSpace(approved) {
		diags.AddAttributeError(path.Root("api_key_wo"), "The ledger token is the approved key",
			"The provider's ledger_token (or "+EnvLedgerToken+") is the approved API key, and ledger_api = \""+d.ledger.API+
				"\" must never be sent the API key: set ledger_token to the ledger's own credential ("+d.ledgerDesc.Credential+").")
	}
	return diags
}

// refuseKeyToOtherHost: a key goes only to its own host. Where the ledger
// would read with the approved key (OpenRouter without a ledger token), a
// check whose effective endpoint is on another host than the ledger's has a
// key that is not the ledger's: refused at plan (the reader refuses it too).
func (d *providerData) refuseKeyToOtherHost(cfg checkModel) diag.Diagnostics {
	var diags diag.Diagnostics
	if !d.ledgerConfigured() || !d.ledgerDesc.ApprovedKeyFallback || d.ledgerToken != "" || cfg.Endpoint.IsUnknown() {
		return diags
	}
	endpoint := stringOr(cfg.Endpoint, "", d.endpoint)
	if !ledger.SameHost(endpoint, d.ledger.Endpoint) {
		diags.AddAttributeError(path.Root("endpoint"), "The check's key would go to another host",
			"This check's endpoint ("+handoff.LogEndpoint(endpoint)+") is not on the host of the provider's ledger ("+
				handoff.LogEndpoint(d.ledger.Endpoint)+"), and ledger_api = \""+d.ledger.API+"\" without a ledger_token reads with "+
				"the check's own key, which belongs to its endpoint's host only: set the provider's ledger_token (a key of the "+
				"ledger's own), or point the check at the ledger's API.")
	}
	return diags
}

// noCredential is the one diagnostic for a missing approved key; why says
// what needs it.
func noCredential(why string) diag.Diagnostic {
	return diag.NewAttributeErrorDiagnostic(path.Root("api_key_wo"), "No credential configured",
		why+": set the provider's api_key, the "+EnvAPIKey+" environment variable, or this resource's write-only "+
			"api_key_wo. Plans that run nothing, destroys and refreshes need no key.")
}

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
		ApprovedKey: d.approvedKey(cfg),
	}
	check.InvalidKey = stringOr(cfg.InvalidAPIKeyWO, "", probe.InvalidKeyFor(check.ApprovedKey))
	if err := probe.CheckInvalidKey(check.ApprovedKey, cfg.InvalidAPIKeyWO.ValueString()); err != nil {
		diags.AddAttributeError(path.Root("invalid_api_key_wo"), "Invalid invalid_api_key_wo", err.Error())
	}
	if check.ApprovedKey == "" {
		diags.Append(noCredential("The smoke test needs the approved key"))
	}
	if s := m.ExtraBodyJSON.ValueString(); s != "" {
		extra, err := parseJSONObject(s)
		if err != nil {
			diags.AddAttributeError(path.Root("extra_body_json"), "Invalid extra_body_json", err.Error())
		}
		check.Request.ExtraBody = extra
	}
	return check, diags
}

// sentence ends s with a full stop unless it already ends a sentence, as a
// reason that asks "did you mean ...?" does.
func sentence(s string) string {
	if strings.HasSuffix(s, ".") || strings.HasSuffix(s, "?") || strings.HasSuffix(s, "!") {
		return s
	}
	return s + "."
}
