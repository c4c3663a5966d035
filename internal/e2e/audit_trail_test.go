package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/standin"
)

// standinKey is the approved key of the audit-trail workspaces: an obvious fake.
const standinKey = "sk-test-standin-approved"

// auditWorkspace is a workspace whose configuration is one check fed by
// variables, so a test can re-run it by changing a variable.
func auditWorkspace(t *testing.T) *workspace {
	t.Helper()
	s := standin.New(standin.Options{APIKeys: []string{standinKey}})
	url, stop := s.Start()
	t.Cleanup(stop)
	w := &workspace{t: t, dir: t.TempDir(), standin: s, key: standinKey}
	w.write("main.tf", strings.ReplaceAll(strings.ReplaceAll(w.readTestdata("schema-v1.tf"), "{{STANDIN_URL}}", url),
		`source = "costhandoff/costhandoff"`, fmt.Sprintf("source = %q", tf.source)))
	w.wireCLI(false)
	return w
}

func (w *workspace) readTestdata(name string) string {
	w.t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		w.t.Fatal(err)
	}
	return string(b)
}

// checkValues reads costhandoff_check.this's attributes from `show -json`.
func (w *workspace) checkValues() map[string]any {
	w.t.Helper()
	var state struct {
		Values struct {
			RootModule struct {
				Resources []struct {
					Address string         `json:"address"`
					Values  map[string]any `json:"values"`
				} `json:"resources"`
			} `json:"root_module"`
		} `json:"values"`
	}
	if err := json.Unmarshal([]byte(w.mustRun("show", "-json")), &state); err != nil {
		w.t.Fatal(err)
	}
	for _, r := range state.Values.RootModule.Resources {
		if r.Address == "costhandoff_check.this" {
			return r.Values
		}
	}
	w.t.Fatal("costhandoff_check.this is not in state")
	return nil
}

func historyOf(t *testing.T, values map[string]any) []string {
	t.Helper()
	raw, ok := values["history"].([]any)
	if !ok {
		t.Fatalf("history is not a list: %v", values["history"])
	}
	out := make([]string, len(raw))
	for i, v := range raw {
		if out[i], ok = v.(string); !ok {
			t.Fatalf("history[%d] is not a log: %v", i, v)
		}
	}
	return out
}

// A state of schema version 1, written by the pre-release builds before
// this one (testdata/schema-v1-state.json, captured from a real run of such
// a build: three runs, each stored as a record), upgrades without a re-run
// and without losing a run: the current log stays, each earlier
// record becomes its log in history, and the next run continues the
// sequence.
func TestUpgradeFromSchemaV1KeepsEveryRun(t *testing.T) {
	t.Parallel()
	w := auditWorkspace(t)
	state := strings.ReplaceAll(w.readTestdata("schema-v1-state.json"), "{{STANDIN_URL}}", strings.TrimSuffix(w.standinURL(), "/"))
	w.write("terraform.tfstate", strings.ReplaceAll(state, "registry.terraform.io/costhandoff/costhandoff", tf.source))

	if out, err := w.run("plan", "-input=false", "-no-color", "-detailed-exitcode", "-var", "cycle=3"); err != nil {
		t.Fatalf("the plan after the upgrade is not empty (or failed): %v\n%s", err, out)
	}
	w.mustRun("apply", "-input=false", "-no-color", "-auto-approve", "-refresh-only", "-var", "cycle=3")
	values := w.checkValues()
	if _, ok := values["record"]; ok {
		t.Error("the upgraded state still has record")
	}
	if log, _ := values["log"].(string); !strings.HasPrefix(log, "run_id: cost-handoff-20261130-003\n") {
		t.Errorf("the current run's log changed:\n%s", log)
	}
	history := historyOf(t, values)
	if len(history) != 2 || !strings.HasPrefix(history[0], "run_id: cost-handoff-20261130-002\n") ||
		!strings.HasPrefix(history[1], "run_id: cost-handoff-20261130-001\n") || !strings.Contains(history[0], "\ndecision: proceed\n") {
		t.Fatalf("history after the upgrade is not the two earlier runs as logs:\n%q", history)
	}
	if n := w.standin.AIRequests(); n != 0 {
		t.Fatalf("the upgrade sent %d AI requests", n)
	}

	w.mustRun("apply", "-input=false", "-no-color", "-auto-approve", "-var", "cycle=4")
	values = w.checkValues()
	if id, _ := values["run_id"].(string); !regexp.MustCompile(`^cost-handoff-\d{8}-[0-9a-f]{12}-004$`).MatchString(id) {
		t.Errorf("the run after the upgrade is %q, want sequence 004", id)
	}
	if history := historyOf(t, values); len(history) != 3 || !strings.HasPrefix(history[0], "run_id: cost-handoff-20261130-003\n") {
		t.Errorf("the upgraded run is not first in history: %q", history)
	}
}

func (w *workspace) standinURL() string {
	w.t.Helper()
	m := regexp.MustCompile(`endpoint = "(http://127\.0\.0\.1:\d+)/v1"`).FindStringSubmatch(w.read("main.tf"))
	if m == nil {
		w.t.Fatal("main.tf names no stand-in endpoint")
	}
	return m[1]
}

// A re-run of a check with a long history says why, and shows the history
// to come as one added entry: it is known at plan, so the plan does not
// list every earlier run again. (With a history already at history_limit,
// Terraform renders lists of the same length element by element, so every
// entry shows as changed: see the audit-trail guide.)
func TestRerunPlanAddsOneEntryAndSaysWhy(t *testing.T) {
	t.Parallel()
	w := auditWorkspace(t)
	for cycle := 1; cycle <= 10; cycle++ {
		w.mustRun("apply", "-input=false", "-no-color", "-auto-approve", "-var", fmt.Sprintf("cycle=%d", cycle))
	}
	if n := len(historyOf(t, w.checkValues())); n != 9 {
		t.Fatalf("history holds %d runs, want 9", n)
	}
	before := w.checkValues()
	w.write("main.tf", strings.Replace(w.read("main.tf"), `owner_tag    = "team-search"`, `owner_tag    = "team-search-platform"`, 1))
	plan := w.mustRun("plan", "-input=false", "-no-color", "-var", "cycle=10", "-out=tfplan")
	for _, want := range []string{"costhandoff_check will re-run at apply", "because arguments changed: owner_tag, follow_up_owner"} {
		if !strings.Contains(plan, want) {
			t.Errorf("the plan lacks %q:\n%s", want, plan)
		}
	}
	// Whatever the CLI's renderer: the planned history is known, the current
	// log pushed onto the current history.
	var saved struct {
		ResourceChanges []struct {
			Change struct {
				After map[string]any `json:"after"`
			} `json:"change"`
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal([]byte(w.mustRun("show", "-json", "tfplan")), &saved); err != nil || len(saved.ResourceChanges) != 1 {
		t.Fatalf("reading the saved plan: %v", err)
	}
	planned := historyOf(t, saved.ResourceChanges[0].Change.After)
	log, _ := before["log"].(string)
	want := append([]string{log}, historyOf(t, before)...)
	if !slices.Equal(planned, want) {
		t.Errorf("the planned history is not the current log pushed onto the current history:\n%q", planned)
	}
	if strings.HasPrefix(tf.source, "registry.opentofu.org/") {
		return // OpenTofu renders list changes its own way; the lines below are Terraform's rendering
	}
	if !strings.Contains(plan, "# (8 unchanged elements hidden)") {
		t.Errorf("the plan does not hide the unchanged history entries:\n%s", plan)
	}
	if n := strings.Count(plan, "          + <<-EOT"); n != 1 {
		t.Errorf("the plan adds %d history entries, want 1", n)
	}
	lines := resourceDiffLines(plan, "costhandoff_check.this")
	t.Logf("the re-run's plan shows the check in %d lines", lines)
	if lines > maxRerunPlanLines {
		t.Errorf("the re-run's plan shows the check in %d lines, want at most %d:\n%s", lines, maxRerunPlanLines, plan)
	}
}

// maxRerunPlanLines bounds the diff of a re-run of a check with a long
// history. The diff shows what the run will replace: the current log going
// to unknown and the same log as history's new entry, each a line per log
// line, and each result value going to unknown; the earlier runs are hidden.
const maxRerunPlanLines = 140

// resourceDiffLines counts the lines of one resource's block in a plan.
func resourceDiffLines(plan, addr string) int {
	lines := strings.Split(plan, "\n")
	for i, l := range lines {
		if strings.Contains(l, "# "+addr+" will be") {
			for j := i + 1; j < len(lines); j++ {
				if lines[j] == "    }" {
					return j - i + 1
				}
			}
		}
	}
	return -1
}

// A first run that stops is saved tainted and its error names terraform
// untaint; after it, the next apply re-runs the check in place and keeps
// the stopped run in history with the next run id of the same check.
func TestFirstRunStopKeptByUntaint(t *testing.T) {
	t.Parallel()
	w := auditWorkspace(t)
	w.standin.SetBehaviour(standin.ServerError)
	out, err := w.run("apply", "-input=false", "-no-color", "-auto-approve", "-var", "cycle=1")
	if err == nil || !strings.Contains(out, "terraform untaint") || !strings.Contains(out, "decision: stop") {
		t.Fatalf("the first run's stop did not fail the apply naming terraform untaint and carrying the log: %v\n%s", err, out)
	}
	stopped, _ := w.checkValues()["run_id"].(string)
	w.mustRun("untaint", "costhandoff_check.this")
	w.standin.SetBehaviour(standin.Normal)
	plan := w.mustRun("plan", "-input=false", "-no-color", "-var", "cycle=1")
	if !strings.Contains(plan, "will be updated in-place") || !strings.Contains(plan, "decided stop") {
		t.Fatalf("after untaint the plan does not re-run the check in place because its last run stopped:\n%s", plan)
	}
	w.mustRun("apply", "-input=false", "-no-color", "-auto-approve", "-var", "cycle=1")
	values := w.checkValues()
	history := historyOf(t, values)
	if len(history) != 1 || !strings.HasPrefix(history[0], "run_id: "+stopped+"\n") || !strings.Contains(history[0], "\ndecision: stop\n") {
		t.Fatalf("the stopped run %s is not kept in history: %q", stopped, history)
	}
	if id, _ := values["run_id"].(string); id != strings.TrimSuffix(stopped, "001")+"002" {
		t.Errorf("run_id after the stop = %q, want the next of %q", id, stopped)
	}
}
