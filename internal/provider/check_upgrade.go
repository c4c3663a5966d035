package provider

import (
	"context"
	"encoding/json"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

var _ resource.ResourceWithUpgradeState = (*checkResource)(nil)

// UpgradeState moves stored handoffs forward so no audit record is lost
// when the stored shape changes. Version 0, the pre-release shape, had no
// observed_source_digests; the digests of the last run stand in for them,
// so an upgrade alone never plans a re-run.
func (r *checkResource) UpgradeState(context.Context) map[int64]resource.StateUpgrader {
	return map[int64]resource.StateUpgrader{
		0: {StateUpgrader: upgradeCheckStateV0},
	}
}

func upgradeCheckStateV0(_ context.Context, req resource.UpgradeStateRequest, resp *resource.UpgradeStateResponse) {
	var state map[string]json.RawMessage
	if err := json.Unmarshal(req.RawState.JSON, &state); err != nil {
		resp.Diagnostics.AddError("Unable to upgrade costhandoff_check state", "The stored state is not a JSON object: "+err.Error())
		return
	}
	var sources []struct {
		Kind   string  `json:"kind"`
		SHA256 *string `json:"sha256"`
	}
	if raw, ok := state["sources"]; ok {
		if err := json.Unmarshal(raw, &sources); err != nil {
			resp.Diagnostics.AddError("Unable to upgrade costhandoff_check state", "The stored sources are not a list of objects: "+err.Error())
			return
		}
	}
	digests := map[string]string{}
	for _, s := range sources {
		if s.SHA256 != nil && *s.SHA256 != "" {
			digests[s.Kind] = *s.SHA256
		}
	}
	state["observed_source_digests"] = json.RawMessage("null")
	if string(state["watch_sources"]) == "true" {
		state["observed_source_digests"], _ = json.Marshal(digests)
	}
	state["changed_sources"] = json.RawMessage("[]")
	upgraded, err := json.Marshal(state)
	if err != nil {
		resp.Diagnostics.AddError("Unable to upgrade costhandoff_check state", err.Error())
		return
	}
	resp.DynamicValue = &tfprotov6.DynamicValue{JSON: upgraded}
}
