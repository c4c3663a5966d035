package provider

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/handoff"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/sources"
)

// keepArguments are the arguments that say how a result is kept, not what
// is tested: changing them alone never re-runs the check. Write-only
// arguments are null in every plan and state, so they cannot be compared:
// the credential fingerprint stands for the approved key, and the invalid
// key is the error path's own concern, never recorded. Every other argument
// re-runs the check (rerunArguments).
var keepArguments = map[string]string{
	"enforcement":        "whether a stop fails the apply",
	"history_limit":      "how many earlier runs history keeps",
	"api_key_wo":         "write-only: credential_fingerprint stands for it",
	"invalid_api_key_wo": "write-only: never recorded, so never compared",
}

// rerunArguments are the arguments whose change re-runs the check, taken
// from the schema, sorted.
var rerunArguments = func() []string {
	var names []string
	for name := range checkArguments() {
		if _, keep := keepArguments[name]; !keep {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}()

// planCheck resolves the arguments left out, decides whether apply runs
// the check, and says why at plan time. It never sends a request.
func planCheck(ctx context.Context, d *providerData, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || d == nil {
		// A destroy needs nothing; an unconfigured provider (values unknown
		// until apply) plans again once configured.
		return
	}
	plan, ok := readModel(ctx, req.Plan.Raw, &resp.Diagnostics)
	cfg, ok2 := readModel(ctx, req.Config.Raw, &resp.Diagnostics)
	if !ok || !ok2 {
		return
	}
	plan.resolveLeftOut(cfg, d)
	fingerprint := cfg.plannedFingerprint(d)
	if req.State.Raw.IsNull() {
		resp.Diagnostics.Append(cfg.requireCredential(d)...)
		plan.planRun(nil, d, fingerprint)
	} else {
		state, _ := readModel(ctx, req.State.Raw, &resp.Diagnostics)
		observed, diags := readObservedPages(ctx, req.Private)
		resp.Diagnostics.Append(diags...)
		tested, diags := readLedgerTested(ctx, req.Private)
		resp.Diagnostics.Append(diags...)
		var stopped refreshStop
		_, diags = readPrivate(ctx, req.Private, ledgerStoppedKey, &stopped)
		resp.Diagnostics.Append(diags...)
		if resp.Diagnostics.HasError() {
			return
		}
		causes, unchecked := plan.rerunCauses(ctx, state, rerunInputs{
			fingerprint: fingerprint, observed: observed, ledgerTested: tested, ledgerNow: d.ledger, now: d.runner.Now(),
			refreshStop: stopped,
		})
		for _, p := range unchecked {
			resp.Diagnostics.AddWarning(uncheckedWarning(plan, p))
		}
		if len(causes) == 0 {
			plan.keepResults(state)
		} else {
			resp.Diagnostics.Append(cfg.requireCredential(d)...)
			resp.Diagnostics.AddWarning(rerunWarning(plan, state, causes))
			tflog.Info(ctx, "cost handoff re-run planned", map[string]any{"causes": causes})
			plan.planRun(&state, d, fingerprint)
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Plan.Raw = writeModel(ctx, plan, req.Plan.Raw.Type(), &resp.Diagnostics)
}

// resolveLeftOut gives the arguments the configuration cfg leaves out
// their effective values, so the plan shows what will be recorded and a
// changed default re-runs the check: operator and the tested path from the
// provider, follow_up_owner from owner_tag.
func (m *checkModel) resolveLeftOut(cfg checkModel, d *providerData) {
	if cfg.Operator.IsNull() {
		m.Operator = types.StringValue(d.operator)
	}
	if cfg.FollowUpOwner.IsNull() {
		m.FollowUpOwner = m.OwnerTag
	}
	if cfg.Endpoint.IsNull() {
		m.Endpoint = types.StringValue(d.endpoint)
	}
	if cfg.APIProtocol.IsNull() {
		m.APIProtocol = types.StringValue(string(d.protocol))
	}
}

// plannedFingerprint is the fingerprint of the key a run would send now;
// "" when api_key_wo is known only at apply, or there is no key at all.
func (m checkModel) plannedFingerprint(d *providerData) string {
	if m.APIKeyWO.IsUnknown() {
		return ""
	}
	return handoff.CredentialFingerprint(m.approvedKey(d))
}

// approvedKey is the key a run sends: the check's api_key_wo, else the
// provider's api_key.
func (m checkModel) approvedKey(d *providerData) string {
	return stringOr(m.APIKeyWO, "", d.apiKey)
}

// planRun marks the results of the coming run unknown, but for what the
// plan already knows: the id, the history (the run in state added, the
// oldest dropped at the limit), each source page's kind, the allocation's
// verdict, the key's fingerprint, and the values a run cannot set (no
// ledger, no review date). prior is nil for a new check.
func (m *checkModel) planRun(prior *checkModel, d *providerData, fingerprint string) {
	r := unknownResults
	var history map[string]string
	if prior != nil {
		r.ID = prior.ID
		history, _ = stringMapOf(context.Background(), prior.History)
	}
	// A history_limit not known yet (from another resource) leaves the
	// history unknown too: the plan must not promise what apply may not do.
	if known(m.HistoryLimit) {
		var last handoff.RunRecord
		if prior != nil {
			last = prior.record(context.Background())
		}
		r.History = stringMap(handoff.PushHistory(history, last, int(m.HistoryLimit.ValueInt64())))
	}
	if s, ok := m.plannedSources(); ok {
		r.Sources = s
	}
	if m.allocationKnown() {
		report := d.policyOf().CheckAllocation(m.allocation())
		r.AllocationComplete = types.BoolValue(report.Complete())
		r.MissingFields = stringList(report.Missing)
	}
	if fingerprint != "" {
		r.CredentialFingerprint = types.StringValue(fingerprint)
	}
	if !d.ledgerConfigured() {
		r.Ledger = types.ObjectNull(ledgerType.AttrTypes)
	}
	if m.ReviewIntervalDays.IsNull() {
		r.ReviewDueAt = types.StringNull()
	}
	m.checkResults = r
}

// unknownResults are the computed attributes all unknown, derived from the
// schema's computed attributes (checkComputed) by the model's tfsdk tags,
// so a computed attribute added to the schema is planned unknown without
// being listed here.
var unknownResults = func() checkResults {
	ctx := context.Background()
	var r checkResults
	v := reflect.ValueOf(&r).Elem()
	computed := checkComputed()
	for i := range v.NumField() {
		a, ok := computed[v.Type().Field(i).Tag.Get("tfsdk")]
		if !ok {
			continue
		}
		t := a.GetType()
		unknown, err := t.ValueFromTerraform(ctx, tftypes.NewValue(t.TerraformType(ctx), tftypes.UnknownValue))
		if err == nil && reflect.TypeOf(unknown).AssignableTo(v.Field(i).Type()) {
			v.Field(i).Set(reflect.ValueOf(unknown))
		}
	}
	return r
}()

// plannedSources shows at plan which pages the run will check: each kind
// is known from the configuration, and so is the whole entry of a
// page that will be skipped; what a fetch will find is unknown.
func (m checkModel) plannedSources() (types.Map, bool) {
	if !known(m.SourceURLs) || m.VerifySources.IsUnknown() {
		return types.Map{}, false
	}
	skipped := !m.VerifySources.ValueBool()
	pages := map[string]sourceModel{}
	for kind := range m.SourceURLs.Elements() {
		page := sourceModel{Result: types.StringUnknown(), StatusCode: types.Int64Unknown(), SHA256: types.StringUnknown()}
		if skipped {
			page.Result, page.StatusCode, page.SHA256 = types.StringValue(string(sources.Skipped)), types.Int64Value(0), types.StringNull()
		}
		pages[kind] = page
	}
	var diags diag.Diagnostics
	v := mapValue(context.Background(), sourceType, pages, &diags)
	return v, !diags.HasError()
}

// keepResults carries the last run over unchanged; a lower history_limit
// trims the history at once, and one not known yet leaves it unknown.
func (m *checkModel) keepResults(state checkModel) {
	m.checkResults = state.checkResults
	switch {
	case !known(m.HistoryLimit):
		m.History = types.MapUnknown(types.StringType)
	case len(state.History.Elements()) > int(max(m.HistoryLimit.ValueInt64(), 0)):
		history, _ := stringMapOf(context.Background(), state.History)
		m.History = stringMap(handoff.TrimHistory(history, int(m.HistoryLimit.ValueInt64())))
	}
}

// rerunInputs is what, besides the plan and the state, decides a re-run.
type rerunInputs struct {
	// fingerprint is the planned key's ("" when no key or not known yet).
	fingerprint string
	// observed are the pages the last refresh read; nil when none watched.
	observed []sources.Page
	// ledgerTested is the ledger the last run was confirmed against; nil
	// when not recorded. ledgerNow is the one configured now.
	ledgerTested *ledgerSetting
	ledgerNow    ledgerSetting
	now          time.Time
	// refreshStop is the run a refresh of its ledger turned to stop; its
	// zero value when none did.
	refreshStop refreshStop
}

// rerunCauses says why apply must run the check again (none when it need
// not), and which watched pages could not be checked on refresh.
func (m checkModel) rerunCauses(ctx context.Context, state checkModel, in rerunInputs) (causes []string, unchecked []sources.Page) {
	planned, stored := m.arguments(), state.arguments()
	var changed []string
	for _, name := range rerunArguments {
		if planned[name].Equal(stored[name]) {
			continue
		}
		switch name {
		case "endpoint":
			causes = append(causes, "the endpoint changed from "+shown(state.Endpoint)+" to "+shown(m.Endpoint))
		case "api_protocol":
			causes = append(causes, "the API protocol changed from "+shown(state.APIProtocol)+" to "+shown(m.APIProtocol))
		case "api_key_wo_version":
			causes = append(causes, "the key version changed (api_key_wo_version)")
		default:
			changed = append(changed, name)
		}
	}
	if len(changed) > 0 {
		causes = append([]string{"arguments changed: " + strings.Join(changed, ", ")}, causes...)
	}
	// No key configured is not another key: nothing is planned for it.
	if was := state.CredentialFingerprint.ValueString(); in.fingerprint != "" && was != "" && in.fingerprint != was {
		causes = append(causes, fmt.Sprintf("another approved key is configured (credential fingerprint %s, last run %s)", in.fingerprint, was))
	}
	if in.ledgerTested != nil && *in.ledgerTested != in.ledgerNow {
		causes = append(causes, "the ledger changed from "+in.ledgerTested.String()+" to "+in.ledgerNow.String())
	}
	if due, err := time.Parse(time.RFC3339, state.ReviewDueAt.ValueString()); err == nil && !in.now.Before(due) {
		causes = append(causes, "its review expired at "+state.ReviewDueAt.ValueString())
	}
	if in.observed != nil {
		recorded, _ := sourcePages(ctx, state.Sources, state.SourceURLs)
		c := sources.Compare(recorded, in.observed)
		if len(c.Changed) > 0 {
			causes = append(causes, "a watched source page changed: "+strings.Join(c.Changed, ", "))
		}
		unchecked = c.Unchecked
	}
	// Like a tainted new resource, a check whose last run stopped the apply
	// runs again until it passes or enforcement stops failing on it.
	// A refresh that read a pending ledger again may have made the stop.
	if state.Decision.ValueString() == string(handoff.Stop) && m.Enforcement.ValueString() == enforcementFail {
		cause := "its last run (" + state.RunID.ValueString() + ") decided stop"
		if s := in.refreshStop; s.RunID != "" && s.RunID == state.RunID.ValueString() {
			var reasons []string
			_ = state.DecisionReasons.ElementsAs(ctx, &reasons, false)
			cause += fmt.Sprintf(" when a refresh read its ledger again, which said %s (decision_reasons: %s)", s.Status, strings.Join(reasons, ", "))
		}
		causes = append(causes, cause)
	}
	return causes, unchecked
}

// shown is a planned string for a sentence: quoted, or what stands for it.
func shown(v types.String) string {
	switch {
	case v.IsUnknown():
		return "a value known only at apply"
	case v.IsNull():
		return "none"
	}
	return fmt.Sprintf("%q", v.ValueString())
}

// rerunWarning says why a plan re-runs a check. Terraform plans again
// before it applies, and shows a saved plan's warnings after the apply, so
// the words are true at every moment they are read: what this plan does.
func rerunWarning(m checkModel, state checkModel, causes []string) (summary, detail string) {
	return "costhandoff_check re-run planned", fmt.Sprintf(
		"This plan re-runs the smoke test of the check %s because %s. Applying it moves the run in state (%s) to history.",
		m.describe(), strings.Join(causes, "; "), state.RunID.ValueString())
}

// uncheckedWarning names a watched page that failed to load on refresh.
func uncheckedWarning(m checkModel, p sources.Page) (summary, detail string) {
	return "Watched source page could not be checked", fmt.Sprintf(
		"The %s page of the check %s (%s) could not be read on refresh: %s. A page that fails to load is no evidence "+
			"that it changed, so no re-run is planned for it; the next refresh reads it again.",
		p.Kind, m.describe(), p.URL, p.Status())
}
