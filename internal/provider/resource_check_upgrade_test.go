package provider

import (
	"context"
	"maps"
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

func TestCheckStateUpgradeFromV0(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	server := NewProtocol6("test")()
	resp, err := server.UpgradeResourceState(ctx, &tfprotov6.UpgradeResourceStateRequest{
		TypeName: "costhandoff_check",
		Version:  0,
		RawState: &tfprotov6.RawState{JSON: []byte(checkStateV0)},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range resp.Diagnostics {
		t.Fatalf("upgrade diagnostic: %s: %s", d.Summary, d.Detail)
	}
	upgraded := decodeState(ctx, t, server, resp.UpgradedState)

	var digests map[string]tftypes.Value
	if err := upgraded["observed_source_digests"].As(&digests); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for k, v := range digests {
		var s string
		_ = v.As(&s)
		got[k] = s
	}
	if want := map[string]string{"pricing": "aa"}; !maps.Equal(got, want) {
		t.Errorf("observed_source_digests = %v, want %v", got, want)
	}
	var changed []tftypes.Value
	if err := upgraded["changed_sources"].As(&changed); err != nil || changed == nil || len(changed) != 0 {
		t.Errorf("changed_sources = %v (%v), want an empty list", changed, err)
	}
	var runID string
	_ = upgraded["run_id"].As(&runID)
	if runID != "cost-handoff-20261001-004" {
		t.Errorf("run_id = %q: the upgrade must keep the record", runID)
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
