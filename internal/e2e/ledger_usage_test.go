package e2e

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/standin"
)

// usageAdminKey is the usage API's admin key in these tests: an obvious
// fake, not key-shaped, so no generic redaction can hide a leak of it.
const usageAdminKey = "Hq3Vn8Zc-e2e-Tw5Rm1Xb-7c1f"

// A usage API's bucket arrives minutes late: the apply records the run as
// pending (decision review), and terraform apply -refresh-only, which reads
// the usage API again and never the AI API, records the confirmation in the
// same run, as terraform show -json shows. No credential reaches the plan,
// the state, the CLI output or the trace; the approved key never reaches
// the usage API. Set COSTHANDOFF_E2E_TRANSCRIPT to a file to keep the CLI's
// output (the guide's example comes from it).
func TestUsageLedgerPendingThenConfirmedOnRefresh(t *testing.T) {
	t.Parallel()
	for _, vendor := range []struct{ api, protocol string }{{"openai_usage", "openai_chat"}, {"anthropic_usage", "anthropic_messages"}} {
		t.Run(vendor.api, func(t *testing.T) {
			t.Parallel()
			s := standin.New(standin.Options{APIKeys: []string{standinKey}})
			s.SetUsage(standin.UsageOptions{AdminKeys: []string{usageAdminKey}, Hold: true})
			url, stop := s.Start()
			t.Cleanup(stop)
			w := &workspace{t: t, dir: t.TempDir(), standin: s, key: standinKey}
			w.write("main.tf", ledgerConfig(url, fmt.Sprintf(`endpoint      = "%s/v1"
  api_protocol  = %q
  ledger_api    = %q
  ledger_key_id = %q
  ledger_wait   = "3s"`, url, vendor.protocol, vendor.api, standin.ApprovedKeyID), ""))
			w.wireCLI(true)
			w.env = append(w.env, "COSTHANDOFF_API_KEY="+standinKey, "COSTHANDOFF_LEDGER_TOKEN="+usageAdminKey)

			plan := w.mustRun("plan", "-input=false", "-no-color", "-out=tfplan")
			planJSON := w.mustRun("show", "-json", "tfplan")
			apply := w.mustRun("apply", "-input=false", "-no-color", "tfplan")
			values := w.checkValues("costhandoff_check.this")
			ledger, _ := values["ledger"].(map[string]any)
			if ledger["status"] != "pending" || values["decision"] != "review" {
				t.Fatalf("after the apply: ledger %v, decision %v; want pending, review", ledger, values["decision"])
			}
			runID := values["run_id"]
			aiRequests := s.AIRequests()

			s.ReleaseUsage() // the bucket arrives
			refreshPlan := w.mustRun("plan", "-refresh-only", "-input=false", "-no-color")
			// "changed outside of Terraform", or of OpenTofu.
			if !strings.Contains(refreshPlan, "changed outside of") || !strings.Contains(refreshPlan, `"pending" -> "confirmed"`) {
				t.Errorf("plan -refresh-only does not show the confirmation as a change outside Terraform:\n%s", refreshPlan)
			}
			refresh := w.mustRun("apply", "-refresh-only", "-auto-approve", "-input=false", "-no-color")
			values = w.checkValues("costhandoff_check.this")
			ledger, _ = values["ledger"].(map[string]any)
			if ledger["status"] != "confirmed" || values["decision"] != "proceed" || values["run_id"] != runID || values["evidence_captured"] != true {
				t.Fatalf("after apply -refresh-only: ledger %v, decision %v, run %v (want confirmed, proceed, %v)", ledger, values["decision"], values["run_id"], runID)
			}
			log, _ := values["log"].(string)
			if !strings.Contains(log, "\nledger: confirmed\n") || !strings.Contains(log, "\ndecision: proceed\n") {
				t.Errorf("the log was not re-derived:\n%s", log)
			}
			after := w.mustRun("plan", "-input=false", "-no-color", "-detailed-exitcode")
			if !strings.Contains(after, "No changes.") {
				t.Errorf("the plan after the confirmation is not empty:\n%s", after)
			}
			if s.AIRequests() != aiRequests {
				t.Errorf("the refreshes sent %d AI requests", s.AIRequests()-aiRequests)
			}
			reads := s.UsageRequests()
			if len(reads) == 0 {
				t.Fatal("the usage API was never read")
			}
			for i, r := range reads {
				if strings.Contains(fmt.Sprint(r.Header, r.Query), standinKey) {
					t.Errorf("usage read %d carried the approved key", i)
				}
			}
			if path := os.Getenv("COSTHANDOFF_E2E_TRANSCRIPT"); path != "" {
				transcript := "$ terraform apply\n" + apply + "\n$ terraform plan -refresh-only\n" + refreshPlan +
					"\n$ terraform apply -refresh-only -auto-approve\n" + refresh + "\n$ terraform plan\n" + after
				if err := os.WriteFile(path+"."+vendor.api, []byte(transcript), 0o600); err != nil {
					t.Error(err)
				}
			}
			places := w.placesAfterApply(plan, planJSON, apply, "")
			places["refresh-only plan"], places["refresh-only apply"], places["plan after"] = refreshPlan, refresh, after
			w.clean([]string{standinKey, usageAdminKey}, places)
		})
	}
}
