package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/standin"
)

// litellmMasterKey is the stand-in proxy's key allowed to read every spend
// row; shaped unlike the approved key so a mix-up shows.
const litellmMasterKey = "test-litellm-master-key"

// proxyEnv is a stand-in answering as a LiteLLM proxy or OpenRouter whose
// records are written batchDelay after the answer, on the test's clock.
func proxyEnv(t *testing.T, gw standin.Gateway, opts standin.LedgerOptions) *testEnv {
	t.Helper()
	if gw == standin.GatewayLiteLLM && opts.AccessToken == "" {
		opts.AccessToken = litellmMasterKey
	}
	return ledgerEnv(t, gw, opts)
}

func litellmProvider(extra string) string {
	return fmt.Sprintf(`ledger_api   = "litellm"
  ledger_token = %q
  %s`, litellmMasterKey, extra)
}

// openRouterConfig points the provider at the stand-in as OpenRouter's
// API, {base}/api/v1, whose generation records are read at {base}.
func (e *testEnv) openRouterConfig(providerExtra, checkExtra string) string {
	return strings.Replace(e.withProvider(`ledger_api = "openrouter"
  `+providerExtra, checkExtra), fmt.Sprintf("%q", e.url+"/v1"), fmt.Sprintf("%q", e.url+"/api/v1"), 1)
}

// spendLogsNeverSawTheKey fails unless the ledger was read, always with the
// master key and never with the approved key.
func (e *testEnv) spendLogsNeverSawTheKey() resource.TestCheckFunc {
	return func(*terraform.State) error {
		headers := e.standin.LedgerHeaders()
		if len(headers) == 0 {
			return fmt.Errorf("the spend logs were never read")
		}
		for i, h := range headers {
			if got := h.Get("Authorization"); got != "Bearer "+litellmMasterKey {
				return fmt.Errorf("spend-log request %d carried Authorization %q, want the master key", i, got)
			}
			for name, values := range h {
				if strings.Contains(strings.Join(values, " "), approvedKey) {
					return fmt.Errorf("a spend-log request carried the approved key in %s", name)
				}
			}
		}
		return nil
	}
}

// A LiteLLM proxy writes its spend rows in batches: the row shows after the
// batch delay, within the default wait, for one check and for a fleet;
// charged_usd is the row's spend exactly, and the fields the proxy does not
// give (quota, log_id, token_name) are null.
func TestAccLedgerLiteLLM_confirmedAfterTheBatchDelay(t *testing.T) {
	batch := standin.LedgerOptions{Late: 10 * time.Second}
	t.Run("one check", func(t *testing.T) {
		e := proxyEnv(t, standin.GatewayLiteLLM, batch)
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: e.factories(),
			TerraformVersionChecks:   writeOnlyArguments,
			Steps: []resource.TestStep{{
				Config: e.withProvider(litellmProvider(""), ""),
				ConfigStateChecks: []statecheck.StateCheck{
					expect("ledger.status", knownvalue.StringExact("confirmed")),
					expect("ledger.matched_by", knownvalue.StringExact("request_id")),
					expect("ledger.request_id", knownvalue.StringRegexp(regexp.MustCompile(`^chatcmpl-`))),
					expect("ledger.prompt_tokens", knownvalue.Int64Exact(8)),
					expect("ledger.completion_tokens", knownvalue.Int64Exact(1)),
					expect("ledger.charged_usd", knownvalue.StringExact("0.000036")),
					expect("ledger.quota", knownvalue.Null()),
					expect("ledger.log_id", knownvalue.Null()),
					expect("ledger.token_name", knownvalue.Null()),
					expect("decision", knownvalue.StringExact("proceed")),
					expect("log", logHas("ledger: confirmed, charged_usd 0.000036")),
				},
				Check: resource.ComposeAggregateTestCheckFunc(e.spendLogsNeverSawTheKey(),
					absentFromState(approvedKey, litellmMasterKey),
					func(*terraform.State) error {
						// The batch delay is waited out with backoff: a few
						// reads (each trying the body id, then the call id),
						// where polling at the first interval would make a
						// hundred.
						if n := e.standin.LedgerRequests(); n < 2 || n > 24 {
							return fmt.Errorf("%d spend-log reads, want a few across the batch delay", n)
						}
						return nil
					}),
			}},
		})
	})
	t.Run("a fleet of 4", func(t *testing.T) {
		e := proxyEnv(t, standin.GatewayLiteLLM, batch)
		fleet := fleetBlock{"fleet", 4}
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: e.factories(),
			TerraformVersionChecks:   writeOnlyArguments,
			Steps: []resource.TestStep{{
				Config: e.fleetConfig(litellmProvider(""), fleet),
				ConfigStateChecks: append(fleetExpect("ledger.status", knownvalue.StringExact("confirmed"), fleet),
					distinctLedgerIDs(fleet), e.readsAtMost(24, 4)),
			}},
		})
	})
}

// distinctLedgerIDs fails unless each instance's ledger record has its own
// request id.
func distinctLedgerIDs(blocks ...fleetBlock) statecheck.StateCheck {
	return stateCheck(func(s *tfjson.State) error {
		all, err := instances(s, blocks...)
		if err != nil {
			return err
		}
		seen := map[string]string{}
		for addr, a := range all {
			id := field(a, "ledger", "request_id")
			if other, dup := seen[id]; dup || id == "" {
				return fmt.Errorf("%s and %s share the record %q", other, addr, id)
			}
			seen[id] = addr
		}
		return nil
	})
}

// What the spend logs say decides, as for the gateway ledger.
func TestAccLedgerLiteLLM_decides(t *testing.T) {
	cases := []struct {
		name   string
		opts   standin.LedgerOptions
		extra  string
		config func(e *testEnv) string
		checks []statecheck.StateCheck
		err    *regexp.Regexp
	}{
		{
			name: "the proxy's own count differs: mismatch, review", opts: standin.LedgerOptions{Estimate: true},
			checks: []statecheck.StateCheck{
				expect("ledger.status", knownvalue.StringExact("mismatch")),
				expect("ledger.prompt_tokens", knownvalue.Int64Exact(11)),
				expect("decision", knownvalue.StringExact("review")),
				expect("decision_reasons", strs("ledger_mismatch")),
			},
		},
		{
			name: "no row within the wait: not_found, stop", opts: standin.LedgerOptions{Late: time.Hour}, extra: `ledger_wait = "30s"`,
			err: regexp.MustCompile(`(?s)decided stop.*ledger_unconfirmed.*Ledger: not_found: no spend row with request id`),
		},
		{
			name: "a refused ledger token: unavailable, stop", opts: standin.LedgerOptions{RefuseToken: true},
			err: regexp.MustCompile(`(?s)decided stop.*ledger_unconfirmed.*Ledger: unavailable: the spend logs answered HTTP 401: Authentication Error`),
		},
		{
			name: "rows keyed by the call id: found by the fallback", opts: standin.LedgerOptions{CallIDOnly: true},
			checks: []statecheck.StateCheck{
				expect("ledger.status", knownvalue.StringExact("confirmed")),
				expect("ledger.request_id", knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-`))),
				expect("happy_path.request_id", knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-`))),
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := proxyEnv(t, standin.GatewayLiteLLM, tc.opts)
			step := resource.TestStep{
				Config:            e.withProvider(litellmProvider(tc.extra), ""),
				ConfigStateChecks: tc.checks,
				ExpectError:       tc.err,
			}
			if tc.err == nil {
				step.Check = resource.ComposeAggregateTestCheckFunc(e.spendLogsNeverSawTheKey(), absentFromState(approvedKey, litellmMasterKey))
			}
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				TerraformVersionChecks:   writeOnlyArguments,
				Steps:                    []resource.TestStep{step},
			})
			for i, h := range e.standin.LedgerHeaders() {
				if strings.Contains(fmt.Sprint(h), approvedKey) {
					t.Errorf("spend-log request %d carried the approved key", i)
				}
			}
		})
	}
}

// OpenRouter's generation record is read with the approved key unless a
// ledger token is set; it answers 404 until the record exists. The native
// token counts are compared, total_cost is charged_usd, the generation id
// is the request id, and the provider and model reach the log.
func TestAccLedgerOpenRouter(t *testing.T) {
	const readKey = "test-openrouter-reading-key"
	cases := []struct {
		name, extra, wantAuth string
		opts                  standin.LedgerOptions
		status                string
	}{
		{name: "read with the approved key", wantAuth: "Bearer " + approvedKey, opts: standin.LedgerOptions{Late: 3 * time.Second}, status: "confirmed"},
		{name: "read with the ledger token", extra: fmt.Sprintf("ledger_token = %q", readKey), wantAuth: "Bearer " + readKey,
			opts: standin.LedgerOptions{AccessToken: readKey, Late: 3 * time.Second}, status: "confirmed"},
		{name: "upstream's native count differs", wantAuth: "Bearer " + approvedKey, opts: standin.LedgerOptions{Estimate: true}, status: "mismatch"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := proxyEnv(t, standin.GatewayOpenRouter, tc.opts)
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				TerraformVersionChecks:   writeOnlyArguments,
				Steps: []resource.TestStep{{
					Config: e.openRouterConfig(tc.extra, ""),
					ConfigStateChecks: []statecheck.StateCheck{
						expect("ledger.status", knownvalue.StringExact(tc.status)),
						expect("ledger.request_id", knownvalue.StringRegexp(regexp.MustCompile(`^gen-\d+-`))),
						expect("ledger.charged_usd", knownvalue.NotNull()),
						expect("ledger.quota", knownvalue.Null()),
						expect("log", knownvalue.StringRegexp(regexp.MustCompile(`(?m)^ledger: `+tc.status+`, charged_usd 0\.0000\d+, provider `+
							standin.OpenRouterProvider+`, model `+testModel+`$`))),
					},
					Check: resource.ComposeAggregateTestCheckFunc(absentFromState(approvedKey, readKey),
						func(s *terraform.State) error {
							a := s.RootModule().Resources[checkAddr].Primary.Attributes
							if a["ledger.request_id"] != a["happy_path.request_id"] {
								return fmt.Errorf("record %q is not the generation %q", a["ledger.request_id"], a["happy_path.request_id"])
							}
							for i, h := range e.standin.LedgerHeaders() {
								if got := h.Get("Authorization"); got != tc.wantAuth {
									return fmt.Errorf("generation read %d carried Authorization %q", i, got)
								}
							}
							return nil
						}),
				}},
			})
		})
	}
}

// openRouterFleetConfig is fleetConfig pointed at the stand-in as
// OpenRouter's API, as openRouterConfig is for one check.
func (e *testEnv) openRouterFleetConfig(providerExtra string, blocks ...fleetBlock) string {
	return strings.Replace(e.fleetConfig(`ledger_api = "openrouter"
  `+providerExtra, blocks...), fmt.Sprintf("%q", e.url+"/v1"), fmt.Sprintf("%q", e.url+"/api/v1"), 1)
}

// Every check of a fleet of 4 is confirmed by its own generation record,
// written seconds after each answer, in a few reads a check and no 429.
func TestAccLedgerOpenRouter_fleetOf4(t *testing.T) {
	e := proxyEnv(t, standin.GatewayOpenRouter, standin.LedgerOptions{Late: 3 * time.Second})
	fleet := fleetBlock{"fleet", 4}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   writeOnlyArguments,
		Steps: []resource.TestStep{{
			Config: e.openRouterFleetConfig("", fleet),
			ConfigStateChecks: append(append(append(
				fleetExpect("ledger.status", knownvalue.StringExact("confirmed"), fleet),
				fleetExpect("ledger.request_id", knownvalue.StringRegexp(regexp.MustCompile(`^gen-\d+-`)), fleet)...),
				fleetExpect("decision", knownvalue.StringExact("proceed"), fleet)...),
				eachRowItsOwn(true, fleet), e.readsAtMost(12, 4)),
			Check: absentFromState(approvedKey),
		}},
	})
}

// What OpenRouter's generation API says decides, as for the other ledgers:
// no record within a short wait is not_found, a refused key unavailable,
// and both stop (the state under enforcement "record", the apply's error
// under the default "fail").
func TestAccLedgerOpenRouter_stops(t *testing.T) {
	cases := []struct {
		name, extra, status string
		opts                standin.LedgerOptions
		err                 *regexp.Regexp
	}{
		{
			name: "no record within the wait: not_found", extra: `ledger_wait = "5s"`, status: "not_found",
			opts: standin.LedgerOptions{Late: time.Hour},
			err:  regexp.MustCompile(`(?s)decided stop.*ledger_unconfirmed.*Ledger: not_found: no generation record`),
		},
		{
			name: "a refused key: unavailable", status: "unavailable",
			opts: standin.LedgerOptions{RefuseToken: true},
			err:  regexp.MustCompile(`(?s)decided stop.*ledger_unconfirmed.*Ledger: unavailable: the generation API answered HTTP 401`),
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := proxyEnv(t, standin.GatewayOpenRouter, tc.opts)
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				TerraformVersionChecks:   writeOnlyArguments,
				Steps: []resource.TestStep{
					{
						Config: e.openRouterConfig(tc.extra, recordOnly),
						ConfigStateChecks: []statecheck.StateCheck{
							expect("ledger.status", knownvalue.StringExact(tc.status)),
							expect("ledger.charged_usd", knownvalue.Null()),
							expect("decision", knownvalue.StringExact("stop")),
							expect("decision_reasons", strs("ledger_unconfirmed")),
							expect("log", logHas("ledger: "+tc.status)),
						},
						Check: resource.ComposeAggregateTestCheckFunc(absentFromState(approvedKey),
							func(*terraform.State) error {
								if e.standin.LedgerRequests() == 0 {
									return fmt.Errorf("the generation API was never read")
								}
								return nil
							}),
					},
					{
						Config:      e.openRouterConfig(tc.extra, `rerun_triggers = { cycle = "2" }`),
						ExpectError: tc.err,
					},
				},
			})
		})
	}
}
