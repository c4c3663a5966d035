package e2e

import (
	"fmt"
	"strings"
	"testing"

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
