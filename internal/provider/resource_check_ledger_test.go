package provider

import (
	"encoding/json"
	"fmt"
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

// ledgerEnv is a stand-in answering as gateway gw, whose usage log runs on
// the test's clock.
func ledgerEnv(t *testing.T, gw standin.Gateway, opts standin.LedgerOptions) *testEnv {
	t.Helper()
	e := newTestEnvWith(t, standin.Options{APIKeys: []string{approvedKey}, Gateway: gw})
	opts.Now = e.clock.Now
	e.standin.SetLedger(opts)
	return e
}

// ledgerProvider configures the ledger of the stand-in's gateway: its
// management API is the endpoint without /v1, as the default assumes.
func ledgerProvider(extra string) string {
	return fmt.Sprintf(`ledger_api   = "new_api"
  ledger_token = %q
  ledger_wait  = "2s"
  %s`, standin.DefaultLedgerAccessToken, extra)
}

// logAPINeverSawTheKey fails if a request to the usage log carried the API
// key, and unless the log was read at all.
func (e *testEnv) logAPINeverSawTheKey() resource.TestCheckFunc {
	return func(*terraform.State) error {
		headers := e.standin.LedgerHeaders()
		if len(headers) == 0 {
			return fmt.Errorf("the usage log was never read")
		}
		for _, h := range headers {
			for name, values := range h {
				for _, v := range values {
					if strings.Contains(v, approvedKey) {
						return fmt.Errorf("a usage-log request carried the API key in %s", name)
					}
				}
			}
		}
		return nil
	}
}

// The smoke request's row is found in the gateway's own usage log, in
// both answer shapes (one-api's array, new-api's pages), matched by the
// gateway's request id, or by time window, model and tokens where the rows
// carry no request id.
func TestAccLedger_confirmed(t *testing.T) {
	t.Parallel()
	cases := []struct {
		gw          standin.Gateway
		noRequestID bool
		matchedBy   string
		requestID   knownvalue.Check
		logID       knownvalue.Check // one-api's log gives no row id: null, never 0
	}{
		{standin.GatewayOneAPI, false, "request_id", knownvalue.StringRegexp(regexp.MustCompile(`^\d{31}$`)), knownvalue.Null()},
		{standin.GatewayNewAPI, false, "request_id", knownvalue.StringRegexp(regexp.MustCompile(`^\d{23}[A-Za-z0-9]{8}$`)), knownvalue.NotNull()},
		{standin.GatewayNewAPI, true, "time_model_tokens", knownvalue.Null(), knownvalue.NotNull()},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s/%s", tc.gw, tc.matchedBy), func(t *testing.T) {
			e := ledgerEnv(t, tc.gw, standin.LedgerOptions{NoRequestID: tc.noRequestID})
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				TerraformVersionChecks:   writeOnlyArguments,
				Steps: []resource.TestStep{{
					Config: strings.Replace(e.checkConfig(""), `operator = "finops-platform"`, `operator = "finops-platform"
  `+ledgerProvider(""), 1),
					ConfigStateChecks: []statecheck.StateCheck{
						expect("decision", knownvalue.StringExact("proceed")),
						expect("evidence_captured", knownvalue.Bool(true)),
						expect("ledger.status", knownvalue.StringExact("confirmed")),
						expect("ledger.matched_by", knownvalue.StringExact(tc.matchedBy)),
						expect("ledger.request_id", tc.requestID),
						expect("ledger.token_name", knownvalue.StringExact("standin-token-1")),
						// The prompt carries a signature until the log shows its
						// rows carry request ids: the figures follow its tokens.
						expect("ledger.completion_tokens", knownvalue.Int64Exact(1)),
						chargesItsTokens(),
						expect("ledger.log_id", tc.logID),
						expect("ledger.message", knownvalue.Null()),
					},
					Check: resource.ComposeAggregateTestCheckFunc(e.logAPINeverSawTheKey(), sameLedgerRequestID(tc.noRequestID)),
				}},
			})
		})
	}
}

// sameLedgerRequestID checks that the ledger row matched is the happy
// path's own request, by the gateway's id.
func sameLedgerRequestID(skip bool) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		if skip {
			return nil
		}
		attrs := s.RootModule().Resources[checkAddr].Primary.Attributes
		if attrs["ledger.request_id"] != attrs["happy_path.request_id"] {
			return fmt.Errorf("the ledger row %q is not the happy path's request %q", attrs["ledger.request_id"], attrs["happy_path.request_id"])
		}
		return nil
	}
}

// What the ledger says decides: a row never written is not found after
// ledger_wait (stop), a log that cannot be read is unavailable with the
// gateway's message (stop), a row holding the gateway's own estimate is a
// mismatch (review), and a row written late is still found.
func TestAccLedger_decides(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		opts    standin.LedgerOptions
		extra   string
		status  string
		checks  []statecheck.StateCheck
		reasons []string
	}{
		{name: "row never written", opts: standin.LedgerOptions{NeverWrite: true}, status: "not_found",
			reasons: []string{"ledger_unconfirmed"},
			checks:  []statecheck.StateCheck{expect("evidence_captured", knownvalue.Bool(false)), expect("ledger.log_id", knownvalue.Null())}},
		{name: "access token refused", opts: standin.LedgerOptions{RefuseToken: true}, status: "unavailable",
			reasons: []string{"ledger_unconfirmed"},
			checks:  []statecheck.StateCheck{expect("log", logHas("ledger: unavailable"))}},
		{name: "new-api user id missing", opts: standin.LedgerOptions{UserID: "42"}, status: "unavailable",
			reasons: []string{"ledger_unconfirmed"}},
		{name: "new-api user id sent", opts: standin.LedgerOptions{UserID: "42"}, extra: `ledger_user_id = "42"`, status: "confirmed"},
		{name: "gateway's own estimate", opts: standin.LedgerOptions{Estimate: true}, status: "mismatch",
			reasons: []string{"ledger_mismatch"},
			checks: []statecheck.StateCheck{expect("decision", knownvalue.StringExact("review")), statecheck.CompareValuePairs(
				checkAddr, jsonPath("ledger", "prompt_tokens"), checkAddr, jsonPath("happy_path", "input_tokens"), threeMore{})}},
		{name: "row written late", opts: standin.LedgerOptions{Late: time.Second}, status: "confirmed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := ledgerEnv(t, standin.GatewayNewAPI, tc.opts)
			checks := append([]statecheck.StateCheck{
				expect("ledger.status", knownvalue.StringExact(tc.status)),
				expect("decision_reasons", strs(tc.reasons...)),
			}, tc.checks...)
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				TerraformVersionChecks:   writeOnlyArguments,
				Steps: []resource.TestStep{{
					Config: strings.Replace(e.checkConfig(recordOnly), `operator = "finops-platform"`, `operator = "finops-platform"
  `+ledgerProvider(tc.extra), 1),
					ConfigStateChecks: checks,
					Check:             e.logAPINeverSawTheKey(),
				}},
			})
		})
	}
}

// Under enforcement "fail" an unconfirmed ledger stops the apply, naming
// the reason and what the gateway said.
func TestAccLedger_unavailableStopsWithTheGatewaysMessage(t *testing.T) {
	e := ledgerEnv(t, standin.GatewayOneAPI, standin.LedgerOptions{RefuseToken: true})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   writeOnlyArguments,
		Steps: []resource.TestStep{{
			Config: strings.Replace(e.checkConfig(""), `operator = "finops-platform"`, `operator = "finops-platform"
  `+ledgerProvider(""), 1),
			ExpectError: regexp.MustCompile(`(?s)decided stop.*ledger_unconfirmed.*access token`),
		}},
	})
}

// The ledger is read only after a happy path that passed. Like the API key,
// its token is needed only by a plan that runs a check: a re-run without
// one fails at plan, while the test's closing destroy works without it.
func TestAccLedger_onlyAfterAPassingHappyPath(t *testing.T) {
	e := ledgerEnv(t, standin.GatewayNewAPI, standin.LedgerOptions{})
	e.standin.SetBehaviour(standin.GatewayNoChannel)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   writeOnlyArguments,
		Steps: []resource.TestStep{
			{
				Config: strings.Replace(e.checkConfig(recordOnly), `operator = "finops-platform"`, `operator = "finops-platform"
  `+ledgerProvider(""), 1),
				ConfigStateChecks: []statecheck.StateCheck{
					expect("happy_path.category", knownvalue.StringExact("model_unavailable")),
					expect("ledger", knownvalue.Null()),
					expect("decision_reasons", strs("happy_path_failed")),
				},
				Check: func(*terraform.State) error {
					// The one read is the newest row's, before the send,
					// which orders a fleet where rows carry no request id.
					if n := e.standin.LedgerRequests(); n > 1 {
						return fmt.Errorf("the usage log was read %d times after a failed happy path", n-1)
					}
					return nil
				},
			},
			{
				Config: strings.Replace(e.checkConfig(recordOnly+"\n  rerun_triggers = { cycle = \"2\" }"),
					`operator = "finops-platform"`, `operator = "finops-platform"`+"\n  ledger_api = \"new_api\"", 1),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)No ledger token configured.*` + EnvLedgerToken),
			},
		},
	})
}

// threeMore compares the gateway's estimate with the response's count: the
// stand-in's estimate is 3 prompt tokens over.
type threeMore struct{}

func (threeMore) CompareValues(values ...any) error {
	est, ok1 := values[0].(json.Number)
	got, ok2 := values[1].(json.Number)
	a, _ := est.Int64()
	b, _ := got.Int64()
	if !ok1 || !ok2 || a != b+3 {
		return fmt.Errorf("the ledger's estimate %v, want the response's %v plus 3", values[0], values[1])
	}
	return nil
}
