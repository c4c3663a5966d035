package provider

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-jsontypes/jsontypes"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/handoff"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/ledger"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/probe"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/sources"
)

// checkModel is costhandoff_check as Terraform sees it: the one form the
// resource is read in and written from, by validation, plan, apply and
// refresh alike.
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
	ID                    types.String `tfsdk:"id"`
	RunID                 types.String `tfsdk:"run_id"`
	ReviewedAt            types.String `tfsdk:"reviewed_at"`
	ReviewDueAt           types.String `tfsdk:"review_due_at"`
	HappyPath             types.Object `tfsdk:"happy_path"`
	ErrorPath             types.Object `tfsdk:"error_path"`
	EvidenceCaptured      types.Bool   `tfsdk:"evidence_captured"`
	AllocationComplete    types.Bool   `tfsdk:"allocation_complete"`
	MissingFields         types.List   `tfsdk:"missing_fields"`
	Sources               types.Map    `tfsdk:"sources"`
	Decision              types.String `tfsdk:"decision"`
	DecisionReasons       types.List   `tfsdk:"decision_reasons"`
	Ledger                types.Object `tfsdk:"ledger"`
	CredentialFingerprint types.String `tfsdk:"credential_fingerprint"`
	Log                   types.String `tfsdk:"log"`
	History               types.Map    `tfsdk:"history"`
}

// arguments are the model's arguments by attribute name, read off the
// struct tags, so code that treats every argument alike (the re-run
// decision) follows the schema instead of a list of names.
func (m checkModel) arguments() map[string]attr.Value {
	v := reflect.ValueOf(m)
	t := v.Type()
	out := make(map[string]attr.Value, t.NumField())
	for i := range t.NumField() {
		if name := t.Field(i).Tag.Get("tfsdk"); name != "" {
			out[name], _ = v.Field(i).Interface().(attr.Value)
		}
	}
	return out
}

// allocation is the check's allocation fields; a field null or unknown is
// left out.
func (m checkModel) allocation() handoff.Allocation {
	return allocationOf(m.OwnerTag, m.WorkloadTag, m.Environment, m.Product, m.CostCenter)
}

// allocationKnown says whether every allocation field is known, so the
// policy's verdict on them is too.
func (m checkModel) allocationKnown() bool {
	for _, v := range []types.String{m.OwnerTag, m.WorkloadTag, m.Environment, m.Product, m.CostCenter} {
		if v.IsUnknown() {
			return false
		}
	}
	return true
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
	Result     types.String `tfsdk:"result"`
	StatusCode types.Int64  `tfsdk:"status_code"`
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
	Message          types.String `tfsdk:"message"`
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
	hp := happyPathModel{
		pathModel:    newPathModel(happy, o.HappyPathResult),
		Model:        types.StringValue(happy.Model),
		InputTokens:  types.Int64Null(),
		OutputTokens: types.Int64Null(),
		TotalTokens:  types.Int64Null(),
	}
	// Counts the answer did not give, or gave out of range, stay null: a
	// zero would read as a measured usage of nothing.
	if happy.Usage.Found {
		hp.InputTokens = types.Int64Value(happy.Usage.InputTokens)
		hp.OutputTokens = types.Int64Value(happy.Usage.OutputTokens)
		hp.TotalTokens = types.Int64Value(happy.Usage.TotalTokens)
	}
	r.HappyPath = objectValue(ctx, happyPathType, hp, &diags)
	r.ErrorPath = objectValue(ctx, errorPathType, newPathModel(o.Probe.ErrorPath, o.ErrorPathResult), &diags)
	r.EvidenceCaptured = types.BoolValue(o.EvidenceCaptured)
	r.AllocationComplete = types.BoolValue(o.Allocation.Complete())
	r.MissingFields = stringList(o.Allocation.Missing)
	r.Sources = mapValue(ctx, sourceType, sourceModels(o.Sources), &diags)
	r.Decision = types.StringValue(string(o.Decision))
	r.DecisionReasons = stringList(reasonStrings(o.Reasons))
	r.Ledger = ledgerValue(ctx, o.Ledger, &diags)
	r.CredentialFingerprint = optionalString(o.CredentialFingerprint)
	r.Log = types.StringValue(o.Log)
	r.History = stringMap(o.History)
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
	// What identifies or prices the record is kept only for a record found.
	m := ledgerModel{
		Status:           types.StringValue(string(l.Status)),
		MatchedBy:        types.StringNull(),
		LogID:            types.Int64Null(),
		RequestID:        types.StringNull(),
		TokenName:        types.StringNull(),
		PromptTokens:     types.Int64Null(),
		CompletionTokens: types.Int64Null(),
		Quota:            types.Int64Null(),
		ChargedUSD:       types.StringNull(),
		CheckedAt:        optionalTime(l.CheckedAt),
		Message:          optionalString(l.Message),
	}
	if l.Matched() {
		m.MatchedBy, m.RequestID = optionalString(l.MatchedBy), optionalString(l.RequestID)
		m.TokenName, m.ChargedUSD = optionalString(l.TokenName), optionalString(l.ChargedUSD)
		if l.LogID != 0 {
			m.LogID = types.Int64Value(l.LogID)
		}
		m.PromptTokens = types.Int64Value(l.PromptTokens)
		m.CompletionTokens = types.Int64Value(l.CompletionTokens)
		if l.HasQuota {
			m.Quota = types.Int64Value(l.Quota)
		}
	}
	return objectValue(ctx, ledgerType, m, diags)
}

func sourceModels(pages []sources.Page) map[string]sourceModel {
	out := make(map[string]sourceModel, len(pages))
	for _, p := range pages {
		out[p.Kind] = sourceModel{
			Result:     types.StringValue(string(p.Result)),
			StatusCode: types.Int64Value(int64(p.StatusCode)),
			SHA256:     optionalString(p.SHA256),
		}
	}
	return out
}

// sourcePages converts stored sources back, in kind order, for the next run's
// comparison. A page's URL is not stored with it: it is source_urls' value
// under the same kind (SPEC section 3).
func sourcePages(ctx context.Context, m, sourceURLs types.Map) ([]sources.Page, diag.Diagnostics) {
	if !known(m) {
		return nil, nil
	}
	var models map[string]sourceModel
	diags := m.ElementsAs(ctx, &models, false)
	urls, d := stringMapOf(ctx, sourceURLs)
	diags.Append(d...)
	out := make([]sources.Page, 0, len(models))
	for _, kind := range sortedKeys(models) {
		s := models[kind]
		out = append(out, sources.Page{
			Kind: kind, URL: urls[kind], Result: sources.Result(s.Result.ValueString()),
			StatusCode: int(s.StatusCode.ValueInt64()), SHA256: s.SHA256.ValueString(),
		})
	}
	return out, diags
}

// previous reads what the last run left in state.
func (m checkModel) previous(ctx context.Context) (handoff.Previous, diag.Diagnostics) {
	prev := handoff.Previous{RunID: m.RunID.ValueString(), Record: m.record(ctx)}
	history, diags := stringMapOf(ctx, m.History)
	prev.History = history
	p, d := sourcePages(ctx, m.Sources, m.SourceURLs)
	diags.Append(d...)
	prev.Sources = p
	return prev, diags
}

// record is the run in state as the domain's record, every field the log
// renders read from the attributes (never from the log), so that its log
// and its history entry are two renderings of it. Two facts of the log are
// not attributes: which source pages changed since the run before (a
// refresh takes them from private state, pendingRun), and the upstream
// provider and model an OpenRouter ledger names (absent from ledger, so
// the record's ledger line has none). A state without a run gives the zero
// record.
func (m checkModel) record(ctx context.Context) handoff.RunRecord {
	if !known(m.RunID) {
		return handoff.RunRecord{}
	}
	r := handoff.RunRecord{
		RunID: m.RunID.ValueString(), ReviewedAt: m.ReviewedAt.ValueString(), Operator: m.Operator.ValueString(),
		WorkloadTag: m.WorkloadTag.ValueString(), OwnerTag: m.OwnerTag.ValueString(), Environment: m.Environment.ValueString(),
		EvidenceCaptured: handoff.YesNo(m.EvidenceCaptured.ValueBool()), Decision: m.Decision.ValueString(),
		FollowUpOwner: m.FollowUpOwner.ValueString(), Endpoint: handoff.LogEndpoint(m.Endpoint.ValueString()),
		APIProtocol: m.APIProtocol.ValueString(), CredentialFingerprint: m.CredentialFingerprint.ValueString(),
		ReviewDueAt: m.ReviewDueAt.ValueString(), Product: m.Product.ValueString(), CostCenter: m.CostCenter.ValueString(),
		UnitName: m.UnitName.ValueString(), BillingUnit: m.BillingUnit.ValueString(),
	}
	var happy happyPathModel
	var errPath pathModel
	if known(m.HappyPath) {
		_ = m.HappyPath.As(ctx, &happy, basetypes.ObjectAsOptions{})
	}
	if known(m.ErrorPath) {
		_ = m.ErrorPath.As(ctx, &errPath, basetypes.ObjectAsOptions{})
	}
	r.HappyPathResult, r.ErrorPathResult = happy.Result.ValueString(), errPath.Result.ValueString()
	r.HappyPathCategory, r.ErrorPathCategory = happy.Category.ValueString(), errPath.Category.ValueString()
	r.Model, r.RequestID, r.UpstreamRequestID = happy.Model.ValueString(), happy.RequestID.ValueString(), happy.UpstreamRequestID.ValueString()
	// The counts are stored together or not at all (setOutcome).
	if known(happy.InputTokens) {
		r.Tokens = &handoff.TokenCounts{Input: happy.InputTokens.ValueInt64(), Output: happy.OutputTokens.ValueInt64(), Total: happy.TotalTokens.ValueInt64()}
	}
	_ = m.DecisionReasons.ElementsAs(ctx, &r.DecisionReasons, false)
	pages, _ := sourcePages(ctx, m.Sources, m.SourceURLs)
	r.SetSources(pages, nil)
	var l ledgerModel
	if known(m.Ledger) && m.Ledger.As(ctx, &l, basetypes.ObjectAsOptions{}) == nil {
		r.SetLedger(&ledger.Result{Status: ledger.Status(l.Status.ValueString()), Quota: l.Quota.ValueInt64(), HasQuota: known(l.Quota),
			ChargedUSD: l.ChargedUSD.ValueString()})
	}
	return r
}

// describe names the check in a sentence: the resource address is not
// known to a provider, but Terraform shows it beside the diagnostic.
func (m checkModel) describe() string {
	var parts []string
	for _, a := range []struct {
		name  string
		value types.String
	}{{"workload_tag", m.WorkloadTag}, {"environment", m.Environment}} {
		if s := strings.TrimSpace(a.value.ValueString()); s != "" {
			parts = append(parts, a.name+" "+s)
		}
	}
	if len(parts) == 0 {
		return "(" + m.ID.ValueString() + ")"
	}
	return "for " + strings.Join(parts, ", ")
}

// checkAttrTypes are the check's attribute types, from the schema.
var checkAttrTypes = attrTypesOf(checkResourceSchema().Attributes)

// readModel is the check as raw holds it (a configuration, plan or state);
// ok is false, with an error diagnostic, when it cannot be read.
func readModel(ctx context.Context, raw tftypes.Value, diags *diag.Diagnostics) (m checkModel, ok bool) {
	if err := m.fromTerraform(ctx, raw); err != nil {
		diags.AddError("Unable to read costhandoff_check", err.Error())
		return m, false
	}
	return m, true
}

// writeModel is m as a value of type t, for a plan or a state.
func writeModel(ctx context.Context, m checkModel, t tftypes.Type, diags *diag.Diagnostics) tftypes.Value {
	v, err := m.toTerraform(ctx, t)
	if err != nil {
		diags.AddError("Unable to write costhandoff_check", err.Error())
		return tftypes.NewValue(t, tftypes.UnknownValue)
	}
	return v
}

// fromTerraform fills m from a configuration, plan or state of the check.
// It converts each attribute with its schema type directly: the framework's
// generic Get walks paths and builds diagnostics for every value, which on
// every plan of every check cost measurably more than the plan itself.
func (m *checkModel) fromTerraform(ctx context.Context, raw tftypes.Value) error {
	var attrs map[string]tftypes.Value
	if err := raw.As(&attrs); err != nil {
		return err
	}
	return eachField(reflect.ValueOf(m).Elem(), func(name string, field reflect.Value) error {
		typ, ok := checkAttrTypes[name]
		if !ok {
			return fmt.Errorf("checkModel field %s is not in the schema", name)
		}
		v, err := typ.ValueFromTerraform(ctx, attrs[name])
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		field.Set(reflect.ValueOf(v))
		return nil
	})
}

// toTerraform is m as a value of the check's object type t.
func (m checkModel) toTerraform(ctx context.Context, t tftypes.Type) (tftypes.Value, error) {
	attrs := map[string]tftypes.Value{}
	err := eachField(reflect.ValueOf(&m).Elem(), func(name string, field reflect.Value) error {
		value, ok := field.Interface().(attr.Value)
		if !ok {
			return fmt.Errorf("%s is not an attribute value", name)
		}
		v, err := value.ToTerraformValue(ctx)
		attrs[name] = v
		return err
	})
	if err == nil {
		err = tftypes.ValidateValue(t, attrs)
	}
	if err != nil {
		return tftypes.Value{}, err
	}
	return tftypes.NewValue(t, attrs), nil
}

// eachField calls f with every tagged field of the struct v, the embedded
// results included.
func eachField(v reflect.Value, f func(name string, field reflect.Value) error) error {
	for i := range v.NumField() {
		sf := v.Type().Field(i)
		if sf.Anonymous {
			if err := eachField(v.Field(i), f); err != nil {
				return err
			}
			continue
		}
		if name := sf.Tag.Get("tfsdk"); name != "" {
			if err := f(name, v.Field(i)); err != nil {
				return err
			}
		}
	}
	return nil
}
