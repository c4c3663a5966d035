package provider

import (
	"fmt"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework-jsontypes/jsontypes"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
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
	"github.com/costhandoff/terraform-provider-costhandoff/internal/rulebook"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/sources"
)

// Enforcement modes of a stop decision.
const (
	enforcementFail   = "fail"
	enforcementRecord = "record"
)

// Bounds of arguments whose extremes make no sense for a minimal smoke
// test or a review cycle: a large output cap spends, ten years is no review.
const (
	maxOutputTokens       = 4096
	maxReviewIntervalDays = 3650
)

// checkSchemaVersion is the stored shape's version. No earlier shape was
// ever released, so there is nothing to upgrade from; a change of the
// stored shape after the first release bumps it with a state upgrader.
const checkSchemaVersion = 0

// checkResourceSchema is costhandoff_check's schema.
func checkResourceSchema() schema.Schema {
	return schema.Schema{
		Version: checkSchemaVersion,
		MarkdownDescription: "Runs the cost-handoff smoke test during `terraform apply` and keeps the handoff record in state. " +
			"One minimal request is sent with the approved key (the happy path) and one with an invalid key that must be " +
			"refused (the error path), concurrently, each exactly once on the wire and never retried. `plan`, `refresh`, " +
			"`import` and `destroy` never send an AI request; `refresh`, `import` and `destroy` need no credential, and " +
			"`plan` needs one only when it plans a run.",
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
			Validators:          []validator.String{tagLength()},
		},
		"follow_up_owner": schema.StringAttribute{
			Optional: true, Computed: true,
			MarkdownDescription: "Who follows up on a `review` or `stop` decision. Defaults to `owner_tag`.",
			Validators:          []validator.String{tagLength()},
		},
		"source_urls": schema.MapAttribute{
			Optional: true, ElementType: types.StringType,
			MarkdownDescription: "Public pages that define pricing, support, allocation and unit economics, by kind " +
				"(`pricing`, `support`, `allocation`, `unit_economics`; extra kinds allowed). Each must be an absolute http(s) URL. " +
				"The provider's `required_source_kinds` must all be present. At most " + strconv.Itoa(sources.MaxPages) +
				" entries: all the pages of a run share one " + sources.DefaultDeadline.String() + " deadline.",
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
			MarkdownDescription: fmt.Sprintf("Prompt of the minimal request, at most %d bytes. Defaults to `ping`.", rulebook.MaxPromptBytes),
			Validators:          []validator.String{stringvalidator.LengthBetween(1, rulebook.MaxPromptBytes)},
		},
		"max_output_tokens": schema.Int64Attribute{
			Optional: true, Computed: true, Default: int64default.StaticInt64(1),
			MarkdownDescription: fmt.Sprintf("Output token cap, mapped to each protocol's field (`max_tokens`, `max_output_tokens`, "+
				"`maxOutputTokens`), from 1 to %d: the smoke test is a minimal request. `openai_responses` raises it to the API "+
				"minimum of 16. Defaults to 1.", maxOutputTokens),
			Validators: []validator.Int64{int64validator.Between(1, maxOutputTokens)},
		},
		"extra_body_json": schema.StringAttribute{
			Optional: true, CustomType: jsontypes.NormalizedType{},
			MarkdownDescription: fmt.Sprintf("JSON object, at most %d bytes, merged over the default request body: top-level keys "+
				"replace the defaults and a `null` removes one, e.g. `jsonencode({ max_tokens = null, max_completion_tokens = 1 })` "+
				"for models that refuse `max_tokens`. Compared as JSON: reformatting it does not re-run the check.", rulebook.MaxExtraBodyBytes),
			Validators: []validator.String{stringvalidator.LengthAtMost(rulebook.MaxExtraBodyBytes)},
		},
		"endpoint": schema.StringAttribute{
			Optional: true, Computed: true,
			MarkdownDescription: "Overrides the provider's `endpoint` for this check; the provider's `allow_plain_http` applies. " +
				"State keeps the effective endpoint (this one or the provider's), so a changed provider endpoint plans a re-run.",
		},
		"api_protocol": schema.StringAttribute{
			Optional: true, Computed: true,
			MarkdownDescription: "Overrides the provider's `api_protocol` for this check: " + codeList(probe.ProtocolNames()) + ". " +
				"State keeps the effective protocol, so a changed provider protocol plans a re-run.",
			Validators: []validator.String{stringvalidator.OneOf(probe.ProtocolNames()...)},
		},
		"api_key_wo": schema.StringAttribute{
			Optional: true, Sensitive: true, WriteOnly: true,
			MarkdownDescription: "Write-only approved key, overriding the provider's `api_key`. Never stored: state keeps " +
				"its `credential_fingerprint`, so another key re-runs the check, as a changed `api_key_wo_version` does.",
		},
		"api_key_wo_version": schema.Int64Attribute{
			Optional:            true,
			MarkdownDescription: "Version of `api_key_wo`; changing it re-runs the check, even with the same key.",
		},
		"invalid_api_key_wo": schema.StringAttribute{
			Optional: true, Sensitive: true, WriteOnly: true,
			MarkdownDescription: "Write-only. A disabled or revoked test credential for the error path. Defaults to a generated invalid key of the " +
				"approved key's length that shares nothing secret with it: at most a public vendor prefix (`sk-`, `sk-proj-`, " +
				"`sk-ant-`, `AIza`) is kept, never any part of the rest.",
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
			Optional: true,
			MarkdownDescription: fmt.Sprintf("Days after which the handoff expires, from 1 to %d; once `review_due_at` has passed, "+
				"the plan shows an in-place update that re-runs the check. Left out, the review never expires.", maxReviewIntervalDays),
			Validators: []validator.Int64{int64validator.Between(1, maxReviewIntervalDays)},
		},
		"rerun_triggers": schema.MapAttribute{
			Optional: true, ElementType: types.StringType,
			MarkdownDescription: "Arbitrary values; any change re-runs the check (e.g. a model version or a pricing-page revision).",
		},
		"enforcement": schema.StringAttribute{
			Optional: true, Computed: true, Default: stringdefault.StaticString(enforcementFail),
			MarkdownDescription: "`fail`: a `stop` decision fails the apply with an error that carries the run's log (the run is " +
				"still saved in state, and the next apply re-runs it). `record`: a `stop` is a warning and never fails the apply. " +
				"A `review` decision is a warning either way. Changing it alone does not re-run. Defaults to `fail`.",
			Validators: []validator.String{stringvalidator.OneOf(enforcementFail, enforcementRecord)},
		},
		"history_limit": schema.Int64Attribute{
			Optional: true, Computed: true, Default: int64default.StaticInt64(10),
			MarkdownDescription: "Earlier runs kept in `history`, the oldest removed first. Changing it alone does not re-run; " +
				"lowering it trims `history` at once. Defaults to 10.",
			Validators: []validator.Int64{int64validator.AtLeast(0)},
		},
	}
}

func allocationAttribute(description string) schema.StringAttribute {
	return schema.StringAttribute{
		Optional: true,
		MarkdownDescription: description + fmt.Sprintf(" At most %d characters. Missing means null, blank or a placeholder "+
			"such as `TBD`, `<...>` or `changeme` (ignoring case, surrounding space and invisible characters).", handoff.MaxTagLength),
		Validators: []validator.String{tagLength()},
	}
}

// tagLength bounds tag and operator values.
func tagLength() validator.String { return stringvalidator.UTF8LengthAtMost(handoff.MaxTagLength) }

func checkComputed() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"id": schema.StringAttribute{
			Computed: true, MarkdownDescription: "Identifier, stable for the life of the resource.",
			PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
		},
		"run_id": computedString("Run identifier `cost-handoff-YYYYMMDD-<check>-NNN`: the date of this run, a part taken from `id` that " +
			"makes it unique across every check and every replacement of a check, and this check's run sequence (001, 002, ...)."),
		"reviewed_at": computedString("When this run happened, RFC 3339 UTC to the second."),
		"review_due_at": computedString("`reviewed_at` plus `review_interval_days`; null without `review_interval_days`. Computed " +
			"only: to set when a review falls due, set `review_interval_days`."),
		"happy_path": computedObject("Outcome of the request with the approved key.", pathAttributes(true)),
		"error_path": computedObject("Outcome of the request with the invalid key: `pass` only on `auth_failure`; `inconclusive` "+
			"when the approved key was refused as `auth_failure` too (the endpoint refuses every key).", pathAttributes(false)),
		"evidence_captured": schema.BoolAttribute{Computed: true,
			MarkdownDescription: "True when the happy path passed, its response carried usage with a positive total token count " +
				"and, with a ledger configured, the gateway's usage log holds the request."},
		"allocation_complete": schema.BoolAttribute{Computed: true,
			MarkdownDescription: "True when every required allocation field is present, not a placeholder, and allowed."},
		"missing_fields": schema.ListAttribute{Computed: true, ElementType: types.StringType,
			MarkdownDescription: "Required allocation fields that were missing or placeholders at apply."},
		"sources": schema.MapNestedAttribute{Computed: true,
			MarkdownDescription: "Each source page checked during this run, keyed by kind (the key in `source_urls`, whose value is the page's URL); the pages are read at `reviewed_at`.",
			NestedObject:        schema.NestedAttributeObject{Attributes: sourceAttributes()}},
		"decision": computedString("`proceed`, `review` or `stop`."),
		"decision_reasons": schema.ListAttribute{Computed: true, ElementType: types.StringType,
			MarkdownDescription: "Every reason code that applied: " + reasonCodes() + "."},
		"ledger": computedObject("The smoke request's row in the gateway's usage log; null unless the provider's `ledger_api` is set, and null "+
			"when the happy path did not pass (there is no charged request to look for).", ledgerAttributes()),
		"credential_fingerprint": computedString("Which approved key ran: the first 8 hex digits of the SHA-256 of the key as sent (the next 8 should the key itself spell those). " +
			"A fingerprint, not a credential: it cannot give the key back and holds no part of it. Another key plans a re-run."),
		"log": computedString("This run's sanitized handoff log: the checklist's twelve `field: value` lines, then one line for each " +
			"piece of evidence that has a value (reasons, endpoint, protocol, credential fingerprint, categories, request ids, " +
			"tokens, ledger, each source page, review due date, product, cost center, units)."),
		"history": schema.MapAttribute{Computed: true, ElementType: types.StringType,
			MarkdownDescription: "The earlier runs, keyed by `run_id`, at most `history_limit` (the oldest removed first). Each value " +
				"is that run in one line of logfmt: the checklist's fields but `run_id`, with `source_urls_checked` as " +
				"`kind:sha256-prefix` pairs, then `decision_reasons`, `request_id`, `ledger` and `endpoint` where the run had " +
				"them. A run's full log is the `log` of the state version that held it."},
	}
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
		"result":      computedString("`pass` or `fail` (the error path also `inconclusive`)."),
		"category":    computedString("Outcome category: " + codeList(probe.CategoryNames()) + "."),
		"status_code": computedInt("HTTP status code; 0 when no response arrived."),
		"attempts":    computedInt("Requests actually written to the wire for this path, counted; more than 1 decides `stop` with `uncontrolled_retry`."),
		"latency_ms":  computedInt("Time to the full response, in milliseconds."),
		"request_id": computedString("The id the account's own log shows: a gateway's id header first (one-api / new-api " +
			"`X-Oneapi-Request-Id`), then the vendor's request-id header, then the body's id. " + idShapeNote),
		"upstream_request_id": computedString("The vendor's request id a gateway passed through; null when none. " + idShapeNote),
		"message":             computedString("Sanitized summary of the response, at most 300 characters."),
	}
	if happy {
		attrs["model"] = computedString("Model named in the response, else the model requested. " + idShapeNote)
		attrs["input_tokens"] = computedInt("Input tokens reported by the response's usage; null when the answer gave no usage or a count out of range (refused as evidence).")
		attrs["output_tokens"] = computedInt("Output tokens reported by the response's usage; null as input_tokens is.")
		attrs["total_tokens"] = computedInt("Total tokens reported by the response's usage; null as input_tokens is.")
	}
	return attrs
}

func sourceAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"result":      computedString("`pass` (2xx), `fail` or `skipped`."),
		"status_code": computedInt("HTTP status code; 0 when no response arrived or the source was skipped."),
		"sha256":      computedString("SHA-256 digest of the page body; null when none was read."),
	}
}

func ledgerAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"status": computedString("`confirmed` (the record holds the response's tokens), `mismatch` (found, tokens differ), " +
			"`ambiguous` (several rows could each be the smoke request; the message names them and the way out), " +
			"`not_found` (no record within `ledger_wait`; for the usage APIs, none 24 hours after the run), `unavailable` (the ledger " +
			"could not be read, or its record is no charge) or `pending` (`openai_usage`, `anthropic_usage`: no bucket yet; a refresh " +
			"reads it again and records the confirmation in this run)."),
		"message": computedString("Why, in one sanitized line, for every status but `confirmed`: the window searched, the rows " +
			"(by id, time and token name) or buckets that could each be the smoke request, what refused the read (e.g. HTTP 429); " +
			"for a confirmation by a fleet's bucket, the N it was confirmed as one of; null otherwise."),
		"matched_by": computedString("`request_id` (the gateway's request id, LiteLLM's request id, OpenRouter's generation id), or " +
			"`time_model_tokens` where the gateway's rows carry no request id, `usage_bucket` (a usage API's minute bucket holds " +
			"this one request), `bucket_sum` (the bucket equals the sum of this provider's N smoke requests of that key, model and " +
			"minute: each is confirmed as one of N, the message says N); null without a match."),
		"log_id":            computedInt("The row's id in the gateway's log; null without a match and where the ledger gives none (one-api, LiteLLM, OpenRouter)."),
		"request_id":        computedString("The record's request id (OpenRouter: the generation id); null when the record has none. " + idShapeNote),
		"token_name":        computedString("The gateway token the request was charged to: which credential paid, without storing it; null where the ledger names none. " + idShapeNote),
		"prompt_tokens":     computedInt("Prompt tokens the ledger charged (OpenRouter: the upstream's native count); null without a match."),
		"completion_tokens": computedInt("Completion tokens the ledger charged (OpenRouter: the upstream's native count); null without a match."),
		"quota":             computedInt("Quota units the gateway charged for the request; null without a match and for `litellm` and `openrouter`."),
		"charged_usd": computedString("The charge for this one request as a decimal string, account evidence and not a price: " +
			"`quota / ledger_quota_per_usd` (`new_api`), the spend row's `spend` (`litellm`), the generation's `total_cost` (`openrouter`)."),
		"checked_at": computedString("When the ledger was last read, RFC 3339 UTC."),
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

// idShapeNote ends the description of every identifier a server supplies.
const idShapeNote = "Stored only in its documented shape (see the security model); anything else, or anything " +
	"holding part of a credential, is stored as `sha256:` and 16 hex digits of it."
