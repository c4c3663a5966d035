package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/standin"
)

// litellmKey is the stand-in proxy's master key in these tests: an obvious
// fake, not key-shaped, so no generic redaction can hide a leak of it.
const litellmKey = "test-e2e-Lm4Rq8Zt-7c1f"

// The LiteLLM and OpenRouter ledgers keep every credential out of the saved
// plan, the state, the CLI output and the TF_LOG=trace log, with the real
// binary: LiteLLM's spend logs are read with the master key (never the
// approved key), OpenRouter's generation record with the approved key.
func TestProxyLedgersNeverLeak(t *testing.T) {
	t.Parallel()
	cases := []struct {
		gateway  standin.Gateway
		endpoint string // the API's path under the stand-in
		provider string
		secrets  []string
	}{
		{standin.GatewayLiteLLM, "/v1", `ledger_api = "litellm"`, []string{standinKey, litellmKey}},
		{standin.GatewayOpenRouter, "/api/v1", `ledger_api = "openrouter"`, []string{standinKey}},
	}
	for _, tc := range cases {
		t.Run(string(tc.gateway), func(t *testing.T) {
			t.Parallel()
			s := standin.New(standin.Options{APIKeys: []string{standinKey}, Gateway: tc.gateway})
			s.SetLedger(standin.LedgerOptions{AccessToken: litellmKey, Late: time.Second})
			url, stop := s.Start()
			t.Cleanup(stop)
			w := &workspace{t: t, dir: t.TempDir(), standin: s, key: standinKey}
			w.write("main.tf", ledgerConfig(url, fmt.Sprintf("endpoint    = \"%s%s\"\n  ledger_wait = \"20s\"\n  %s", url, tc.endpoint, tc.provider), ""))
			w.wireCLI(true)
			w.env = append(w.env, "COSTHANDOFF_API_KEY="+standinKey)
			if tc.gateway == standin.GatewayLiteLLM {
				w.env = append(w.env, "COSTHANDOFF_LEDGER_TOKEN="+litellmKey)
			}
			plan := w.mustRun("plan", "-input=false", "-no-color", "-out=tfplan")
			planJSON := w.mustRun("show", "-json", "tfplan")
			apply := w.mustRun("apply", "-input=false", "-no-color", "tfplan")
			output := w.mustRun("output", "-raw", "log")
			if !strings.Contains(output, "\nledger: confirmed, charged_usd ") {
				t.Fatalf("the log lacks a confirmed ledger line:\n%s", output)
			}
			for i, h := range s.LedgerHeaders() {
				if tc.gateway == standin.GatewayLiteLLM && strings.Contains(fmt.Sprint(h), standinKey) {
					t.Errorf("spend-log request %d carried the approved key", i)
				}
			}
			w.clean(tc.secrets, w.placesAfterApply(plan, planJSON, apply, output))
		})
	}
}
