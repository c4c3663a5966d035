package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/handoff"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/sources"
)

// rerunArguments are the arguments whose change re-runs the check: every
// argument but enforcement and history_limit, which only govern what is
// done with a result. Write-only keys are null in plans; their version
// stands for them.
var rerunArguments = []string{
	"owner_tag", "workload_tag", "environment", "product", "cost_center", "operator", "follow_up_owner",
	"source_urls", "verify_sources", "watch_sources", "model", "prompt", "max_output_tokens", "extra_body_json",
	"endpoint", "api_protocol", "api_key_wo_version", "unit_name", "billing_unit", "review_interval_days", "rerun_triggers",
}

// computedAttributes are the results of a run, sorted.
var computedAttributes = slices.Sorted(maps.Keys(checkComputed()))

// plannedCheck is a plan, or a prior state, as its attribute values. The
// plan is read and written through the values themselves: a plan reads a
// handful of attributes and rewrites the results, which costs far less
// than decoding the whole model on every plan of every check.
type plannedCheck struct {
	attrs map[string]tftypes.Value
	types map[string]tftypes.Type
}

func newPlannedCheck(raw tftypes.Value) (plannedCheck, error) {
	object, ok := raw.Type().(tftypes.Object)
	if !ok {
		return plannedCheck{}, fmt.Errorf("expected an object, got %s", raw.Type())
	}
	p := plannedCheck{types: object.AttributeTypes}
	if err := raw.As(&p.attrs); err != nil {
		return plannedCheck{}, err
	}
	return p, nil
}

func (p plannedCheck) value(t tftypes.Type) (tftypes.Value, error) {
	if err := tftypes.ValidateValue(t, p.attrs); err != nil {
		return tftypes.Value{}, err
	}
	return tftypes.NewValue(t, p.attrs), nil
}

// str is a string attribute's value, "" when null or unknown.
func (p plannedCheck) str(name string) string {
	s, _, _ := p.text(name)
	return s
}

// text is a string attribute: its value, whether it is set (known and not
// null), and whether it is unknown.
func (p plannedCheck) text(name string) (value string, set, unknown bool) {
	v := p.attrs[name]
	if !v.IsKnown() {
		return "", false, true
	}
	if v.IsNull() {
		return "", false, false
	}
	_ = v.As(&value)
	return value, true, false
}

func (p plannedCheck) int(name string) (int64, bool) {
	v := p.attrs[name]
	if !v.IsKnown() || v.IsNull() {
		return 0, false
	}
	var n big.Float
	if v.As(&n) != nil {
		return 0, false
	}
	i, _ := n.Int64()
	return i, true
}

func (p plannedCheck) strings(name string) []string {
	var elems []tftypes.Value
	if v := p.attrs[name]; !v.IsKnown() || v.IsNull() || v.As(&elems) != nil {
		return nil
	}
	out := make([]string, 0, len(elems))
	for _, e := range elems {
		var s string
		_ = e.As(&s)
		out = append(out, s)
	}
	return out
}

func (p plannedCheck) setString(name, s string) {
	p.attrs[name] = tftypes.NewValue(tftypes.String, s)
}

func (p plannedCheck) setStrings(name string, values []string) {
	elems := make([]tftypes.Value, len(values))
	for i, v := range values {
		elems[i] = tftypes.NewValue(tftypes.String, v)
	}
	p.attrs[name] = tftypes.NewValue(p.types[name], elems)
}

// resolveLeftOut gives operator and follow_up_owner their defaults when
// the configuration cfg leaves them out, so the plan shows who will be
// recorded and a change of the default re-runs the check.
func (p plannedCheck) resolveLeftOut(cfg plannedCheck, data *providerData) {
	if cfg.attrs["operator"].IsNull() {
		p.setString("operator", data.operator)
	}
	if cfg.attrs["follow_up_owner"].IsNull() {
		p.attrs["follow_up_owner"] = p.attrs["owner_tag"]
	}
}

// planRun marks the results of the coming run unknown. The id stays, and
// the history is known now: the current log pushed onto it, so the plan
// shows one added entry. prior is nil for a new check.
func (p plannedCheck) planRun(prior *plannedCheck, ledgerConfigured bool) {
	for _, name := range computedAttributes {
		p.attrs[name] = tftypes.NewValue(p.types[name], tftypes.UnknownValue)
	}
	if prior != nil {
		p.attrs["id"] = prior.attrs["id"]
	}
	// A history_limit not known yet (from another resource) leaves the
	// history unknown too: the plan must not promise what apply may not do.
	if limit, known := p.int("history_limit"); known {
		var history []string
		if prior != nil {
			history = handoff.PushHistory(prior.strings("history"), prior.str("log"), int(limit))
		}
		p.setStrings("history", history)
	}
	p.planSources()
	if !ledgerConfigured {
		p.attrs["ledger"] = tftypes.NewValue(p.types["ledger"], nil)
	}
	if review := p.attrs["review_interval_days"]; review.IsKnown() && review.IsNull() {
		p.attrs["review_due_at"] = tftypes.NewValue(tftypes.String, nil)
	}
}

// planSources shows at plan which pages the run will check: each kind and
// URL is known from the configuration (pages are checked in kind order),
// and so is the whole entry of a page that will be skipped; what a fetch
// will find is unknown. A plan then reads as pages about to be checked,
// not as pages being removed.
func (p plannedCheck) planSources() {
	var urls map[string]tftypes.Value
	if v := p.attrs["source_urls"]; !v.IsKnown() || v.IsNull() || v.As(&urls) != nil {
		return
	}
	verify := p.attrs["verify_sources"]
	if !verify.IsKnown() {
		return
	}
	var verifying bool
	_ = verify.As(&verifying)
	listType, ok := p.types["sources"].(tftypes.List)
	if !ok {
		return
	}
	pageType, ok := listType.ElementType.(tftypes.Object)
	if !ok {
		return
	}
	elems := make([]tftypes.Value, 0, len(urls))
	for _, kind := range slices.Sorted(maps.Keys(urls)) {
		page := map[string]tftypes.Value{
			"kind":        tftypes.NewValue(tftypes.String, kind),
			"url":         urls[kind],
			"result":      tftypes.NewValue(tftypes.String, tftypes.UnknownValue),
			"status_code": tftypes.NewValue(tftypes.Number, tftypes.UnknownValue),
			"checked_at":  tftypes.NewValue(tftypes.String, tftypes.UnknownValue),
			"sha256":      tftypes.NewValue(tftypes.String, tftypes.UnknownValue),
		}
		if !verifying {
			page["result"] = tftypes.NewValue(tftypes.String, string(sources.Skipped))
			page["status_code"] = tftypes.NewValue(tftypes.Number, 0)
			page["checked_at"] = tftypes.NewValue(tftypes.String, nil)
			page["sha256"] = tftypes.NewValue(tftypes.String, nil)
		}
		elems = append(elems, tftypes.NewValue(pageType, page))
	}
	p.attrs["sources"] = tftypes.NewValue(listType, elems)
}

// keepResults carries the last run over unchanged; a lower history_limit
// trims the history at once.
func (p plannedCheck) keepResults(state plannedCheck) {
	for _, name := range computedAttributes {
		p.attrs[name] = state.attrs[name]
	}
	limit, known := p.int("history_limit")
	switch history := state.strings("history"); {
	case !known:
		p.attrs["history"] = tftypes.NewValue(p.types["history"], tftypes.UnknownValue)
	case len(history) > int(max(limit, 0)):
		p.setStrings("history", handoff.TrimHistory(history, int(limit)))
	}
}

// rerunCause says why apply must run the check again, "" when it need not.
func (p plannedCheck) rerunCause(state plannedCheck, observedDigests map[string]string, now time.Time) string {
	var changed []string
	for _, name := range rerunArguments {
		if !p.attrs[name].Equal(state.attrs[name]) {
			changed = append(changed, name)
		}
	}
	switch {
	case slices.Equal(changed, []string{"api_key_wo_version"}):
		return "the key version changed (api_key_wo_version)"
	case len(changed) > 0:
		return "arguments changed: " + strings.Join(changed, ", ")
	}
	if due, err := time.Parse(time.RFC3339, state.str("review_due_at")); err == nil && !now.Before(due) {
		return "its review expired at " + state.str("review_due_at")
	}
	if observedDigests != nil {
		if kinds := changedPages(state, observedDigests); len(kinds) > 0 {
			return "a watched source page changed: " + strings.Join(kinds, ", ")
		}
	}
	// Like a tainted new resource, a check whose last run stopped the apply
	// runs again until it passes or enforcement stops failing on it.
	if state.str("decision") == string(handoff.Stop) && p.str("enforcement") == enforcementFail {
		return "its last run (" + state.str("run_id") + ") decided stop"
	}
	return ""
}

// changedPages compares the digests seen on refresh with the ones the last
// run recorded, sorted by kind.
func changedPages(state plannedCheck, observed map[string]string) []string {
	var elems []tftypes.Value
	if v := state.attrs["sources"]; !v.IsKnown() || v.IsNull() || v.As(&elems) != nil {
		return nil
	}
	recorded := map[string]string{}
	for _, e := range elems {
		var page map[string]tftypes.Value
		if e.As(&page) != nil {
			continue
		}
		var kind, digest string
		_ = page["kind"].As(&kind)
		if page["sha256"].IsKnown() && !page["sha256"].IsNull() {
			_ = page["sha256"].As(&digest)
		}
		if digest != "" {
			recorded[kind] = digest
		}
	}
	var kinds []string
	for _, kind := range slices.Sorted(maps.Keys(recorded)) {
		if observed[kind] != recorded[kind] {
			kinds = append(kinds, kind)
		}
	}
	return kinds
}

// describe names the check in a sentence: the resource address is not
// known to a provider, but Terraform shows it beside the diagnostic.
func (p plannedCheck) describe() string {
	parts := []string{}
	for _, name := range []string{"workload_tag", "environment"} {
		if s := p.str(name); s != "" {
			parts = append(parts, name+" "+strings.TrimSpace(s))
		}
	}
	if len(parts) == 0 {
		return "(" + p.str("id") + ")"
	}
	return "for " + strings.Join(parts, ", ")
}

// observedDigestsKey is the private-state key holding the source digests
// last seen on refresh, kept out of the stored handoff.
const observedDigestsKey = "observed_source_digests"

// privateState is what the framework's private state offers to plans,
// reads and applies.
type privateState interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
}

type privateStateWriter interface {
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
}

// readObservedDigests returns nil when no refresh has watched the pages.
func readObservedDigests(ctx context.Context, private privateState) (map[string]string, diag.Diagnostics) {
	if private == nil {
		return nil, nil
	}
	raw, diags := private.GetKey(ctx, observedDigestsKey)
	if len(raw) == 0 || diags.HasError() {
		return nil, diags
	}
	var digests map[string]string
	if err := json.Unmarshal(raw, &digests); err != nil {
		diags.AddWarning("Ignoring unreadable watched source digests",
			"The digests kept from the last refresh could not be read ("+err.Error()+"); the next refresh reads the pages again.")
		return nil, diags
	}
	return digests, diags
}

func writeObservedDigests(ctx context.Context, private privateStateWriter, digests map[string]string) diag.Diagnostics {
	raw, err := json.Marshal(digests)
	if err != nil {
		var diags diag.Diagnostics
		diags.AddError("Unable to keep watched source digests", err.Error())
		return diags
	}
	return private.SetKey(ctx, observedDigestsKey, raw)
}
