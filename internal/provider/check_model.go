package provider

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/handoff"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/probe"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/sources"
)

// checkModel is costhandoff_check as Terraform sees it.
type checkModel struct {
	OwnerTag           types.String `tfsdk:"owner_tag"`
	WorkloadTag        types.String `tfsdk:"workload_tag"`
	Environment        types.String `tfsdk:"environment"`
	Product            types.String `tfsdk:"product"`
	CostCenter         types.String `tfsdk:"cost_center"`
	Operator           types.String `tfsdk:"operator"`
	FollowUpOwner      types.String `tfsdk:"follow_up_owner"`
	SourceURLs         types.Map    `tfsdk:"source_urls"`
	VerifySources      types.Bool   `tfsdk:"verify_sources"`
	WatchSources       types.Bool   `tfsdk:"watch_sources"`
	Model              types.String `tfsdk:"model"`
	Prompt             types.String `tfsdk:"prompt"`
	MaxOutputTokens    types.Int64  `tfsdk:"max_output_tokens"`
	ExtraBodyJSON      types.String `tfsdk:"extra_body_json"`
	Endpoint           types.String `tfsdk:"endpoint"`
	APIProtocol        types.String `tfsdk:"api_protocol"`
	APIKeyWO           types.String `tfsdk:"api_key_wo"`
	APIKeyWOVersion    types.Int64  `tfsdk:"api_key_wo_version"`
	InvalidAPIKeyWO    types.String `tfsdk:"invalid_api_key_wo"`
	UnitName           types.String `tfsdk:"unit_name"`
	BillingUnit        types.String `tfsdk:"billing_unit"`
	ReviewIntervalDays types.Int64  `tfsdk:"review_interval_days"`
	RerunTriggers      types.Map    `tfsdk:"rerun_triggers"`
	Enforcement        types.String `tfsdk:"enforcement"`
	HistoryLimit       types.Int64  `tfsdk:"history_limit"`

	checkResults
}

// checkResults are the computed attributes one run produces.
type checkResults struct {
	ID                    types.String `tfsdk:"id"`
	RunID                 types.String `tfsdk:"run_id"`
	ReviewedAt            types.String `tfsdk:"reviewed_at"`
	ReviewDueAt           types.String `tfsdk:"review_due_at"`
	HappyPath             types.Object `tfsdk:"happy_path"`
	ErrorPath             types.Object `tfsdk:"error_path"`
	EvidenceCaptured      types.Bool   `tfsdk:"evidence_captured"`
	AllocationComplete    types.Bool   `tfsdk:"allocation_complete"`
	MissingFields         types.List   `tfsdk:"missing_fields"`
	Sources               types.List   `tfsdk:"sources"`
	ObservedSourceDigests types.Map    `tfsdk:"observed_source_digests"`
	ChangedSources        types.List   `tfsdk:"changed_sources"`
	Decision              types.String `tfsdk:"decision"`
	DecisionReasons       types.List   `tfsdk:"decision_reasons"`
	Record                types.Object `tfsdk:"record"`
	Log                   types.String `tfsdk:"log"`
	History               types.List   `tfsdk:"history"`
}

// rerunInputs are the arguments whose change re-runs the check: every
// argument but enforcement and history_limit, which only govern what is
// done with a result. Write-only keys are always null here; their version
// stands for them.
func (m checkModel) rerunInputs() []attr.Value {
	return []attr.Value{
		m.OwnerTag, m.WorkloadTag, m.Environment, m.Product, m.CostCenter, m.Operator, m.FollowUpOwner,
		m.SourceURLs, m.VerifySources, m.WatchSources, m.Model, m.Prompt, m.MaxOutputTokens, m.ExtraBodyJSON,
		m.Endpoint, m.APIProtocol, m.APIKeyWOVersion, m.UnitName, m.BillingUnit, m.ReviewIntervalDays, m.RerunTriggers,
	}
}

// allocationValues maps each allocation field to its attribute.
func (m checkModel) allocationValues() map[string]types.String {
	return map[string]types.String{
		handoff.FieldOwner:       m.OwnerTag,
		handoff.FieldWorkload:    m.WorkloadTag,
		handoff.FieldEnvironment: m.Environment,
		handoff.FieldProduct:     m.Product,
		handoff.FieldCostCenter:  m.CostCenter,
	}
}

// allocation returns the known, non-null allocation values.
func (m checkModel) allocation() handoff.Allocation {
	a := handoff.Allocation{}
	for field, v := range m.allocationValues() {
		if !v.IsNull() && !v.IsUnknown() {
			a[field] = v.ValueString()
		}
	}
	return a
}

// allocationAttributeNames maps each allocation field to its attribute name.
var allocationAttributeNames = map[string]string{
	handoff.FieldOwner:       "owner_tag",
	handoff.FieldWorkload:    "workload_tag",
	handoff.FieldEnvironment: "environment",
	handoff.FieldProduct:     "product",
	handoff.FieldCostCenter:  "cost_center",
}

type pathModel struct {
	Result     types.String `tfsdk:"result"`
	Category   types.String `tfsdk:"category"`
	StatusCode types.Int64  `tfsdk:"status_code"`
	Attempts   types.Int64  `tfsdk:"attempts"`
	LatencyMS  types.Int64  `tfsdk:"latency_ms"`
	RequestID  types.String `tfsdk:"request_id"`
	Message    types.String `tfsdk:"message"`
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

type recordModel struct {
	RunID             types.String `tfsdk:"run_id"`
	ReviewedAt        types.String `tfsdk:"reviewed_at"`
	Operator          types.String `tfsdk:"operator"`
	SourceURLsChecked []string     `tfsdk:"source_urls_checked"`
	WorkloadTag       types.String `tfsdk:"workload_tag"`
	OwnerTag          types.String `tfsdk:"owner_tag"`
	Environment       types.String `tfsdk:"environment"`
	HappyPathResult   types.String `tfsdk:"happy_path_result"`
	ErrorPathResult   types.String `tfsdk:"error_path_result"`
	EvidenceCaptured  types.String `tfsdk:"evidence_captured"`
	Decision          types.String `tfsdk:"decision"`
	FollowUpOwner     types.String `tfsdk:"follow_up_owner"`
}

var (
	happyPathType = types.ObjectType{AttrTypes: attrTypesOf(pathAttributes(true))}
	errorPathType = types.ObjectType{AttrTypes: attrTypesOf(pathAttributes(false))}
	sourceType    = types.ObjectType{AttrTypes: attrTypesOf(sourceAttributes())}
	recordType    = types.ObjectType{AttrTypes: attrTypesOf(recordAttributes())}
)

// setOutcome fills the computed attributes from one run.
func (r *checkResults) setOutcome(ctx context.Context, o handoff.Outcome, reviewInterval types.Int64, watchSources bool) diag.Diagnostics {
	var diags diag.Diagnostics
	r.RunID = types.StringValue(o.RunID)
	r.ReviewedAt = types.StringValue(o.ReviewedAt.Format(time.RFC3339))
	r.ReviewDueAt = reviewDueAt(o.ReviewedAt, reviewInterval)
	r.HappyPath = objectValue(ctx, happyPathType, happyPathModel{
		pathModel:    newPathModel(o.Probe.HappyPath, handoff.HappyPathPassed(o.Probe.HappyPath)),
		Model:        types.StringValue(o.Probe.HappyPath.Model),
		InputTokens:  types.Int64Value(o.Probe.HappyPath.Usage.InputTokens),
		OutputTokens: types.Int64Value(o.Probe.HappyPath.Usage.OutputTokens),
		TotalTokens:  types.Int64Value(o.Probe.HappyPath.Usage.TotalTokens),
	}, &diags)
	r.ErrorPath = objectValue(ctx, errorPathType, newPathModel(o.Probe.ErrorPath, handoff.ErrorPathPassed(o.Probe.ErrorPath)), &diags)
	r.EvidenceCaptured = types.BoolValue(o.EvidenceCaptured)
	r.AllocationComplete = types.BoolValue(o.Allocation.Complete())
	r.MissingFields = stringList(o.Allocation.Missing)
	r.Sources = listValue(ctx, sourceType, sourceModels(o.Sources), &diags)
	r.ObservedSourceDigests = types.MapNull(types.StringType)
	if watchSources { // only refresh with watch_sources reads them
		r.ObservedSourceDigests = stringMap(sources.Digests(o.Sources))
	}
	r.ChangedSources = stringList(o.ChangedSources)
	r.Decision = types.StringValue(string(o.Decision))
	r.DecisionReasons = stringList(reasonStrings(o.Reasons))
	r.Record = objectValue(ctx, recordType, newRecordModel(o.Record), &diags)
	r.Log = types.StringValue(o.Record.Log())
	r.History = historyValue(ctx, o.History, &diags)
	return diags
}

// reviewDueAt is null without an interval.
func reviewDueAt(reviewedAt time.Time, interval types.Int64) types.String {
	if interval.IsNull() || interval.IsUnknown() {
		return types.StringNull()
	}
	return types.StringValue(reviewedAt.AddDate(0, 0, int(interval.ValueInt64())).Format(time.RFC3339))
}

func newPathModel(r probe.Result, passed bool) pathModel {
	return pathModel{
		Result:     types.StringValue(handoff.PassFail(passed)),
		Category:   types.StringValue(string(r.Category)),
		StatusCode: types.Int64Value(int64(r.StatusCode)),
		Attempts:   types.Int64Value(int64(r.Attempts)),
		LatencyMS:  types.Int64Value(r.Latency.Milliseconds()),
		RequestID:  types.StringValue(r.RequestID),
		Message:    types.StringValue(r.Message),
	}
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

func newRecordModel(r handoff.Record) recordModel {
	return recordModel{
		RunID:             types.StringValue(r.RunID),
		ReviewedAt:        types.StringValue(r.ReviewedAt),
		Operator:          types.StringValue(r.Operator),
		SourceURLsChecked: r.SourceURLsChecked,
		WorkloadTag:       types.StringValue(r.WorkloadTag),
		OwnerTag:          types.StringValue(r.OwnerTag),
		Environment:       types.StringValue(r.Environment),
		HappyPathResult:   types.StringValue(r.HappyPathResult),
		ErrorPathResult:   types.StringValue(r.ErrorPathResult),
		EvidenceCaptured:  types.StringValue(r.EvidenceCaptured),
		Decision:          types.StringValue(r.Decision),
		FollowUpOwner:     types.StringValue(r.FollowUpOwner),
	}
}

func (m recordModel) record() handoff.Record {
	return handoff.Record{
		RunID: m.RunID.ValueString(), ReviewedAt: m.ReviewedAt.ValueString(), Operator: m.Operator.ValueString(),
		SourceURLsChecked: m.SourceURLsChecked, WorkloadTag: m.WorkloadTag.ValueString(), OwnerTag: m.OwnerTag.ValueString(),
		Environment: m.Environment.ValueString(), HappyPathResult: m.HappyPathResult.ValueString(),
		ErrorPathResult: m.ErrorPathResult.ValueString(), EvidenceCaptured: m.EvidenceCaptured.ValueString(),
		Decision: m.Decision.ValueString(), FollowUpOwner: m.FollowUpOwner.ValueString(),
	}
}

func historyValue(ctx context.Context, history []handoff.Record, diags *diag.Diagnostics) types.List {
	models := make([]recordModel, len(history))
	for i, r := range history {
		models[i] = newRecordModel(r)
	}
	return listValue(ctx, recordType, models, diags)
}

// previous reads what the last run left in state.
func (r checkResults) previous(ctx context.Context) (handoff.Previous, diag.Diagnostics) {
	var prev handoff.Previous
	var diags diag.Diagnostics
	if !r.Record.IsNull() && !r.Record.IsUnknown() {
		var m recordModel
		diags.Append(r.Record.As(ctx, &m, objectOptions)...)
		rec := m.record()
		prev.Record = &rec
	}
	var history []recordModel
	if !r.History.IsNull() && !r.History.IsUnknown() {
		diags.Append(r.History.ElementsAs(ctx, &history, false)...)
	}
	for _, m := range history {
		prev.History = append(prev.History, m.record())
	}
	p, d := pages(ctx, r.Sources)
	diags.Append(d...)
	prev.Sources = p
	return prev, diags
}
