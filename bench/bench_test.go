package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
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
	f := figures{
		runs: 1, checks: 300, history: 10,
		planFirst: ts(2 * s), planNoop: ts(1 * s), planFirstEcho: ts(2 * s),
		planFull: ts(12 * s), planFullEcho: ts(10 * s),
		apply1: ts(2 * s), apply1Noop: ts(1 * s), apply100: ts(3 * s), apply100Noop: ts(1 * s),
	}
	report, missed := f.report()
	if !missed || !strings.Contains(report, "ratio 1.20 | <= 1.15 | **not met**") {
		t.Errorf("a full-history ratio of 1.20 was not reported as missed:\n%s", report)
	}
	f.planFull = ts(11 * s)
	report, missed = f.report()
	if missed || strings.Contains(report, "not met") {
		t.Errorf("goals all met, reported missed:\n%s", report)
	}
	f.planAIRequests = 1
	if _, missed = f.report(); !missed {
		t.Error("an AI request during the plans was not a missed goal")
	}
}

func TestMergeChecks(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	parts := []historyPart{
		{dir: filepath.Join(root, "part-0"), offset: 0, count: 3},
		{dir: filepath.Join(root, "part-1"), offset: 3, count: 2},
	}
	for _, p := range parts {
		writeState(t, p.dir, "registry.terraform.io/costhandoff/costhandoff", p.count, 2, "proceed")
	}
	full := filepath.Join(root, "full")
	if err := mergeChecks(parts, full); err != nil {
		t.Fatal(err)
	}
	if _, err := readChecks(full, 5, 2); err != nil {
		t.Fatal(err)
	}
	_, resources, _, err := readState(full)
	if err != nil {
		t.Fatal(err)
	}
	instances, err := resources[0].instances()
	if err != nil {
		t.Fatal(err)
	}
	for i, inst := range instances {
		if string(inst["index_key"]) != strconv.Itoa(i) {
			t.Errorf("instance %d has index_key %s", i, inst["index_key"])
		}
	}
	if resources[0].str("each") != "list" || resources[0].str("name") != "bench" {
		t.Errorf("the resource's other fields were not kept: %v", resources[0])
	}

	parts[1].count = 3
	if err := mergeChecks(parts, full); err == nil {
		t.Error("a part with fewer instances than its count was merged")
	}
}

func TestChecksPartConfigOffsetsTheWorkload(t *testing.T) {
	t.Parallel()
	part := checksPartConfig(30, 60, 10, "http://127.0.0.1:1", 2)
	if !strings.Contains(part, `workload_tag = "bench-${count.index + 60}"`) || !strings.Contains(part, "count = 30") {
		t.Errorf("part config:\n%s", part)
	}
	if whole := checksConfig(300, 10, "http://127.0.0.1:1", 2); !strings.Contains(whole, `workload_tag = "bench-${count.index}"`) {
		t.Errorf("whole config:\n%s", whole)
	}
}
