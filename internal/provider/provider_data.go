package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/handoff"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/probe"
)

// providerData is the provider's configuration resolved once and shared by
// every resource and data source: the defaults each check inherits, the
// allocation policy, and one runner whose probe holds the provider-wide
// limit on checks in flight.
type providerData struct {
	endpoint       string
	apiKey         string
	protocol       probe.Protocol
	operator       string
	allowPlainHTTP bool
	ledgerToken    string // "" without a ledger; kept to mask it in logs
	ledgerAPI      string // the configured ledger_api; "" without a ledger
	policy         handoff.Policy
	runner         handoff.Runner
	now            func() time.Time
}

// policyOf is the policy in force: the default one before the provider is
// configured (terraform validate).
func (d *providerData) policyOf() handoff.Policy {
	if d == nil {
		return handoff.DefaultPolicy()
	}
	return d.policy
}

func (d *providerData) ledgerConfigured() bool { return d.runner.Ledger != nil }

// validateCheckConfig checks the configured handoff against the provider's
// policy. Values unknown now are left for later. The configuration is read
// once, as values: this runs for every check on every plan. Without a configured
// provider, values that are set are judged by the default policy and
// values left out are left to the plan, which knows required_tags.
func (d *providerData) validateCheckConfig(config tfsdk.Config) diag.Diagnostics {
	var diags diag.Diagnostics
	cfg, err := newPlannedCheck(config.Raw)
	if err != nil {
		diags.AddError("Unable to read the costhandoff_check configuration", err.Error())
		return diags
	}
	policy := d.policyOf()
	for _, f := range allocationAttributes {
		value, set, unknown := cfg.text(f.attribute)
		if unknown || (d == nil && !set) {
			continue
		}
		if finding, bad := policy.CheckField(f.field, value); bad {
			detail := f.attribute + " " + finding.Reason + "."
			if handoff.IsMissing(value) {
				detail += fmt.Sprintf(" The provider's policy requires %s (required_tags = [%s]).", f.field, strings.Join(policy.RequiredTags, ", "))
			}
			diags.AddAttributeError(path.Root(f.attribute), "Incomplete cost handoff", detail)
		}
	}
	// Every other value that reaches the log is one line of printable text.
	for _, name := range []string{"follow_up_owner", "unit_name", "billing_unit", "model"} {
		if value, set, _ := cfg.text(name); set {
			if err := handoff.CheckText(name, value); err != nil {
				diags.AddAttributeError(path.Root(name), "Invalid "+name, err.Error())
			}
		}
	}
	// The kinds are known even where a URL is not yet (for_each, another
	// resource's attribute): only the keys matter here.
	var urls map[string]tftypes.Value
	if v := cfg.attrs["source_urls"]; v.IsKnown() && (v.IsNull() || v.As(&urls) == nil) {
		kinds := map[string]string{}
		for kind := range urls {
			kinds[kind] = ""
		}
		if missing := policy.MissingSourceKinds(kinds); len(missing) > 0 {
			diags.AddAttributeError(path.Root("source_urls"), "Incomplete cost handoff",
				fmt.Sprintf("source_urls has no URL for %s, required by the provider's required_source_kinds (%s). Add them, e.g. %s = \"https://...\".",
					strings.Join(missing, ", "), strings.Join(policy.RequiredSourceKinds, ", "), missing[0]))
		}
	}
	if endpoint, set, _ := cfg.text("endpoint"); set {
		// Before configuration the provider's allow_plain_http is unknown:
		// only the URL itself is judged then.
		allowPlain := d == nil || d.allowPlainHTTP
		if err := handoff.CheckEndpoint(endpoint, allowPlain); err != nil {
			diags.AddAttributeError(path.Root("endpoint"), "Invalid endpoint", err.Error())
		}
	}
	operator, set, unknown := cfg.text("operator")
	switch {
	case unknown:
	case set && handoff.CheckText("operator", operator) != nil:
		diags.AddAttributeError(path.Root("operator"), "Invalid operator", handoff.CheckText("operator", operator).Error())
	case set && handoff.IsMissing(operator):
		diags.AddAttributeError(path.Root("operator"), "Incomplete cost handoff",
			"operator is not set or is a placeholder: name the team or role running the check here, or leave it out to use the provider's operator.")
	case !set && d != nil && handoff.IsMissing(d.operator):
		diags.AddAttributeError(path.Root("operator"), "Incomplete cost handoff",
			"operator is not set: set it here, in the provider's operator, or in the "+EnvOperator+" environment variable.")
	}
	return diags
}

// requireCredential fails a plan that runs a check without a key to run it
// with. Plans that run nothing, destroys and refreshes never ask for one.
func (d *providerData) requireCredential(cfg plannedCheck) diag.Diagnostics {
	var diags diag.Diagnostics
	if cfg.attrs["api_key_wo"].IsNull() && d.apiKey == "" {
		diags.Append(noCredential("This plan runs the check's smoke test at apply, which needs the approved key"))
	}
	if d.ledgerConfigured() && d.ledgerToken == "" {
		// OpenRouter's generation record is read with the approved key
		// when no ledger token is set; the other ledgers need their own.
		switch d.ledgerAPI {
		case ledgerNewAPI:
			diags.AddError("No ledger token configured",
				"This plan runs the check's smoke test at apply, and the provider's ledger_api = \"new_api\" reads the gateway's "+
					"usage log with its access token: set the provider's ledger_token or the "+EnvLedgerToken+" environment variable "+
					"(the gateway's system access token, never the API key), or set ledger_api = \"none\".")
		case ledgerLiteLLM:
			diags.AddError("No ledger token configured",
				"This plan runs the check's smoke test at apply, and the provider's ledger_api = \"litellm\" reads the proxy's "+
					"spend logs with a key allowed to read them: set the provider's ledger_token or the "+EnvLedgerToken+
					" environment variable (a master or admin key, or the key of the internal user the approved key belongs to; "+
					"never the approved key itself), or set ledger_api = \"none\".")
		}
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

// resolveCheck turns the planned resource into a domain Check, applying the
// provider's defaults. Write-only keys come from config: they are never in
// the plan.
func (d *providerData) resolveCheck(ctx context.Context, config tfsdk.Config, plan tfsdk.Plan, m checkModel) (handoff.Check, diag.Diagnostics) {
	var diags diag.Diagnostics
	var keyWO, invalidWO types.String
	diags.Append(config.GetAttribute(ctx, path.Root("api_key_wo"), &keyWO)...)
	diags.Append(config.GetAttribute(ctx, path.Root("invalid_api_key_wo"), &invalidWO)...)
	urls, ds := stringMapOf(ctx, m.SourceURLs)
	diags.Append(ds...)
	allocation, ds := readAllocation(ctx, plan)
	diags.Append(ds...)
	check := handoff.Check{
		ID:                 m.ID.ValueString(),
		Allocation:         allocation,
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
		},
		ApprovedKey: stringOr(keyWO, "", d.apiKey),
	}
	check.InvalidKey = stringOr(invalidWO, "", probe.InvalidKeyFor(check.ApprovedKey))
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

// stringOr returns the configured value, else the environment's, else def.
func stringOr(v types.String, env, def string) string {
	if s := v.ValueString(); !v.IsNull() && !v.IsUnknown() && s != "" {
		return s
	}
	if env != "" {
		return env
	}
	return def
}

// overrideList replaces *dst with the list's values when it is configured.
func overrideList(ctx context.Context, l types.List, dst *[]string) diag.Diagnostics {
	if l.IsNull() || l.IsUnknown() {
		return nil
	}
	var values []string
	diags := l.ElementsAs(ctx, &values, false)
	*dst = values
	return diags
}

func stringMapOf(ctx context.Context, m types.Map) (map[string]string, diag.Diagnostics) {
	out := map[string]string{}
	if m.IsNull() || m.IsUnknown() {
		return out, nil
	}
	diags := m.ElementsAs(ctx, &out, false)
	return out, diags
}
