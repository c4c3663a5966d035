package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// A version 0 record, as stored before observed_source_digests existed.
const checkStateV0 = `{
  "id": "chk-00112233445566ff", "owner_tag": "team-search", "workload_tag": "search", "environment": "prod",
  "product": null, "cost_center": null, "operator": "finops", "follow_up_owner": "team-search",
  "source_urls": {"pricing": "https://example.com/pricing", "support": "https://example.com/support"},
  "verify_sources": true, "watch_sources": true, "model": "m", "prompt": "ping", "max_output_tokens": 1,
  "extra_body_json": null, "endpoint": null, "api_protocol": null, "api_key_wo": null, "api_key_wo_version": null,
  "invalid_api_key_wo": null, "unit_name": null, "billing_unit": null, "review_interval_days": null,
  "rerun_triggers": null, "enforcement": "fail", "history_limit": 10,
  "run_id": "cost-handoff-20261001-004", "reviewed_at": "2026-10-01T08:00:00Z", "review_due_at": null,
  "happy_path": null, "error_path": null, "evidence_captured": true, "allocation_complete": true,
  "missing_fields": [], "decision": "review", "decision_reasons": ["source_unverified"],
  "sources": [
    {"kind": "pricing", "url": "https://example.com/pricing", "result": "pass", "status_code": 200,
     "checked_at": "2026-10-01T08:00:00Z", "sha256": "aa"},
    {"kind": "support", "url": "https://example.com/support", "result": "fail", "status_code": 404,
     "checked_at": "2026-10-01T08:00:00Z", "sha256": null}
  ],
  "record": null, "log": "run_id: cost-handoff-20261001-004\n", "history": []
}`

// A version 1 state with two earlier records in its history.
var checkStateV1 = strings.NewReplacer(`"record": null`, `"record": {"run_id": "cost-handoff-20261001-003", "reviewed_at": "2026-10-01T08:00:00Z",
    "operator": "finops", "source_urls_checked": ["https://example.com/pricing"], "workload_tag": "search",
    "owner_tag": "team-search", "environment": "prod", "happy_path_result": "pass", "error_path_result": "pass",
    "evidence_captured": "yes", "decision": "review", "follow_up_owner": "team-search"}`,
	`"history": []`, `"history": [
    {"run_id": "cost-handoff-20260901-002", "reviewed_at": "2026-09-01T08:00:00Z", "operator": "finops",
     "source_urls_checked": [], "workload_tag": "search", "owner_tag": "team-search", "environment": "prod",
     "happy_path_result": "fail", "error_path_result": "pass", "evidence_captured": "no", "decision": "stop",
     "follow_up_owner": "team-search"},
    {"run_id": "cost-handoff-20260801-001", "reviewed_at": "2026-08-01T08:00:00Z", "operator": "finops",
     "source_urls_checked": ["https://example.com/pricing", "https://example.com/support"], "workload_tag": "search",
     "owner_tag": "team-search", "environment": "prod", "happy_path_result": "pass", "error_path_result": "pass",
     "evidence_captured": "yes", "decision": "proceed", "follow_up_owner": "team-search"}
  ], "observed_source_digests": {"pricing": "aa"}, "changed_sources": []`,
).Replace(checkStateV0)

// Versions 0 and 1 upgrade to the current schema keeping every run: the
// current log as written, each earlier record as its log in history, and
// nothing of the attributes the current schema dropped.
func TestCheckStateUpgradeKeepsEveryRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		version int64
		state   string
		history []string
	}{
		{0, checkStateV0, nil},
		{1, checkStateV1, []string{
			"run_id: cost-handoff-20260901-002\nreviewed_at: 2026-09-01T08:00:00Z\noperator: finops\nsource_urls_checked: []\n" +
				"workload_tag: search\nowner_tag: team-search\nenvironment: prod\nhappy_path_result: fail\nerror_path_result: pass\n" +
				"evidence_captured: no\ndecision: stop\nfollow_up_owner: team-search\n",
			"run_id: cost-handoff-20260801-001\nreviewed_at: 2026-08-01T08:00:00Z\noperator: finops\n" +
				"source_urls_checked: [https://example.com/pricing, https://example.com/support]\n" +
				"workload_tag: search\nowner_tag: team-search\nenvironment: prod\nhappy_path_result: pass\nerror_path_result: pass\n" +
				"evidence_captured: yes\ndecision: proceed\nfollow_up_owner: team-search\n",
		}},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("version %d", tc.version), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			server := NewProtocol6("test")()
			resp, err := server.UpgradeResourceState(ctx, &tfprotov6.UpgradeResourceStateRequest{
				TypeName: "costhandoff_check", Version: tc.version, RawState: &tfprotov6.RawState{JSON: []byte(tc.state)},
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range resp.Diagnostics {
				t.Fatalf("upgrade diagnostic: %s: %s", d.Summary, d.Detail)
			}
			upgraded := decodeState(ctx, t, server, resp.UpgradedState)
			var runID, log string
			_ = upgraded["run_id"].As(&runID)
			_ = upgraded["log"].As(&log)
			if runID != "cost-handoff-20261001-004" || log != "run_id: cost-handoff-20261001-004\n" {
				t.Errorf("run_id %q, log %q: the upgrade must keep the current run as written", runID, log)
			}
			var elems []tftypes.Value
			if err := upgraded["history"].As(&elems); err != nil {
				t.Fatal(err)
			}
			history := make([]string, len(elems))
			for i, e := range elems {
				_ = e.As(&history[i])
			}
			if !slices.Equal(history, tc.history) {
				t.Errorf("history = %q, want %q", history, tc.history)
			}
			if !upgraded["ledger"].IsNull() {
				t.Errorf("ledger = %v, want null", upgraded["ledger"])
			}
		})
	}
}

func TestCheckStateUpgradeRejectsGarbage(t *testing.T) {
	t.Parallel()
	server := NewProtocol6("test")()
	resp, err := server.UpgradeResourceState(context.Background(), &tfprotov6.UpgradeResourceStateRequest{
		TypeName: "costhandoff_check", Version: 0, RawState: &tfprotov6.RawState{JSON: []byte(`{"sources": "nope"}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Diagnostics) == 0 {
		t.Fatal("want an error diagnostic for a malformed version 0 state")
	}
}

func decodeState(ctx context.Context, t *testing.T, server tfprotov6.ProviderServer, v *tfprotov6.DynamicValue) map[string]tftypes.Value {
	t.Helper()
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	typ := schemas.ResourceSchemas["costhandoff_check"].ValueType()
	raw, err := v.Unmarshal(typ)
	if err != nil {
		t.Fatal(err)
	}
	var attrs map[string]tftypes.Value
	if err := raw.As(&attrs); err != nil {
		t.Fatal(err)
	}
	return attrs
}
