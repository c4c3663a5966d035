package provider

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/standin"
)

// A token one-api has already marked exhausted answers 401 令牌 <name>（#4）
// 额度已用尽, not the first refusal's wording: still quota_exhausted, so the
// error path is a pass and nothing speaks of a revoked key.
func TestAccLedger_exhaustedTokenWording(t *testing.T) {
	e := ledgerEnv(t, standin.GatewayOneAPI, standin.LedgerOptions{})
	e.standin.SetBehaviour(standin.GatewayTokenExhausted)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   writeOnlyArguments,
		Steps: []resource.TestStep{{
			Config: e.withProvider(ledgerProvider(""), recordOnly),
			ConfigStateChecks: []statecheck.StateCheck{
				expect("happy_path.category", knownvalue.StringExact("quota_exhausted")),
				expect("happy_path.status_code", knownvalue.Int64Exact(401)),
				expect("happy_path.message", knownvalue.StringRegexp(regexp.MustCompile(`令牌 standin-token-1（#4）额度已用尽`))),
				expect("error_path.result", knownvalue.StringExact("pass")),
				expect("decision_reasons", strs("happy_path_failed")),
				expect("ledger", knownvalue.Null()),
			},
		}},
	})
}

// ledger_user_id "1" is an identifier, not a secret: the ledger's messages
// keep every figure and timestamp holding a 1.
func TestAccLedger_userIDOneLeavesMessagesIntact(t *testing.T) {
	e := ledgerEnv(t, standin.GatewayNewAPI, standin.LedgerOptions{UserID: "1", NeverWrite: true})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   writeOnlyArguments,
		Steps: []resource.TestStep{{
			Config: e.withProvider(ledgerProvider(`ledger_user_id = "1"`), ""),
			ExpectError: regexp.MustCompile(`(?s)Ledger: not_found: No row with request id\s+“\d{23}[A-Za-z0-9]{8}”\s+and\s+no\s+single\s+row\s+of\s+model\s+“gpt-test-mini”\s+with\s+\d+\s+prompt\s+and\s+1\s+` +
				`completion\s+tokens\s+\(its\s+signature\)\s+in\s+the\s+gateway's\s+log\s+from\s+2026-11-28T09:\d\d:\d\dZ\s+to\s+09:\d\d:\d\dZ`),
		}},
	})
}

// What a hostile ledger sends never reaches state or output as sent: a
// token echoed after a long run of spaces is redacted whole (the cut comes
// after the redaction), a row's request_id and token_name holding escapes,
// a newline and a key shape are stored clean, a quota of minus 2^63 is no
// charge, and a slow log API under a short ledger_wait ends within the wait.
func TestAccLedger_hostileLedger(t *testing.T) {
	minQuota := int64(math.MinInt64)
	t.Run("token echoed after a long run of spaces", func(t *testing.T) {
		e := ledgerEnv(t, standin.GatewayNewAPI, standin.LedgerOptions{RefuseToken: true, EchoToken: true})
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: e.factories(),
			TerraformVersionChecks:   writeOnlyArguments,
			Steps: []resource.TestStep{{
				Config:      e.withProvider(ledgerProvider(""), ""),
				ExpectError: regexp.MustCompile(`Ledger: unavailable: the gateway refused the log read: 无权进行此操作，access\s+token\s+无效\s+token\s+\[redacted\][.;]`),
			}},
		})
	})
	t.Run("hostile row", func(t *testing.T) {
		// A token name holding escapes, a newline and a key shape is not in
		// the name's shape: it is stored as a digest.
		tokenName := knownvalue.StringRegexp(storedDigest)
		// The answer carries no request id, so the hostile row is matched
		// on its model, time and tokens and its strings reach the state.
		e := ledgerEnv(t, standin.GatewayNewAPI, standin.LedgerOptions{HostileRows: true})
		e.standin.SetBehaviour(standin.NoRequestID)
		clean := regexp.MustCompile("^[^\x00-\x1f\x7f]*$")
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: e.factories(),
			TerraformVersionChecks:   writeOnlyArguments,
			Steps: []resource.TestStep{{
				Config: e.withProvider(ledgerProvider(""), ""),
				ConfigStateChecks: []statecheck.StateCheck{
					expect("ledger.status", knownvalue.StringExact("confirmed")),
					expect("ledger.matched_by", knownvalue.StringExact("time_model_tokens")),
					expect("ledger.token_name", knownvalue.StringRegexp(clean)),
					expect("ledger.request_id", knownvalue.StringRegexp(clean)),
					expect("ledger.token_name", tokenName),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					func(s *terraform.State) error {
						for k, v := range s.RootModule().Resources[checkAddr].Primary.Attributes {
							if strings.Contains(v, "sk-ant-") || strings.ContainsAny(v, "\x1b\n") && k != "log" {
								return fmt.Errorf("%s holds what the hostile row sent: %q", k, v)
							}
						}
						return nil
					},
					absentFromState(approvedKey, standin.DefaultLedgerAccessToken)),
			}},
		})
	})
	t.Run("quota of minus 2^63", func(t *testing.T) {
		e := ledgerEnv(t, standin.GatewayOneAPI, standin.LedgerOptions{Quota: &minQuota})
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: e.factories(),
			TerraformVersionChecks:   writeOnlyArguments,
			Steps: []resource.TestStep{{
				Config: e.withProvider(ledgerProvider(""), recordOnly),
				ConfigStateChecks: []statecheck.StateCheck{
					expect("ledger.status", knownvalue.StringExact("unavailable")),
					expect("ledger.quota", knownvalue.Null()),
					expect("ledger.charged_usd", knownvalue.Null()),
					expect("decision", knownvalue.StringExact("stop")),
					expect("decision_reasons", strs("ledger_unconfirmed")),
					expect("evidence_captured", knownvalue.Bool(false)),
				},
			}},
		})
	})
	t.Run("slow log API, short ledger_wait", func(t *testing.T) {
		// Each answer takes far longer than the wait: the lookup, every
		// read included, ends when the wait does.
		const latency, wait = 20 * time.Second, time.Second
		e := ledgerEnv(t, standin.GatewayOneAPI, standin.LedgerOptions{Latency: latency})
		var started time.Time
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: e.factories(),
			TerraformVersionChecks:   writeOnlyArguments,
			Steps: []resource.TestStep{{
				PreConfig: func() { started = time.Now() },
				Config: e.withProvider(fmt.Sprintf(`ledger_api   = "new_api"
  ledger_token = %q
  ledger_wait  = %q`, standin.DefaultLedgerAccessToken, wait), recordOnly),
				ConfigStateChecks: []statecheck.StateCheck{
					expect("ledger.status", knownvalue.StringExact("unavailable")),
					expect("decision_reasons", strs("ledger_unconfirmed")),
				},
				Check: func(*terraform.State) error {
					// The read before the send and the lookup after it are
					// each bounded by the wait; the rest of the apply is
					// Terraform's own.
					if took := time.Since(started); took > latency/2 {
						return fmt.Errorf("the apply took %s against a log API answering after %s with ledger_wait %s", took, latency, wait)
					}
					return nil
				},
			}},
		})
	})
}
