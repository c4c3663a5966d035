package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tftypes"

	standinserver "github.com/costhandoff/terraform-provider-costhandoff/internal/standin"
)

func TestMedian(t *testing.T) {
	t.Parallel()
	s := time.Second
	for _, c := range []struct {
		in   []time.Duration
		want time.Duration
	}{
		{nil, 0},
		{[]time.Duration{3 * s}, 3 * s},
		{[]time.Duration{5 * s, 1 * s, 3 * s}, 3 * s},
		{[]time.Duration{4 * s, 1 * s, 2 * s, 3 * s}, 2500 * time.Millisecond},
	} {
		if got := median(c.in); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
	in := []time.Duration{3 * s, 1 * s, 2 * s}
	median(in)
	if in[0] != 3*s {
		t.Error("median sorted its argument in place")
	}
	if got := median([]int{2500, 10, 3453, 7}); got != (10+2500)/2 {
		t.Errorf("median of byte counts = %d", got)
	}
}

// writeState writes a terraform.tfstate holding n checks as the CLI would.
func writeState(t *testing.T, dir, provider string, n, history int, decision string) {
	t.Helper()
	hist := make([]string, history)
	for i := range hist {
		hist[i] = "run_id: earlier"
	}
	var instances []map[string]any
	for i := range n {
		instances = append(instances, map[string]any{
			"index_key":      i,
			"schema_version": 2,
			"attributes": map[string]any{
				"owner_tag": "team-bench", "decision": decision, "log": "decision: " + decision,
				"history": hist, "rerun_triggers": map[string]any{"round": "0"}, "ledger": nil,
			},
			"sensitive_attributes": []any{},
		})
	}
	state := map[string]any{
		"version": 4, "terraform_version": "1.11.4", "serial": 3, "lineage": "x", "outputs": map[string]any{},
		"resources": []any{map[string]any{
			"mode": "managed", "type": "costhandoff_check", "name": "bench", "each": "list",
			"provider": `provider["` + provider + `"]`, "instances": instances,
		}},
		"check_results": nil,
	}
	b, err := json.MarshalIndent(state, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "terraform.tfstate"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReadChecks(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeState(t, dir, "registry.terraform.io/costhandoff/costhandoff", 3, 2, "proceed")
	st, err := readChecks(dir, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	// owner_tag, decision, log, 2 history entries, round, ledger (null).
	if st.Checks != 3 || st.Values != 7 || st.Bytes == 0 || st.FileBytes <= 3*st.Bytes {
		t.Errorf("got %+v", st)
	}
	if _, err := readChecks(dir, 4, 2); err == nil {
		t.Error("a state with 3 checks passed for 4")
	}
	if _, err := readChecks(dir, 3, 10); err == nil {
		t.Error("checks with 2 earlier runs passed for 10")
	}
	review := t.TempDir()
	writeState(t, review, "registry.terraform.io/costhandoff/costhandoff", 3, 0, "review")
	if _, err := readChecks(review, 3, 0); err == nil || !strings.Contains(err.Error(), "proceed") {
		t.Errorf("checks decided review passed: %v", err)
	}
}

func TestCopyAsEcho(t *testing.T) {
	t.Parallel()
	for _, host := range []string{"registry.terraform.io", "registry.opentofu.org"} {
		from, to := t.TempDir(), t.TempDir()
		writeState(t, from, host+"/costhandoff/costhandoff", 2, 1, "proceed")
		if err := copyAsEcho(from, to, echoConfig(2, "http://127.0.0.1:1", 1)); err != nil {
			t.Fatal(err)
		}
		_, resources, _, err := readState(to)
		if err != nil {
			t.Fatal(err)
		}
		r := resources[0]
		if r.str("type") != "noop_check_echo" || r.str("provider") != `provider["`+host+`/costhandoff/noop"]` || r.str("each") != "list" {
			t.Errorf("%s: resource %v", host, r)
		}
		instances, err := r.instances()
		if err != nil || len(instances) != 2 || !strings.Contains(string(instances[1]["attributes"]), `"run_id: earlier"`) {
			t.Errorf("%s: the instances were not kept as they were: %v", host, err)
		}
		cfg, err := os.ReadFile(filepath.Join(to, "main.tf"))
		if err != nil || !strings.Contains(string(cfg), `resource "noop_check_echo" "bench"`) {
			t.Errorf("%s: main.tf %q, %v", host, cfg, err)
		}
	}
}

func TestConfigsDifferOnlyInTypeAndRound(t *testing.T) {
	t.Parallel()
	checks := checksConfig(300, 10, "http://127.0.0.1:1", 4)
	echo := echoConfig(300, "http://127.0.0.1:1", 4)
	_, checksResource, _ := strings.Cut(checks, "resource ")
	_, echoResource, _ := strings.Cut(echo, "resource ")
	if strings.Replace(checksResource, "costhandoff_check", "noop_check_echo", 1) != echoResource {
		t.Errorf("the echo's arguments differ from the checks':\n%s\n%s", checksResource, echoResource)
	}
	for _, want := range []string{"count = 300", "max_concurrent_checks = 10", `round = "4"`, `owner_tag    = "team-bench"`} {
		if !strings.Contains(checks, want) {
			t.Errorf("checksConfig lacks %q", want)
		}
	}
}

func TestReportJudgesGoals(t *testing.T) {
	t.Parallel()
	s := time.Second
	ts := func(d time.Duration) []timing { return []timing{{wall: d, cpu: d}} }
	met := func() figures {
		return figures{
			runs: 1, checks: 300, history: 10,
			lines:      planLines{Rerun: 90, Added: 1, Removed: 1, Destroy: 400},
			stateFirst: stateStats{Bytes: 2400}, stateFull: stateStats{Bytes: 4800},
			planFirst: ts(4 * s), planNoop: ts(1 * s), planFirstEcho: ts(2 * s),
			planFull: ts(4400 * time.Millisecond), planFullEcho: ts(3 * s),
			apply1: ts(2 * s), apply1Noop: ts(1 * s), apply100: ts(3 * s), apply100Noop: ts(1 * s),
		}
	}
	if report, missed := met().report(); missed || strings.Contains(report, "not met") {
		t.Errorf("goals all met, reported missed:\n%s", report)
	}
	for name, c := range map[string]struct {
		change func(*figures)
		row    string
	}{
		"re-run plan lines":       {func(f *figures) { f.lines.Rerun = 101 }, "| 101 | | | <= 100 | **not met** |"},
		"history entries removed": {func(f *figures) { f.lines.Removed = 9 }, "| 1 / 9 / 0 | | | <= 1 / <= 1 / 0 | **not met** |"},
		"history entries changed": {func(f *figures) { f.lines.Changed = 9 }, "| 1 / 1 / 9 | | | <= 1 / <= 1 / 0 | **not met** |"},
		"destroy plan lines":      {func(f *figures) { f.lines.Destroy = 421 }, "| 421 | | | <= 420 | **not met** |"},
		"first-run state":         {func(f *figures) { f.stateFirst.Bytes = 2501 }, "| 2501 B | | | <= 2500 B | **not met** |"},
		"full-history state":      {func(f *figures) { f.stateFull.Bytes = 5001 }, "| 5001 B | | | <= 5000 B | **not met** |"},
		"first-run plan vs noop":  {func(f *figures) { f.planNoop = ts(900 * time.Millisecond) }, "ratio 4.44 | <= 4.00 | **not met**"},
		"full vs first-run plan":  {func(f *figures) { f.planFull = ts(5 * s) }, "ratio 1.25 | <= 1.20 | **not met**"},
		"AI request in a plan":    {func(f *figures) { f.planAIRequests = 1 }, "| 1 | | | 0 | **not met** |"},
	} {
		f := met()
		c.change(&f)
		report, missed := f.report()
		if !missed || !strings.Contains(report, c.row) {
			t.Errorf("%s: a missed goal was not reported as missed (want a row with %q):\n%s", name, c.row, report)
		}
	}
}

// A re-run plan as Terraform renders a history map: one entry added, the
// oldest removed, the others hidden.
const rerunPlan = `costhandoff_check.bench[0]: Refreshing state... [id=chk-1]

Terraform will perform the following actions:

  # costhandoff_check.bench[0] will be updated in-place
  ~ resource "costhandoff_check" "bench" {
      ~ history   = {
          + "cost-handoff-20261201-ab12cd-011" = "reviewed_at=2026-12-01T10:00:00Z decision=proceed"
          - "cost-handoff-20261201-ab12cd-001" = "reviewed_at=2026-12-01T09:00:00Z decision=proceed" -> null
            # (9 unchanged elements hidden)
        }
        id        = "chk-1"
      ~ owner_tag = "team-bench" -> "team-bench-changed"
      ~ run_id    = "cost-handoff-20261201-ab12cd-011" -> (known after apply)
        # (20 unchanged attributes hidden)
    }

Plan: 0 to add, 1 to change, 0 to destroy.
`

func TestResourceBlockAndHistoryChanges(t *testing.T) {
	t.Parallel()
	block, err := resourceBlock(rerunPlan, "costhandoff_check.bench[0]")
	if err != nil {
		t.Fatal(err)
	}
	if len(block) != 12 || !strings.HasPrefix(block[0], "  # costhandoff_check.bench[0] will be") || block[11] != "    }" {
		t.Errorf("block of %d lines:\n%s", len(block), strings.Join(block, "\n"))
	}
	if added, removed, changed := historyChanges(block); added != 1 || removed != 1 || changed != 0 {
		t.Errorf("history: %d added, %d removed, %d changed; want 1, 1 and 0 (the run_id attribute is not history)", added, removed, changed)
	}
	if _, err := resourceBlock(rerunPlan, "costhandoff_check.bench[1]"); err == nil {
		t.Error("a resource the plan does not show was found")
	}

	// A list compared position by position: every earlier run shown
	// changing, one added at the end.
	list := `  # costhandoff_check.bench[0] will be updated in-place
  ~ resource "costhandoff_check" "bench" {
      ~ history             = [
          ~ <<-EOT
              - run_id: cost-handoff-20261201-ab12cd-002
              + run_id: cost-handoff-20261201-ab12cd-003
                decision: proceed
            EOT,
          ~ {
              ~ run_id = "cost-handoff-20261201-ab12cd-001" -> "cost-handoff-20261201-ab12cd-002"
            },
          + {
              + run_id = "cost-handoff-20261201-ab12cd-011"
            },
        ]
      ~ run_id  = "cost-handoff-20261201-ab12cd-011" -> (known after apply)
    }
`
	block, err = resourceBlock(list, "costhandoff_check.bench[0]")
	if err != nil {
		t.Fatal(err)
	}
	if added, removed, changed := historyChanges(block); added != 1 || removed != 0 || changed != 2 {
		t.Errorf("list history: %d added, %d removed, %d changed; want 1, 0 and 2", added, removed, changed)
	}
}

func TestWithoutOverridesWarning(t *testing.T) {
	t.Parallel()
	lines := strings.Split(`╷
│ Warning: Provider development overrides are in effect
│
│  - costhandoff/costhandoff in /tmp/bin
╵
╷
│ Warning: costhandoff_check.bench[0] will re-run
╵
Plan: 0 to add, 0 to change, 6 to destroy.`, "\n")
	got := withoutOverridesWarning(lines)
	want := []string{"╷", "│ Warning: costhandoff_check.bench[0] will re-run", "╵", "Plan: 0 to add, 0 to change, 6 to destroy."}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got %q, want %q: only the overrides warning goes", got, want)
	}
}

func TestEntries(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   any
		want int
	}{{nil, 0}, {[]any{"a", "b"}, 2}, {map[string]any{"run-1": "x", "run-2": "y", "run-3": "z"}, 3}, {"text", 0}} {
		if got := entries(c.in); got != c.want {
			t.Errorf("entries(%v) = %d, want %d", c.in, got, c.want)
		}
	}
}

// The in-process re-runs go through the provider's own server against a
// stand-in: each round is a real smoke test, and the state written back is
// one the bench's checks accept (proceed, one more earlier run a round).
func TestInProcessRerunsAddHistory(t *testing.T) {
	s := standinserver.New(standinserver.Options{})
	url, stop := s.Start()
	t.Cleanup(stop)
	ctx := context.Background()
	p, err := newInProcess(ctx, []string{
		"COSTHANDOFF_ENDPOINT=" + url + "/v1", "COSTHANDOFF_API_KEY=" + approvedKey, "COSTHANDOFF_OPERATOR=bench", "TF_LOG=off",
	}, 4)
	if err != nil {
		t.Fatal(err)
	}
	null, err := dynamic(p.resource, tftypes.NewValue(p.resource, nil))
	if err != nil {
		t.Fatal(err)
	}
	created, private, err := p.rerun(ctx, null, nil, handoffArgs(url, 0, 0, benchOwner))
	if err != nil {
		t.Fatal(err)
	}
	value, err := created.Unmarshal(p.resource)
	if err != nil {
		t.Fatal(err)
	}
	attrs, err := toJSON(value)
	if err != nil {
		t.Fatal(err)
	}
	inst := map[string]any{"index_key": 0, "schema_version": p.schema.Version, "attributes": attrs, "sensitive_attributes": []any{}}
	if len(private) > 0 {
		inst["private"] = private // encoding/json writes []byte as base64, as the CLI does
	}
	dir := t.TempDir()
	state := map[string]any{
		"version": 4, "terraform_version": "1.11.4", "serial": 1, "lineage": "x", "outputs": map[string]any{},
		"resources": []any{map[string]any{
			"mode": "managed", "type": checkType, "name": "bench", "each": "list",
			"provider": `provider["registry.terraform.io/costhandoff/costhandoff"]`, "instances": []any{inst},
		}},
	}
	b, err := json.Marshal(state)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "terraform.tfstate"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readChecks(dir, 1, 0); err != nil {
		t.Fatalf("the created check: %v", err)
	}

	if err := p.rerunState(ctx, dir, []int{1, 2}, 2, func(index, round int) map[string]tftypes.Value {
		return handoffArgs(url, index, round, benchOwner)
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := readChecks(dir, 1, 2); err != nil {
		t.Errorf("after two in-process re-runs: %v", err)
	}
	if got := s.AIRequests(); got != 6 {
		t.Errorf("the stand-in saw %d AI requests, want 6: a happy and an error path for each of 3 runs", got)
	}
}
