package provider

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/handoff"
)

var _ resource.ResourceWithUpgradeState = (*checkResource)(nil)

// UpgradeState moves stored handoffs forward without losing a run.
//
// Version 1 (the pre-release builds before this one) kept each run twice, as a `record` object and as its
// `log`, and its `history` as record objects; version 0, the pre-release
// shape, had the same runs without the watched-source attributes. Version
// 2 keeps each run once: the current run's log stays as it was written,
// and every earlier record becomes its log in `history`.
func (r *checkResource) UpgradeState(context.Context) map[int64]resource.StateUpgrader {
	return map[int64]resource.StateUpgrader{
		0: {StateUpgrader: upgradeCheckStateToV2},
		1: {StateUpgrader: upgradeCheckStateToV2},
	}
}

// recordV1 is a run as versions 0 and 1 stored it.
type recordV1 struct {
	RunID             string   `json:"run_id"`
	ReviewedAt        string   `json:"reviewed_at"`
	Operator          string   `json:"operator"`
	SourceURLsChecked []string `json:"source_urls_checked"`
	WorkloadTag       string   `json:"workload_tag"`
	OwnerTag          string   `json:"owner_tag"`
	Environment       string   `json:"environment"`
	HappyPathResult   string   `json:"happy_path_result"`
	ErrorPathResult   string   `json:"error_path_result"`
	EvidenceCaptured  string   `json:"evidence_captured"`
	Decision          string   `json:"decision"`
	FollowUpOwner     string   `json:"follow_up_owner"`
}

func (r recordV1) log() string {
	return handoff.LogFields{
		RunID: r.RunID, ReviewedAt: r.ReviewedAt, Operator: r.Operator, SourceURLsChecked: r.SourceURLsChecked,
		WorkloadTag: r.WorkloadTag, OwnerTag: r.OwnerTag, Environment: r.Environment,
		HappyPathResult: r.HappyPathResult, ErrorPathResult: r.ErrorPathResult, EvidenceCaptured: r.EvidenceCaptured,
		Decision: r.Decision, FollowUpOwner: r.FollowUpOwner,
	}.Render()
}

func upgradeCheckStateToV2(_ context.Context, req resource.UpgradeStateRequest, resp *resource.UpgradeStateResponse) {
	upgraded, err := upgradeCheckJSON(req.RawState.JSON)
	if err != nil {
		resp.Diagnostics.AddError("Unable to upgrade costhandoff_check state",
			"The stored handoff could not be read, so it was left as it is: "+err.Error())
		return
	}
	resp.DynamicValue = &tfprotov6.DynamicValue{JSON: upgraded}
}

func upgradeCheckJSON(raw []byte) ([]byte, error) {
	var state map[string]json.RawMessage
	if err := json.Unmarshal(raw, &state); err != nil || state == nil {
		return nil, fmt.Errorf("the stored state is not a JSON object (%v)", err)
	}
	var history []recordV1
	if raw, ok := state["history"]; ok {
		if err := json.Unmarshal(raw, &history); err != nil {
			return nil, fmt.Errorf("the stored history is not a list of records: %w", err)
		}
	}
	logs := make([]string, len(history))
	for i, r := range history {
		logs[i] = r.log()
	}
	var err error
	if state["history"], err = json.Marshal(logs); err != nil {
		return nil, err
	}
	for _, name := range []string{"happy_path", "error_path"} {
		if state[name], err = withNullAttribute(state[name], "upstream_request_id"); err != nil {
			return nil, fmt.Errorf("the stored %s is not an object: %w", name, err)
		}
	}
	state["ledger"] = json.RawMessage("null")
	for _, gone := range []string{"record", "observed_source_digests", "changed_sources"} {
		delete(state, gone)
	}
	return json.Marshal(state)
}

// withNullAttribute adds name = null to a stored object; a null object stays null.
func withNullAttribute(raw json.RawMessage, name string) (json.RawMessage, error) {
	var object map[string]json.RawMessage
	if len(raw) == 0 {
		return json.RawMessage("null"), nil
	}
	if err := json.Unmarshal(raw, &object); err != nil {
		return nil, err
	}
	if object == nil {
		return json.RawMessage("null"), nil
	}
	if _, ok := object[name]; !ok {
		object[name] = json.RawMessage("null")
	}
	return json.Marshal(object)
}
