package provider

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-jsontypes/jsontypes"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/handoff"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/ledger"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/probe"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/sources"
)

// checkModel is costhandoff_check as Terraform sees it.
type checkModel struct {
	OwnerTag           types.String         `tfsdk:"owner_tag"`
	WorkloadTag        types.String         `tfsdk:"workload_tag"`
	Environment        types.String         `tfsdk:"environment"`
	Product            types.String         `tfsdk:"product"`
	CostCenter         types.String         `tfsdk:"cost_center"`
	Operator           types.String         `tfsdk:"operator"`
	FollowUpOwner      types.String         `tfsdk:"follow_up_owner"`
	SourceURLs         types.Map            `tfsdk:"source_urls"`
	VerifySources      types.Bool           `tfsdk:"verify_sources"`
	WatchSources       types.Bool           `tfsdk:"watch_sources"`
	Model              types.String         `tfsdk:"model"`
	Prompt             types.String         `tfsdk:"prompt"`
	MaxOutputTokens    types.Int64          `tfsdk:"max_output_tokens"`
	ExtraBodyJSON      jsontypes.Normalized `tfsdk:"extra_body_json"`
	Endpoint           types.String         `tfsdk:"endpoint"`
	APIProtocol        types.String         `tfsdk:"api_protocol"`
	APIKeyWO           types.String         `tfsdk:"api_key_wo"`
	APIKeyWOVersion    types.Int64          `tfsdk:"api_key_wo_version"`
	InvalidAPIKeyWO    types.String         `tfsdk:"invalid_api_key_wo"`
	UnitName           types.String         `tfsdk:"unit_name"`
	BillingUnit        types.String         `tfsdk:"billing_unit"`
	ReviewIntervalDays types.Int64          `tfsdk:"review_interval_days"`
	RerunTriggers      types.Map            `tfsdk:"rerun_triggers"`
	Enforcement        types.String         `tfsdk:"enforcement"`
	HistoryLimit       types.Int64          `tfsdk:"history_limit"`

	checkResults
}

// checkResults are the computed attributes one run produces. Each fact of a
// run is stored once: the log repeats what a budget owner reads, the
// attributes are what configurations and tests address.
type checkResults struct {
	ID                 types.String `tfsdk:"id"`
	RunID              types.String `tfsdk:"run_id"`
	ReviewedAt         types.String `tfsdk:"reviewed_at"`
	ReviewDueAt        types.String `tfsdk:"review_due_at"`
	HappyPath          types.Object `tfsdk:"happy_path"`
	ErrorPath          types.Object `tfsdk:"error_path"`
	EvidenceCaptured   types.Bool   `tfsdk:"evidence_captured"`
	AllocationComplete types.Bool   `tfsdk:"allocation_complete"`
	MissingFields      types.List   `tfsdk:"missing_fields"`
	Sources            types.List   `tfsdk:"sources"`
	Decision           types.String `tfsdk:"decision"`
	DecisionReasons    types.List   `tfsdk:"decision_reasons"`
	Ledger             types.Object `tfsdk:"ledger"`
	Log                types.String `tfsdk:"log"`
	History            types.List   `tfsdk:"history"`
}

// allocationAttributes is the one table from allocation field to the
// attribute that holds it; the resource and the data source share the names.
var allocationAttributes = []struct{ field, attribute string }{
	{handoff.FieldOwner, "owner_tag"},
	{handoff.FieldWorkload, "workload_tag"},
	{handoff.FieldEnvironment, "environment"},
	{handoff.FieldProduct, "product"},
	{handoff.FieldCostCenter, "cost_center"},
}

// attributeGetter is what tfsdk.Config, tfsdk.Plan and tfsdk.State share.
type attributeGetter interface {
	GetAttribute(ctx context.Context, p path.Path, target any) diag.Diagnostics
}

// readAllocation reads the allocation attributes; values null or unknown
// are left out.
func readAllocation(ctx context.Context, src attributeGetter) (handoff.Allocation, diag.Diagnostics) {
	var diags diag.Diagnostics
	a := handoff.Allocation{}
	for _, f := range allocationAttributes {
		var v types.String
		diags.Append(src.GetAttribute(ctx, path.Root(f.attribute), &v)...)
		if !v.IsNull() && !v.IsUnknown() {
			a[f.field] = v.ValueString()
		}
	}
	return a, diags
}

type pathModel struct {
	Result            types.String `tfsdk:"result"`
	Category          types.String `tfsdk:"category"`
	StatusCode        types.Int64  `tfsdk:"status_code"`
	Attempts          types.Int64  `tfsdk:"attempts"`
	LatencyMS         types.Int64  `tfsdk:"latency_ms"`
	RequestID         types.String `tfsdk:"request_id"`
	UpstreamRequestID types.String `tfsdk:"upstream_request_id"`
	Message           types.String `tfsdk:"message"`
}

type happyPathModel struct {
	pathModel
	Model        types.String `tfsdk:"model"`
	InputTokens  types.Int64  `tfsdk:"input_tokens"`
	OutputTokens types.Int64  `tfsdk:"output_tokens"`
	TotalTokens  types.Int64  `tfsdk:"total_tokens"`
}

type sourceModel struct {
	Kind       types.String `tfsdk:"kind"`
	URL        types.String `tfsdk:"url"`
	Result     types.String `tfsdk:"result"`
	StatusCode types.Int64  `tfsdk:"status_code"`
	CheckedAt  types.String `tfsdk:"checked_at"`
	SHA256     types.String `tfsdk:"sha256"`
}

type ledgerModel struct {
	Status           types.String `tfsdk:"status"`
	MatchedBy        types.String `tfsdk:"matched_by"`
	LogID            types.Int64  `tfsdk:"log_id"`
	RequestID        types.String `tfsdk:"request_id"`
	TokenName        types.String `tfsdk:"token_name"`
	PromptTokens     types.Int64  `tfsdk:"prompt_tokens"`
	CompletionTokens types.Int64  `tfsdk:"completion_tokens"`
	Quota            types.Int64  `tfsdk:"quota"`
	ChargedUSD       types.String `tfsdk:"charged_usd"`
	CheckedAt        types.String `tfsdk:"checked_at"`
}

var (
	happyPathType = types.ObjectType{AttrTypes: attrTypesOf(pathAttributes(true))}
	errorPathType = types.ObjectType{AttrTypes: attrTypesOf(pathAttributes(false))}
	sourceType    = types.ObjectType{AttrTypes: attrTypesOf(sourceAttributes())}
	ledgerType    = types.ObjectType{AttrTypes: attrTypesOf(ledgerAttributes())}
)

// setOutcome fills the computed attributes from one run.
func (r *checkResults) setOutcome(ctx context.Context, o handoff.Outcome) diag.Diagnostics {
	var diags diag.Diagnostics
	happy := o.Probe.HappyPath
	r.RunID = types.StringValue(o.RunID)
	r.ReviewedAt = types.StringValue(o.ReviewedAt.Format(time.RFC3339))
	r.ReviewDueAt = optionalTime(o.ReviewDueAt)
	r.HappyPath = objectValue(ctx, happyPathType, happyPathModel{
		pathModel:    newPathModel(happy, handoff.PassFail(handoff.HappyPathPassed(happy))),
		Model:        types.StringValue(happy.Model),
		InputTokens:  types.Int64Value(happy.Usage.InputTokens),
		OutputTokens: types.Int64Value(happy.Usage.OutputTokens),
		TotalTokens:  types.Int64Value(happy.Usage.TotalTokens),
	}, &diags)
	r.ErrorPath = objectValue(ctx, errorPathType, newPathModel(o.Probe.ErrorPath, o.ErrorPathResult), &diags)
	r.EvidenceCaptured = types.BoolValue(o.EvidenceCaptured)
	r.AllocationComplete = types.BoolValue(o.Allocation.Complete())
	r.MissingFields = stringList(o.Allocation.Missing)
	r.Sources = listValue(ctx, sourceType, sourceModels(o.Sources), &diags)
	r.Decision = types.StringValue(string(o.Decision))
	r.DecisionReasons = stringList(reasonStrings(o.Reasons))
	r.Ledger = ledgerValue(ctx, o.Ledger, &diags)
	r.Log = types.StringValue(o.Log)
	r.History = stringList(o.History)
	return diags
}

func newPathModel(r probe.Result, result string) pathModel {
	return pathModel{
		Result:            types.StringValue(result),
		Category:          types.StringValue(string(r.Category)),
		StatusCode:        types.Int64Value(int64(r.StatusCode)),
		Attempts:          types.Int64Value(int64(r.Attempts)),
		LatencyMS:         types.Int64Value(r.Latency.Milliseconds()),
		RequestID:         types.StringValue(r.RequestID),
		UpstreamRequestID: optionalString(r.UpstreamRequestID),
		Message:           types.StringValue(r.Message),
	}
}

func ledgerValue(ctx context.Context, l *ledger.Result, diags *diag.Diagnostics) types.Object {
	if l == nil {
		return types.ObjectNull(ledgerType.AttrTypes)
	}
	// A field the ledger does not give is null, never 0: one-api's rows
	// carry no id, LiteLLM and OpenRouter no quota.
	matched := l.Matched()
	m := ledgerModel{
		Status:           types.StringValue(string(l.Status)),
		MatchedBy:        optionalString(l.MatchedBy),
		LogID:            types.Int64Null(),
		RequestID:        optionalString(l.RequestID),
		TokenName:        optionalString(l.TokenName),
		PromptTokens:     types.Int64Null(),
		CompletionTokens: types.Int64Null(),
		Quota:            types.Int64Null(),
		ChargedUSD:       optionalString(l.ChargedUSD),
		CheckedAt:        optionalTime(l.CheckedAt),
	}
	if matched {
		if l.LogID != 0 {
			m.LogID = types.Int64Value(l.LogID)
		}
		m.PromptTokens = types.Int64Value(l.PromptTokens)
		m.CompletionTokens = types.Int64Value(l.CompletionTokens)
		if l.HasQuota {
			m.Quota = types.Int64Value(l.Quota)
		}
	} else {
		m.MatchedBy, m.RequestID, m.TokenName, m.ChargedUSD = types.StringNull(), types.StringNull(), types.StringNull(), types.StringNull()
	}
	return objectValue(ctx, ledgerType, m, diags)
}

func sourceModels(pages []sources.Page) []sourceModel {
	out := make([]sourceModel, len(pages))
	for i, p := range pages {
		out[i] = sourceModel{
			Kind:       types.StringValue(p.Kind),
			URL:        types.StringValue(p.URL),
			Result:     types.StringValue(string(p.Result)),
			StatusCode: types.Int64Value(int64(p.StatusCode)),
			CheckedAt:  optionalTime(p.CheckedAt),
			SHA256:     optionalString(p.SHA256),
		}
	}
	return out
}

// pages converts stored sources back for the next run's comparison.
func pages(ctx context.Context, l types.List) ([]sources.Page, diag.Diagnostics) {
	var models []sourceModel
	if l.IsNull() || l.IsUnknown() {
		return nil, nil
	}
	diags := l.ElementsAs(ctx, &models, false)
	out := make([]sources.Page, len(models))
	for i, m := range models {
		checkedAt, _ := time.Parse(time.RFC3339, m.CheckedAt.ValueString())
		out[i] = sources.Page{
			Kind: m.Kind.ValueString(), URL: m.URL.ValueString(), Result: sources.Result(m.Result.ValueString()),
			StatusCode: int(m.StatusCode.ValueInt64()), CheckedAt: checkedAt, SHA256: m.SHA256.ValueString(),
		}
	}
	return out, diags
}

// previous reads what the last run left in state.
func (r checkResults) previous(ctx context.Context) (handoff.Previous, diag.Diagnostics) {
	prev := handoff.Previous{RunID: r.RunID.ValueString(), Log: r.Log.ValueString()}
	var diags diag.Diagnostics
	if !r.History.IsNull() && !r.History.IsUnknown() {
		diags.Append(r.History.ElementsAs(ctx, &prev.History, false)...)
	}
	p, d := pages(ctx, r.Sources)
	diags.Append(d...)
	prev.Sources = p
	return prev, diags
}
