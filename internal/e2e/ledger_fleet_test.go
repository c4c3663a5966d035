package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/standin"
)

// fleetConfig is one workspace of a fleet as teams write it: for_each over
// workloads, the same model and prompt, one gateway token, the provider's
// default max_concurrent_checks.
func fleetConfig(source, url string, workloads []string) string {
	quoted := make([]string, len(workloads))
	for i, w := range workloads {
		quoted[i] = fmt.Sprintf("%q", w)
	}
	return fmt.Sprintf(`terraform {
  required_providers {
    costhandoff = { source = %q }
  }
}

provider "costhandoff" {
  endpoint   = "%s/v1"
  operator   = "finops-platform"
  ledger_api = "new_api"
}

resource "costhandoff_check" "fleet" {
  for_each     = toset([%s])
  owner_tag    = "team-${each.key}"
  workload_tag = each.key
  environment  = "prod"
  model        = "gpt-test-mini"
  source_urls = {
    pricing        = "%[2]s/pages/pricing"
    support        = "%[2]s/pages/support"
    allocation     = "%[2]s/pages/allocation"
    unit_economics = "%[2]s/pages/unit_economics"
  }
}
`, source, url, strings.Join(quoted, ", "))
}

// A for_each fleet of same-model checks through one gateway token, on the
// row shape that is hardest to match (new-api up to v0.10: no request id in
// the rows), is confirmed check by check, and so is a second workspace of
// three applied right after against the same gateway: with the real CLI,
// for_each instance keys and all, which the acceptance tests cannot use.
func TestLedgerFleetForEachConfirmsEveryCheck(t *testing.T) {
	t.Parallel()
	s := standin.New(standin.Options{APIKeys: []string{standinKey}, Gateway: standin.GatewayNewAPI})
	s.SetLedger(standin.LedgerOptions{AccessToken: ledgerToken, NoRequestID: true})
	url, stop := s.Start()
	t.Cleanup(stop)

	fleets := [][]string{
		{"search", "billing", "support", "triage", "summaries"},
		{"ingest", "ranking", "alerts"},
	}
	for _, workloads := range fleets {
		w := &workspace{t: t, dir: t.TempDir(), standin: s, key: standinKey}
		w.write("main.tf", fleetConfig(tf.source, url, workloads))
		w.wireCLI(false)
		w.env = append(w.env, "COSTHANDOFF_API_KEY="+standinKey, "COSTHANDOFF_LEDGER_TOKEN="+ledgerToken)
		w.mustRun("apply", "-input=false", "-no-color", "-auto-approve")
		for _, workload := range workloads {
			values := w.checkValues(fmt.Sprintf("costhandoff_check.fleet[%q]", workload))
			l, _ := values["ledger"].(map[string]any)
			if l["status"] != "confirmed" || l["matched_by"] != "time_model_tokens" || values["decision"] != "proceed" {
				t.Errorf("check %s: ledger %v, decision %v; want confirmed by time, model and tokens, and proceed", workload, l, values["decision"])
			}
		}
	}
	if n := s.AIRequests(); n != 2*8 {
		t.Errorf("the stand-in saw %d AI requests, want 16 (two a check, each once)", n)
	}
}

// fleetWorkloads are n workload names, unique to the workspace.
func fleetWorkloads(workspace, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("w%d-%d", workspace, i)
	}
	return out
}

// checks reads every resource's attributes from one `show -json`, by
// address.
func (w *workspace) checks() map[string]map[string]any {
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
	out := map[string]map[string]any{}
	for _, r := range state.Values.RootModule.Resources {
		out[r.Address] = r.Values
	}
	return out
}

// ledgerOf is the ledger object of a check and its happy path's input
// tokens.
func ledgerOf(t *testing.T, values map[string]any) (map[string]any, float64) {
	t.Helper()
	l, _ := values["ledger"].(map[string]any)
	h, _ := values["happy_path"].(map[string]any)
	in, _ := h["input_tokens"].(float64)
	return l, in
}

// Five workspaces (3 to 10 checks each) apply at once, five real CLI
// processes and five provider processes, through one gateway token on rows
// without request ids (new-api up to v0.10): every check is confirmed, on
// its own row, told apart by its prompt's signature alone, although no
// process knows what the others send.
func TestLedgerFleetFiveWorkspacesAtOnce(t *testing.T) {
	t.Parallel()
	s := standin.New(standin.Options{APIKeys: []string{standinKey}, Gateway: standin.GatewayNewAPI})
	s.SetLedger(standin.LedgerOptions{AccessToken: ledgerToken, NoRequestID: true})
	url, stop := s.Start()
	t.Cleanup(stop)

	sizes := []int{3, 5, 7, 9, 10}
	spaces := make([]*workspace, len(sizes))
	for i, n := range sizes {
		w := &workspace{t: t, dir: t.TempDir(), standin: s, key: standinKey}
		w.write("main.tf", fleetConfig(tf.source, url, fleetWorkloads(i, n)))
		w.wireCLI(false)
		w.env = append(w.env, "COSTHANDOFF_API_KEY="+standinKey, "COSTHANDOFF_LEDGER_TOKEN="+ledgerToken)
		spaces[i] = w
	}
	outs, errs := make([]string, len(spaces)), make([]error, len(spaces))
	var wg sync.WaitGroup
	for i, w := range spaces {
		wg.Go(func() { outs[i], errs[i] = w.run("apply", "-input=false", "-no-color", "-auto-approve") })
	}
	wg.Wait()
	rows := map[string]string{}
	for i, w := range spaces {
		if errs[i] != nil {
			t.Errorf("workspace %d: terraform apply: %v\n%s", i, errs[i], outs[i])
			continue
		}
		all := w.checks()
		for _, workload := range fleetWorkloads(i, sizes[i]) {
			addr := fmt.Sprintf("costhandoff_check.fleet[%q]", workload)
			l, input := ledgerOf(t, all[addr])
			if l["status"] != "confirmed" || l["matched_by"] != "time_model_tokens" {
				t.Errorf("workspace %d %s: ledger %v, want confirmed by time, model and tokens", i, addr, l)
				continue
			}
			if l["prompt_tokens"] != input {
				t.Errorf("workspace %d %s: the row's %v prompt tokens are not the request's %v", i, addr, l["prompt_tokens"], input)
			}
			id := fmt.Sprint(l["log_id"])
			if other, dup := rows[id]; dup {
				t.Errorf("workspace %d %s matched row %s, %s's", i, addr, id, other)
			}
			rows[id] = fmt.Sprintf("workspace %d %s", i, addr)
		}
	}
	if n := s.LedgerThrottled(); n != 0 {
		t.Errorf("%d log reads refused", n)
	}
}

// What a busy real build does, through the real CLI: rows stamped 3 s after
// the answer, the answer's Date an upstream clock a minute ahead, and
// new-api's default limit of 180 log reads per 180 s without Retry-After; a
// fleet of 40 and another 40 applied right after: 80 of 80 confirmed, no
// 429, at most 2 log reads a check.
func TestLedgerFleetBusyGateway(t *testing.T) {
	t.Parallel()
	s := standin.New(standin.Options{APIKeys: []string{standinKey}, Gateway: standin.GatewayNewAPI})
	opts := standin.BusyLedger(standin.GatewayNewAPI, 3*time.Second, time.Minute)
	opts.AccessToken, opts.NoRequestID = ledgerToken, true
	s.SetLedger(opts)
	url, stop := s.Start()
	t.Cleanup(stop)

	for i := range 2 {
		w := &workspace{t: t, dir: t.TempDir(), standin: s, key: standinKey}
		workloads := fleetWorkloads(i, 40)
		w.write("main.tf", fleetConfig(tf.source, url, workloads))
		w.wireCLI(false)
		w.env = append(w.env, "COSTHANDOFF_API_KEY="+standinKey, "COSTHANDOFF_LEDGER_TOKEN="+ledgerToken)
		w.mustRun("apply", "-input=false", "-no-color", "-auto-approve")
		all := w.checks()
		for _, workload := range workloads {
			l, _ := ledgerOf(t, all[fmt.Sprintf("costhandoff_check.fleet[%q]", workload)])
			if l["status"] != "confirmed" {
				t.Errorf("fleet %d %s: ledger %v, want confirmed", i, workload, l)
			}
		}
	}
	if n := s.LedgerThrottled(); n != 0 {
		t.Errorf("%d log reads refused with 429", n)
	}
	if n := s.LedgerRequests(); n > 2*80 {
		t.Errorf("%d log reads for 80 checks, want at most 2 a check", n)
	}
	t.Logf("%d log reads for 80 checks", s.LedgerRequests())
}
