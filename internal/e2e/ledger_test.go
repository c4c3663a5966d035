package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/standin"
)

// ledgerToken is the gateway access token of these tests: an obvious fake,
// and not key-shaped, so no generic redaction can hide a leak of it.
const ledgerToken = "test-e2e-ledger-7c1fR8qZ3wK9"

// The ledger token has every guarantee the API key has: whether it comes
// from the environment or from a sensitive variable, it is in no saved
// plan, state, CLI output or TF_LOG=trace line, and the confirmed ledger
// row reaches the log.
func TestLedgerTokenNeverLeaks(t *testing.T) {
	t.Parallel()
	for _, viaEnv := range []bool{true, false} {
		name := "from_variable"
		if viaEnv {
			name = "from_environment"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := standin.New(standin.Options{APIKeys: []string{standinKey}, Gateway: standin.GatewayNewAPI})
			s.SetLedger(standin.LedgerOptions{AccessToken: ledgerToken})
			url, stop := s.Start()
			t.Cleanup(stop)
			w := &workspace{t: t, dir: t.TempDir(), standin: s, key: ledgerToken}
			tokenArg, variable := "", ""
			if !viaEnv {
				tokenArg = "ledger_token = var.ledger_token"
				variable = "variable \"ledger_token\" {\n  type      = string\n  sensitive = true\n  ephemeral = true\n}\n"
			}
			w.write("main.tf", ledgerConfig(url, fmt.Sprintf("endpoint   = \"%s/v1\"\n  api_key    = %q\n  ledger_api = \"new_api\"\n  %s", url, standinKey, tokenArg), variable))
			w.wireCLI(true)
			if viaEnv {
				w.env = append(w.env, "COSTHANDOFF_LEDGER_TOKEN="+ledgerToken)
			} else {
				w.env = append(w.env, "TF_VAR_ledger_token="+ledgerToken)
			}
			plan := w.mustRun("plan", "-input=false", "-no-color", "-out=tfplan")
			planJSON := w.mustRun("show", "-json", "tfplan")
			apply := w.mustRun("apply", "-input=false", "-no-color", "tfplan")
			output := w.mustRun("output", "-raw", "log")
			if !strings.Contains(output, "\nledger: confirmed, quota ") {
				t.Fatalf("the log lacks a confirmed ledger line: the token must have reached the log API and worked:\n%s", output)
			}
			if s.LedgerRequests() == 0 {
				t.Fatal("the usage log was never read")
			}
			w.clean([]string{ledgerToken}, w.placesAfterApply(plan, planJSON, apply, output))
		})
	}
}

// ledgerConfig is the one check of the e2e ledger tests, against the
// stand-in at url, under a provider block of providerArgs and the operator,
// with the check's log as an output; preamble (variables) goes before the
// provider block.
func ledgerConfig(url, providerArgs, preamble string) string {
	return fmt.Sprintf(`terraform {
  required_providers {
    costhandoff = { source = %q }
  }
}
%s
provider "costhandoff" {
  operator = "finops-platform"
  %s
}

resource "costhandoff_check" "this" {
  owner_tag    = "team-search"
  workload_tag = "search-summaries"
  environment  = "prod"
  model        = "gpt-test-mini"
  source_urls = {
    pricing        = "%[4]s/pages/pricing"
    support        = "%[4]s/pages/support"
    allocation     = "%[4]s/pages/allocation"
    unit_economics = "%[4]s/pages/unit_economics"
  }
}

output "log" {
  value = costhandoff_check.this.log
}
`, tf.source, preamble, providerArgs, url)
}

// placesAfterApply is every place a credential could reach in a run of a
// saved plan: the plan's output and JSON, the apply's output, an output
// value, the state (as shown and as stored) and the trace log.
func (w *workspace) placesAfterApply(plan, planJSON, apply, output string) map[string]string {
	w.t.Helper()
	return map[string]string{
		"plan output":       plan,
		"saved plan JSON":   planJSON,
		"apply output":      apply,
		"output":            output,
		"state JSON":        w.mustRun("show", "-json"),
		"terraform.tfstate": w.read("terraform.tfstate"),
		"trace log":         w.traceLog(),
	}
}
