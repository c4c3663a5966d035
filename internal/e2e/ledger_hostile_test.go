package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/standin"
)

// A hostile gateway that refuses the log read with a message holding the
// access token and the approved key, each split by U+200B, gets neither
// into the saved plan, the apply's output (the stop error carries the
// ledger's message), the state or the trace log: the ledger's answers pass
// the same sanitiser as the AI API's, and it normalises before it redacts.
func TestHostileLedgerEchoNeverLeaks(t *testing.T) {
	t.Parallel()
	// Dots keep the token from looking like a key, so only redacting it as
	// the credential it is can hide it; it spells no word the CLI prints
	// (ledger_token would read as ledgertoken, 8 characters of it).
	const ledgerToken = "e2e.Hq7x.Lw2z.Tk9v.7c1f"
	s := standin.New(standin.Options{APIKeys: []string{standinKey}, Gateway: standin.GatewayNewAPI})
	s.SetLedger(standin.LedgerOptions{AccessToken: ledgerToken, RefuseToken: true, EchoSplit: true})
	url, stop := s.Start()
	t.Cleanup(stop)
	w := &workspace{t: t, dir: t.TempDir(), standin: s, key: standinKey}
	w.write("main.tf", ledgerConfig(url, fmt.Sprintf("endpoint   = \"%s/v1\"\n  ledger_api = \"new_api\"", url), ""))
	w.wireCLI(true)
	w.env = append(w.env, "COSTHANDOFF_API_KEY="+standinKey, "COSTHANDOFF_LEDGER_TOKEN="+ledgerToken)
	plan := w.mustRun("plan", "-input=false", "-no-color", "-out=tfplan")
	planJSON := w.mustRun("show", "-json", "tfplan")
	apply, err := w.run("apply", "-input=false", "-no-color", "tfplan")
	if err == nil || !strings.Contains(apply, "ledger_unconfirmed") {
		t.Fatalf("the apply did not stop on the refused ledger read (err %v)", err)
	}
	if s.LedgerRequests() == 0 {
		t.Fatal("the usage log was never read, so its echo was never tried")
	}
	places := w.placesAfterApply(plan, planJSON, apply, "")
	if !strings.Contains(places["state JSON"], `"status":"unavailable"`) {
		t.Fatal("the ledger's refusal is not recorded as unavailable")
	}
	w.clean(append(w.secrets(), ledgerToken), places)
}
