package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/standin"
)

// usageVendor is one of the two usage APIs as a test configures it.
type usageVendor struct {
	api, protocol, adminKey, authHeader string
}

var usageVendors = []usageVendor{
	{"openai_usage", "openai_chat", standin.DefaultOpenAIAdminKey, "Authorization"},
	{"anthropic_usage", "anthropic_messages", standin.DefaultAnthropicAdminKey, "X-Api-Key"},
}

// usageEnv is a stand-in answering as the vendor, whose usage API shows a
// request lag after it was answered, on the test's clock.
func usageEnv(t *testing.T, lag time.Duration, moreKeys ...string) *testEnv {
	t.Helper()
	e := newTestEnv(t, moreKeys...)
	e.standin.SetUsage(standin.UsageOptions{Lag: lag, Now: e.clock.Now, PageSize: 2})
	return e
}

func (v usageVendor) provider(token, wait, extra string) string {
	return fmt.Sprintf(`api_protocol  = %q
  ledger_api    = %q
  ledger_token  = %q
  ledger_key_id = %q
  ledger_wait   = %q
  %s`, v.protocol, v.api, token, standin.ApprovedKeyID, wait, extra)
}

// usageNeverSawTheKey fails unless the usage API was read, every time with
// the admin key in the vendor's header, and never with the approved key in
// any header or the query.
func (e *testEnv) usageNeverSawTheKey(v usageVendor) resource.TestCheckFunc {
	return func(*terraform.State) error {
		reqs := e.standin.UsageRequests()
		if len(reqs) == 0 {
			return fmt.Errorf("the usage API was never read")
		}
		want := v.adminKey
		if v.authHeader == "Authorization" {
			want = "Bearer " + want
		}
		for i, r := range reqs {
			if got := r.Header.Get(v.authHeader); got != want {
				return fmt.Errorf("usage request %d carried %s %q, want the admin key", i, v.authHeader, got)
			}
			if v.api == "anthropic_usage" && r.Header.Get("anthropic-version") != "2023-06-01" {
				return fmt.Errorf("usage request %d carried anthropic-version %q", i, r.Header.Get("anthropic-version"))
			}
			for name, values := range r.Header {
				if strings.Contains(strings.Join(values, " "), approvedKey) {
					return fmt.Errorf("usage request %d carried the approved key in %s", i, name)
				}
			}
			if strings.Contains(r.Query.Encode(), approvedKey) {
				return fmt.Errorf("usage request %d carried the approved key in its query", i)
			}
		}
		return nil
	}
}

// expectUsageQuery fails unless every usage read asked for the approved
// key's id and the model, in 1-minute buckets grouped by key and model.
func (e *testEnv) expectUsageQuery(v usageVendor) resource.TestCheckFunc {
	return func(*terraform.State) error {
		suffix := ""
		if v.api == "anthropic_usage" {
			suffix = "[]"
		}
		for i, r := range e.standin.UsageRequests() {
			q := r.Query
			if q.Get("bucket_width") != "1m" || q.Get("api_key_ids"+suffix) != standin.ApprovedKeyID || q.Get("models"+suffix) != testModel ||
				strings.Join(q["group_by"+suffix], ",") != "api_key_id,model" {
				return fmt.Errorf("usage request %d asked %s %s", i, r.Path, q.Encode())
			}
		}
		return nil
	}
}

// A smoke request whose bucket is there within the wait is confirmed: one
// request with the response's tokens, read in pages (the stand-in serves
// two buckets a page, the reader asks for three minutes).
func TestAccLedgerUsage_confirmed(t *testing.T) {
	for _, v := range usageVendors {
		t.Run(v.api, func(t *testing.T) {
			e := usageEnv(t, 2*time.Minute)
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				TerraformVersionChecks:   writeOnlyArguments,
				Steps: []resource.TestStep{{
					Config: e.withProvider(v.provider(v.adminKey, "6m", ""), ""),
					ConfigStateChecks: []statecheck.StateCheck{
						expect("ledger.status", knownvalue.StringExact("confirmed")),
						expect("ledger.matched_by", knownvalue.StringExact("usage_bucket")),
						expect("ledger.prompt_tokens", knownvalue.Int64Exact(8)),
						expect("ledger.completion_tokens", knownvalue.Int64Exact(1)),
						expect("ledger.message", knownvalue.Null()),
						expect("decision", knownvalue.StringExact("proceed")),
						expect("evidence_captured", knownvalue.Bool(true)),
						expect("log", logHas("ledger: confirmed")),
					},
					Check: resource.ComposeAggregateTestCheckFunc(e.usageNeverSawTheKey(v), e.expectUsageQuery(v),
						absentFromState(approvedKey, v.adminKey), e.expectAIRequests(2),
						func(*terraform.State) error {
							pages := 0
							for _, r := range e.standin.UsageRequests() {
								if r.Query.Get("page") != "" {
									pages++
								}
							}
							if pages == 0 {
								return fmt.Errorf("no read followed next_page")
							}
							return nil
						}),
				}},
			})
		})
	}
}

// No bucket within the wait is pending, decision review; a refresh reads
// again (reads only: no AI request) and records the confirmation in the
// same run, decision re-derived, which a later plan keeps without a re-run.
func TestAccLedgerUsage_confirmedOnRefreshAfterPending(t *testing.T) {
	for _, v := range usageVendors {
		t.Run(v.api, func(t *testing.T) {
			e := usageEnv(t, 10*time.Minute)
			config := e.withProvider(v.provider(v.adminKey, "1m", ""), "")
			var runID string
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				TerraformVersionChecks:   writeOnlyArguments,
				Steps: []resource.TestStep{
					{
						Config: config,
						ConfigStateChecks: []statecheck.StateCheck{
							expect("ledger.status", knownvalue.StringExact("pending")),
							expect("ledger.message", knownvalue.StringRegexp(regexp.MustCompile(`no bucket of key .key_sb7Qw2Xk9Rm4. .*refresh`))),
							expect("decision", knownvalue.StringExact("review")),
							expect("decision_reasons", knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("ledger_pending")})),
							expect("evidence_captured", knownvalue.Bool(false)),
							expect("log", logHas("ledger: pending", "decision: review", "decision_reasons: ledger_pending", "evidence_captured: no")),
						},
						Check: func(s *terraform.State) error {
							runID = s.RootModule().Resources[checkAddr].Primary.Attributes["run_id"]
							return nil
						},
					},
					{
						// Still pending: a refresh changes nothing.
						RefreshState: true,
						Check: resource.ComposeAggregateTestCheckFunc(
							resource.TestCheckResourceAttr(checkAddr, "ledger.status", "pending"),
							e.expectAIRequests(2)),
					},
					{
						PreConfig:    func() { e.clock.Advance(15 * time.Minute) },
						RefreshState: true,
						Check: resource.ComposeAggregateTestCheckFunc(
							resource.TestCheckResourceAttr(checkAddr, "ledger.status", "confirmed"),
							resource.TestCheckResourceAttr(checkAddr, "ledger.matched_by", "usage_bucket"),
							resource.TestCheckNoResourceAttr(checkAddr, "ledger.message"),
							resource.TestCheckResourceAttr(checkAddr, "decision", "proceed"),
							resource.TestCheckResourceAttr(checkAddr, "decision_reasons.#", "0"),
							resource.TestCheckResourceAttr(checkAddr, "evidence_captured", "true"),
							func(s *terraform.State) error {
								a := s.RootModule().Resources[checkAddr].Primary.Attributes
								if a["run_id"] != runID {
									return fmt.Errorf("run_id %s after the refresh, want the same run %s", a["run_id"], runID)
								}
								for _, l := range []string{"ledger: confirmed", "decision: proceed", "evidence_captured: yes"} {
									if !regexp.MustCompile("(?m)^" + regexp.QuoteMeta(l) + "$").MatchString(a["log"]) {
										return fmt.Errorf("log lacks %q:\n%s", l, a["log"])
									}
								}
								if strings.Contains(a["log"], "decision_reasons") || strings.Contains(a["log"], "pending") {
									return fmt.Errorf("log still says pending:\n%s", a["log"])
								}
								return nil
							},
							e.expectAIRequests(2), e.usageNeverSawTheKey(v), absentFromState(approvedKey, v.adminKey)),
					},
					{
						// The confirmation plans nothing: no re-run, no change.
						Config: config,
						ConfigPlanChecks: resource.ConfigPlanChecks{
							PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
						},
						ConfigStateChecks: []statecheck.StateCheck{expect("ledger.status", knownvalue.StringExact("confirmed"))},
						Check:             e.expectAIRequests(2),
					},
				},
			})
		})
	}
}

// A usage API whose error text echoes the approved key (whole, and spelt
// out between dots, which no key-shaped pattern matches) on refresh: the
// 24 h not_found keeps the server's text, and no run of the key reaches
// state, though the refresh has the provider's api_key and not the
// resource's write-only arguments.
func TestAccLedgerUsage_refreshEchoScrubbed(t *testing.T) {
	v := usageVendors[0]
	e := usageEnv(t, 10*time.Minute)
	spelt := strings.Join(strings.Split(approvedKey[8:], ""), ".")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   writeOnlyArguments,
		Steps: []resource.TestStep{
			{
				Config:            e.withProvider(v.provider(v.adminKey, "1m", ""), ""),
				ConfigStateChecks: []statecheck.StateCheck{expect("ledger.status", knownvalue.StringExact("pending"))},
			},
			{
				PreConfig: func() {
					e.standin.SetUsage(standin.UsageOptions{Now: e.clock.Now,
						FailMessage: "usage store down for key " + approvedKey + " (spelt " + spelt + ")"})
					e.clock.Advance(25 * time.Hour)
				},
				RefreshState: true,
				// A run that stopped on its ledger plans a re-run.
				ExpectNonEmptyPlan: true,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(checkAddr, "ledger.status", "not_found"),
					resource.TestMatchResourceAttr(checkAddr, "ledger.message", regexp.MustCompile(`HTTP 500: usage store down for key .*not found`)),
					resource.TestCheckResourceAttr(checkAddr, "decision", "stop"),
					noRunInState(approvedKey, v.adminKey), e.expectAIRequests(2)),
			},
		},
	})
}

// A bucket holding more than the smoke request (another process's traffic
// on the same key) is ambiguous, and the message says why and what to do.
func TestAccLedgerUsage_sharedKeyAmbiguous(t *testing.T) {
	for _, v := range usageVendors {
		t.Run(v.api, func(t *testing.T) {
			e := usageEnv(t, 0)
			e.standin.AddUsage(standin.UsageRecord{KeyID: standin.ApprovedKeyID, Model: testModel, At: e.clock.Now().Add(20 * time.Second),
				Requests: 1, Input: 120, Output: 40})
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				TerraformVersionChecks:   writeOnlyArguments,
				Steps: []resource.TestStep{{
					Config: e.withProvider(v.provider(v.adminKey, "1m", ""), `enforcement = "record"`),
					ConfigStateChecks: []statecheck.StateCheck{
						expect("ledger.status", knownvalue.StringExact("ambiguous")),
						expect("ledger.message", knownvalue.StringRegexp(regexp.MustCompile(`carries other traffic.*key used only for smoke tests`))),
						expect("decision", knownvalue.StringExact("stop")),
						expect("decision_reasons", knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("ledger_unconfirmed")})),
					},
					Check: e.usageNeverSawTheKey(v),
				}},
			})
		})
	}
}

// An admin key the usage API refuses is unavailable, the message naming
// the key the vendor's docs require: 401 for a wrong key, 403 for an API
// key that is not an admin key.
func TestAccLedgerUsage_refusedAdminKey(t *testing.T) {
	const otherAPIKey = "sk-test-standin-not-an-admin-key"
	for _, v := range usageVendors {
		for _, tc := range []struct{ name, token, status string }{
			{"wrong key", "sk-admin-Ww0Rr9Oo8Nn7Gg6Kk5Ee4Yy3", "HTTP 401"},
			{"API key, not admin", otherAPIKey, "HTTP 403"},
		} {
			t.Run(v.api+"/"+tc.name, func(t *testing.T) {
				e := usageEnv(t, 0, otherAPIKey)
				want := `organization Admin API key, which an organization Owner creates`
				if v.api == "anthropic_usage" {
					want = `Admin API key, which only organization members with the admin role`
				}
				resource.ParallelTest(t, resource.TestCase{
					ProtoV6ProviderFactories: e.factories(),
					TerraformVersionChecks:   writeOnlyArguments,
					Steps: []resource.TestStep{{
						Config: e.withProvider(v.provider(tc.token, "1m", ""), `enforcement = "record"`),
						ConfigStateChecks: []statecheck.StateCheck{
							expect("ledger.status", knownvalue.StringExact("unavailable")),
							expect("ledger.message", allOf(regexp.QuoteMeta(tc.status), want)),
							expect("decision", knownvalue.StringExact("stop")),
						},
						Check: absentFromState(approvedKey, tc.token),
					}},
				})
			})
		}
	}
}

// A request sent at :59.9 on the provider's clock lands in the next minute's
// bucket on a vendor whose clock is 200 ms ahead: the minutes either side
// are read, so it is still confirmed.
func TestAccLedgerUsage_bucketEdge(t *testing.T) {
	for _, v := range usageVendors {
		t.Run(v.api, func(t *testing.T) {
			e := usageEnv(t, 0)
			e.clock.Advance(59*time.Second + 900*time.Millisecond)
			e.standin.SetUsage(standin.UsageOptions{Now: func() time.Time { return e.clock.Now().Add(200 * time.Millisecond) }})
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				TerraformVersionChecks:   writeOnlyArguments,
				Steps: []resource.TestStep{{
					Config: e.withProvider(v.provider(v.adminKey, "1m", ""), ""),
					ConfigStateChecks: []statecheck.StateCheck{
						expect("ledger.status", knownvalue.StringExact("confirmed")),
						expect("decision", knownvalue.StringExact("proceed")),
					},
				}},
			})
		})
	}
}

// A fleet of 10 checks on one key puts 10 smoke requests in one bucket:
// each is confirmed as one of 10; another process's request in the same
// bucket makes each ambiguous. The buckets show once the 10 requests have
// arrived, as a vendor's do minutes later; the provider's clock stands
// still and its pauses take real time, so every check sends in one minute.
func TestAccLedgerUsage_fleetOfTen(t *testing.T) {
	fleet := fleetBlock{"fleet", 10}
	for _, v := range usageVendors {
		for _, other := range []bool{false, true} {
			name := v.api + "/alone"
			if other {
				name = v.api + "/another process"
			}
			t.Run(name, func(t *testing.T) {
				e := usageEnv(t, 0)
				e.realWaits = true
				e.standin.SetUsage(standin.UsageOptions{Now: e.clock.Now, Hold: true})
				if other {
					e.standin.AddUsage(standin.UsageRecord{KeyID: standin.ApprovedKeyID, Model: testModel, Requests: 1, Input: 8, Output: 1})
				}
				go func() {
					for e.standin.RequestsWithKey(approvedKey) < fleet.count {
						time.Sleep(20 * time.Millisecond)
					}
					e.standin.ReleaseUsage()
				}()
				config := strings.ReplaceAll(e.fleetConfig(v.provider(v.adminKey, "20s", "max_concurrent_checks = 10"), fleet),
					`environment  = "prod"`, `environment  = "prod"`+"\n  enforcement  = \"record\"")
				checks := append(append(
					fleetExpect("ledger.status", knownvalue.StringExact("confirmed"), fleet),
					fleetExpect("ledger.matched_by", knownvalue.StringExact("bucket_sum"), fleet)...),
					fleetExpect("ledger.message", knownvalue.StringRegexp(regexp.MustCompile(`^confirmed as one of 10 smoke requests`)), fleet)...)
				if other {
					checks = append(
						fleetExpect("ledger.status", knownvalue.StringExact("ambiguous"), fleet),
						fleetExpect("ledger.message", knownvalue.StringRegexp(regexp.MustCompile(`more than the 10 smoke requests`)), fleet)...)
				}
				resource.ParallelTest(t, resource.TestCase{
					ProtoV6ProviderFactories: e.factories(),
					TerraformVersionChecks:   writeOnlyArguments,
					Steps: []resource.TestStep{{
						Config:            config,
						ConfigStateChecks: checks,
						Check:             e.usageNeverSawTheKey(v),
					}},
				})
			})
		}
	}
}

// A usage API is read for one key, ledger_key_id. A provider with no
// api_key of its own, whose checks bring their keys as api_key_wo, can send
// one model's smoke requests with two keys in one minute: the bucket of
// ledger_key_id holds one key's requests and this provider's sums hold both,
// so no check is confirmed on a sum the bucket never held, nor left pending
// for a row that cannot come: each is ambiguous, naming the two keys' mix.
func TestAccLedgerUsage_twoKeysOneModel(t *testing.T) {
	const secondKey = "sk-test-Jt5Hn8Qc2Wz6Lv9Xb4Dm"
	for _, v := range usageVendors {
		t.Run(v.api, func(t *testing.T) {
			e := usageEnv(t, 0, secondKey)
			e.realWaits = true
			e.standin.SetUsage(standin.UsageOptions{Now: e.clock.Now, Hold: true})
			go func() {
				for e.standin.RequestsWithKey(approvedKey) < 1 || e.standin.RequestsWithKey(secondKey) < 1 {
					time.Sleep(20 * time.Millisecond)
				}
				e.standin.ReleaseUsage()
			}()
			provider := strings.Replace(e.providerBlock(v.provider(v.adminKey, "20s", "")), fmt.Sprintf("api_key  = %q", approvedKey), "", 1)
			var config strings.Builder
			config.WriteString(provider)
			for name, key := range map[string]string{"first": approvedKey, "second": secondKey} {
				fmt.Fprintf(&config, `
resource "costhandoff_check" %q {
  owner_tag          = "team-search"
  workload_tag       = %q
  environment        = "prod"
  model              = %q
  source_urls        = %s
  api_key_wo         = %q
  api_key_wo_version = 1
  enforcement        = "record"
}
`, name, name, testModel, e.sourceURLs(), key)
			}
			var checks []statecheck.StateCheck
			for _, name := range []string{"first", "second"} {
				addr := "costhandoff_check." + name
				checks = append(checks,
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("ledger").AtMapKey("status"), knownvalue.StringExact("ambiguous")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("ledger").AtMapKey("message"),
						knownvalue.StringRegexp(regexp.MustCompile(`with 2 different API keys in the minute .* ledger_key_id “`+standin.ApprovedKeyID+`” alone.*provider alias`))),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("decision"), knownvalue.StringExact("stop")))
			}
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				TerraformVersionChecks:   writeOnlyArguments,
				Steps: []resource.TestStep{{
					Config:            config.String(),
					ConfigStateChecks: checks,
					Check:             e.usageNeverSawTheKey(v),
				}},
			})
		})
	}
}

// The settings the usage APIs need are asked for at plan, and refused where
// they do not apply; the admin key is never the approved key.
func TestAccLedgerUsage_planTimeRules(t *testing.T) {
	e := usageEnv(t, 0)
	v := usageVendors[0]
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   writeOnlyArguments,
		Steps: []resource.TestStep{
			{
				Config:      e.withProvider(`ledger_api = "openai_usage"`+"\n  ledger_token = \""+v.adminKey+"\"", ""),
				ExpectError: regexp.MustCompile(`Missing ledger_key_id`),
				PlanOnly:    true,
			},
			{
				Config:      e.withProvider(`ledger_api = "litellm"`+"\n  ledger_token = \"x-master\"\n  ledger_key_id = \"key_1\"", ""),
				ExpectError: regexp.MustCompile(`ledger_key_id does not apply`),
				PlanOnly:    true,
			},
			{
				Config:      e.withProvider(v.provider(approvedKey, "1m", ""), ""),
				ExpectError: regexp.MustCompile(`The ledger token is the approved key`),
				PlanOnly:    true,
			},
			{
				Config: e.withProvider(v.provider(v.adminKey, "1m", ""), `api_key_wo = "sk-test-another-key-0000000000"
  api_key_wo_version = 1`),
				ExpectError: regexp.MustCompile(`The check's key is not the one ledger_key_id names`),
				PlanOnly:    true,
			},
		},
	})
	if n := e.standin.AIRequests() + len(e.standin.UsageRequests()); n != 0 {
		t.Errorf("%d requests at plan, want none", n)
	}
}

// A key goes only to its own host (issue 27, item 4): with OpenRouter's
// ledger on the provider and no ledger token, a check whose own endpoint is
// another gateway with its own key is refused at plan, since its key would
// be read with at OpenRouter's host; with a ledger token, every ledger read
// carries that token, and the other gateway's key never reaches the ledger.
func TestAccLedgerOpenRouter_keyOnlyToItsHost(t *testing.T) {
	const readKey = "test-openrouter-reading-key"
	const otherKey = "sk-test-other-gateway-key-0000"
	e := proxyEnv(t, standin.GatewayOpenRouter, standin.LedgerOptions{AccessToken: readKey})
	other := newTestEnv(t, otherKey)
	check := fmt.Sprintf(`endpoint           = %q
  api_key_wo         = %q
  api_key_wo_version = 1
  enforcement        = "record"`, other.url+"/v1", otherKey)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   writeOnlyArguments,
		Steps: []resource.TestStep{
			{
				Config:      e.openRouterConfig(`ledger_wait = "2s"`, check),
				ExpectError: regexp.MustCompile(`(?s)The check's key would go to another host.*set the provider's\s+ledger_token`),
			},
			{
				Config: e.openRouterConfig(`ledger_wait = "2s"`+"\n  ledger_token = \""+readKey+"\"", check),
				Check: func(*terraform.State) error {
					headers := e.standin.LedgerHeaders()
					if len(headers) == 0 {
						return fmt.Errorf("the generation records were never read")
					}
					for i, h := range headers {
						if got := h.Get("Authorization"); got != "Bearer "+readKey {
							return fmt.Errorf("generation read %d carried Authorization %q, want the ledger token", i, got)
						}
					}
					if e.standin.AIRequests() != 0 || other.standin.RequestsWithKey(otherKey) != 1 {
						return fmt.Errorf("the check's requests went to the wrong host")
					}
					return nil
				},
			},
		},
	})
}
