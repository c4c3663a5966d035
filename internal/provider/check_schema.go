package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/handoff"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/probe"
)

// Enforcement modes of a stop decision.
const (
	enforcementFail   = "fail"
	enforcementRecord = "record"
)

// checkSchemaVersion is bumped with a state upgrader whenever the stored
// shape changes.
const checkSchemaVersion = 1

func (r *checkResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = CheckResourceSchema()
}

// CheckResourceSchema is costhandoff_check's schema. It is exported for
// bench/noop, which serves it from a resource that does nothing, so that
// make bench can tell the cost of the schema from the cost of this code.
func CheckResourceSchema() schema.Schema {
	return schema.Schema{
		Version: checkSchemaVersion,
		MarkdownDescription: "Runs the cost-handoff smoke test during `terraform apply` and keeps the handoff record in state. " +
			"One minimal request is sent with the approved key (the happy path) and one with an invalid key that must be " +
			"refused (the error path), concurrently, each exactly once and never retried. `plan`, `refresh`, `import` and " +
			"`destroy` never send an AI request.",
		Attributes: mergeAttributes(checkArguments(), checkComputed()),
	}
}

func checkArguments() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"owner_tag":    allocationAttribute("Owner of the workload's spend (team or person). Required by the default `required_tags`."),
		"workload_tag": allocationAttribute("Workload the spend belongs to. Required by the default `required_tags`."),
		"environment":  allocationAttribute("Environment, e.g. `prod`. Required by the default `required_tags`; must be one of the provider's `allowed_environments` when set."),
		"product":      allocationAttribute("Product the spend is allocated to; required only if `product` is in the provider's `required_tags`."),
		"cost_center":  allocationAttribute("Cost center; required only if `cost_center` is in the provider's `required_tags`."),
		"operator": schema.StringAttribute{
			Optional: true, Computed: true,
			MarkdownDescription: "Team or role running the check. Defaults to the provider's `operator`; must end up non-empty.",
		},
		"follow_up_owner": schema.StringAttribute{
			Optional: true, Computed: true,
			MarkdownDescription: "Who follows up on a `review` or `stop` decision. Defaults to `owner_tag`.",
		},
		"source_urls": schema.MapAttribute{
			Optional: true, ElementType: types.StringType,
			MarkdownDescription: "Public pages that define pricing, support, allocation and unit economics, by kind " +
				"(`pricing`, `support`, `allocation`, `unit_economics`; extra kinds allowed). Each must be an absolute http(s) URL. " +
				"The provider's `required_source_kinds` must all be present.",
			Validators: []validator.Map{mapvalidator.ValueStringsAre(sourceURLValidator{})},
		},
		"verify_sources": schema.BoolAttribute{
			Optional: true, Computed: true, Default: booldefault.StaticBool(true),
			MarkdownDescription: "Fetch each source URL during apply (never with a credential) and record its status and SHA-256 digest. " +
				"When false, sources are recorded as `skipped` and the decision is at best `review`. Defaults to true.",
		},
		"watch_sources": schema.BoolAttribute{
			Optional: true, Computed: true, Default: booldefault.StaticBool(false),
			MarkdownDescription: "On refresh, fetch the source pages again (never the AI API); a page whose digest changed plans an " +
				"in-place update that re-runs the check. Defaults to false.",
		},
		"model": schema.StringAttribute{
			Required:            true,
			MarkdownDescription: "Model to ask, e.g. `gpt-4o-mini`.",
			Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
		},
		"prompt": schema.StringAttribute{
			Optional: true, Computed: true, Default: stringdefault.StaticString("ping"),
			MarkdownDescription: "Prompt of the minimal request. Defaults to `ping`.",
		},
		"max_output_tokens": schema.Int64Attribute{
			Optional: true, Computed: true, Default: int64default.StaticInt64(1),
			MarkdownDescription: "Output token cap, mapped to each protocol's field (`max_tokens`, `max_output_tokens`, " +
				"`maxOutputTokens`). `openai_responses` raises it to the API minimum of 16. Defaults to 1.",
			Validators: []validator.Int64{int64validator.AtLeast(1)},
		},
		"extra_body_json": schema.StringAttribute{
			Optional:            true,
			MarkdownDescription: "JSON object merged over the default request body: top-level keys replace the defaults and a `null` removes one, e.g. `jsonencode({ max_tokens = null, max_completion_tokens = 1 })` for models that refuse `max_tokens`.",
			Validators:          []validator.String{jsonObjectValidator{}},
		},
		"endpoint": schema.StringAttribute{
			Optional:            true,
			MarkdownDescription: "Overrides the provider's `endpoint` for this check.",
		},
		"api_protocol": schema.StringAttribute{
			Optional:            true,
			MarkdownDescription: "Overrides the provider's `api_protocol` for this check: " + codeList(probe.ProtocolNames()) + ".",
			Validators:          []validator.String{stringvalidator.OneOf(probe.ProtocolNames()...)},
		},
		"api_key_wo": schema.StringAttribute{
			Optional: true, Sensitive: true, WriteOnly: true,
			MarkdownDescription: "Write-only approved key, overriding the provider's `api_key`. Never stored; change " +
				"`api_key_wo_version` to re-run the check with a new key.",
		},
		"api_key_wo_version": schema.Int64Attribute{
			Optional:            true,
			MarkdownDescription: "Version of `api_key_wo`; changing it re-runs the check.",
		},
		"invalid_api_key_wo": schema.StringAttribute{
			Optional: true, Sensitive: true, WriteOnly: true,
			MarkdownDescription: "Write-only. A disabled or revoked test credential for the error path. Defaults to a random invalid key shaped like the approved key (same prefix and length).",
		},
		"unit_name": schema.StringAttribute{
			Optional:            true,
			MarkdownDescription: "Unit-economics unit, e.g. `document processed`. Recorded, never priced.",
		},
		"billing_unit": schema.StringAttribute{
			Optional:            true,
			MarkdownDescription: "Billing-unit assumption, e.g. `1M tokens`. Recorded, never priced.",
		},
		"review_interval_days": schema.Int64Attribute{
			Optional:            true,
			MarkdownDescription: "Days after which the handoff expires; once `review_due_at` has passed, the plan shows an in-place update that re-runs the check.",
			Validators:          []validator.Int64{int64validator.AtLeast(1)},
		},
		"rerun_triggers": schema.MapAttribute{
			Optional: true, ElementType: types.StringType,
			MarkdownDescription: "Arbitrary values; any change re-runs the check (e.g. a model version or a pricing-page revision).",
		},
		"enforcement": schema.StringAttribute{
			Optional: true, Computed: true, Default: stringdefault.StaticString(enforcementFail),
			MarkdownDescription: "`fail`: a `stop` decision fails the apply (the record is still saved; a new resource is tainted). " +
				"`record`: a `stop` is a warning and never fails the apply. A `review` decision is a warning either way. Changing it alone does not re-run. Defaults to `fail`.",
			Validators: []validator.String{stringvalidator.OneOf(enforcementFail, enforcementRecord)},
		},
		"history_limit": schema.Int64Attribute{
			Optional: true, Computed: true, Default: int64default.StaticInt64(10),
			MarkdownDescription: "Earlier records kept in `history`. Changing it alone does not re-run. Defaults to 10.",
			Validators:          []validator.Int64{int64validator.AtLeast(0)},
		},
	}
}

func allocationAttribute(description string) schema.StringAttribute {
	return schema.StringAttribute{
		Optional:            true,
		MarkdownDescription: description + " Missing means null, blank or a placeholder such as `TBD`, `<...>` or `changeme`.",
	}
}

func checkComputed() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"id": schema.StringAttribute{
			Computed: true, MarkdownDescription: "Identifier, stable for the life of the resource.",
			PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
		},
		"run_id":        computedString("Run identifier `cost-handoff-YYYYMMDD-NNN`: the date of this run and this check's run sequence (001, 002, ...)."),
		"reviewed_at":   computedString("When this run happened, RFC 3339 UTC to the second."),
		"review_due_at": computedString("`reviewed_at` plus `review_interval_days`; null without `review_interval_days`."),
		"happy_path":    computedObject("Outcome of the request with the approved key.", pathAttributes(true)),
		"error_path":    computedObject("Outcome of the request with the invalid key; passes only on `auth_failure`.", pathAttributes(false)),
		"evidence_captured": schema.BoolAttribute{Computed: true,
			MarkdownDescription: "True when the happy path passed and its response carried usage with a positive total token count."},
		"allocation_complete": schema.BoolAttribute{Computed: true,
			MarkdownDescription: "True when every required allocation field is present, not a placeholder, and allowed."},
		"missing_fields": schema.ListAttribute{Computed: true, ElementType: types.StringType,
			MarkdownDescription: "Required allocation fields that were missing or placeholders at apply."},
		"sources": schema.ListNestedAttribute{Computed: true,
			MarkdownDescription: "Each source page checked during this run, by kind.",
			NestedObject:        schema.NestedAttributeObject{Attributes: sourceAttributes()}},
		"observed_source_digests": schema.MapAttribute{Computed: true, ElementType: types.StringType,
			MarkdownDescription: "With `watch_sources`, the SHA-256 digest of each source page as last seen on refresh; a " +
				"difference from `sources` plans a re-run. Null without `watch_sources`."},
		"changed_sources": schema.ListAttribute{Computed: true, ElementType: types.StringType,
			MarkdownDescription: "Source kinds whose page digest differs from the previous run's (the cause of `source_changed`)."},
		"decision": computedString("`proceed`, `review` or `stop`."),
		"decision_reasons": schema.ListAttribute{Computed: true, ElementType: types.StringType,
			MarkdownDescription: "Every reason code that applied: " + reasonCodes() + "."},
		"record": computedObject("The handoff log fields of this run.", recordAttributes()),
		"log":    computedString("The record rendered as the sanitized handoff log, one `field: value` line per field."),
		"history": schema.ListNestedAttribute{Computed: true,
			MarkdownDescription: "Earlier records, newest first, at most `history_limit`.",
			NestedObject:        schema.NestedAttributeObject{Attributes: recordAttributes()}},
	}
}

func reasonCodes() string {
	codes := make([]string, len(handoff.Reasons))
	for i, r := range handoff.Reasons {
		codes[i] = string(r.Code)
	}
	return codeList(codes)
}

func computedString(description string) schema.StringAttribute {
	return schema.StringAttribute{Computed: true, MarkdownDescription: description}
}

func computedInt(description string) schema.Int64Attribute {
	return schema.Int64Attribute{Computed: true, MarkdownDescription: description}
}

func computedObject(description string, attrs map[string]schema.Attribute) schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{Computed: true, MarkdownDescription: description, Attributes: attrs}
}

func pathAttributes(happy bool) map[string]schema.Attribute {
	attrs := map[string]schema.Attribute{
		"result":      computedString("`pass` or `fail`."),
		"category":    computedString("Outcome category: `ok`, `auth_failure`, `rate_limited`, `quota_exhausted`, `client_error`, `server_error`, `timeout`, `network_error`, `redirect` or `invalid_response`."),
		"status_code": computedInt("HTTP status code; 0 when no response arrived."),
		"attempts":    computedInt("HTTP attempts made; always 1."),
		"latency_ms":  computedInt("Time to the full response, in milliseconds."),
		"request_id":  computedString("Request id from the response's request-id header, else the body's id."),
		"message":     computedString("Sanitized summary of the response, at most 300 characters."),
	}
	if happy {
		attrs["model"] = computedString("Model named in the response.")
		attrs["input_tokens"] = computedInt("Input tokens reported by the response's usage.")
		attrs["output_tokens"] = computedInt("Output tokens reported by the response's usage.")
		attrs["total_tokens"] = computedInt("Total tokens reported by the response's usage.")
	}
	return attrs
}

func sourceAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"kind":        computedString("Source kind, the key in `source_urls`."),
		"url":         computedString("URL fetched."),
		"result":      computedString("`pass` (2xx), `fail` or `skipped`."),
		"status_code": computedInt("HTTP status code; 0 when no response arrived or the source was skipped."),
		"checked_at":  computedString("When the page was fetched, RFC 3339 UTC; null when skipped."),
		"sha256":      computedString("SHA-256 digest of the page body; null when none was read."),
	}
}

func recordAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"run_id":              computedString("Run identifier."),
		"reviewed_at":         computedString("When the run happened."),
		"operator":            computedString("Who ran the check."),
		"source_urls_checked": schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Source URLs fetched in this run, in kind order; skipped sources are left out."},
		"workload_tag":        computedString("Workload tag of this run."),
		"owner_tag":           computedString("Owner tag of this run."),
		"environment":         computedString("Environment tag of this run."),
		"happy_path_result":   computedString("`pass` or `fail`."),
		"error_path_result":   computedString("`pass` or `fail`."),
		"evidence_captured":   computedString("`yes` or `no`."),
		"decision":            computedString("`proceed`, `review` or `stop`."),
		"follow_up_owner":     computedString("Who follows up on a `review` or `stop`."),
	}
}

func mergeAttributes(sets ...map[string]schema.Attribute) map[string]schema.Attribute {
	out := map[string]schema.Attribute{}
	for _, s := range sets {
		for k, v := range s {
			out[k] = v
		}
	}
	return out
}

// attrTypesOf derives the object type of nested attributes from the schema
// itself, so the model conversions cannot drift from it.
func attrTypesOf(attrs map[string]schema.Attribute) map[string]attr.Type {
	types := make(map[string]attr.Type, len(attrs))
	for k, a := range attrs {
		types[k] = a.GetType()
	}
	return types
}
