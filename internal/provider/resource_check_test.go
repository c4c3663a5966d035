package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/standin"
)

const checkAddr = "costhandoff_check.this"

func jsonPath(path ...string) tfjsonpath.Path {
	p := tfjsonpath.New(path[0])
	for _, k := range path[1:] {
		p = p.AtMapKey(k)
	}
	return p
}

func expect(path string, v knownvalue.Check) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(checkAddr, jsonPath(strings.Split(path, ".")...), v)
}

func TestAccCheck_happyPathProceeds(t *testing.T) {
	e := newTestEnv(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				Config: e.checkConfig(""),
				ConfigStateChecks: []statecheck.StateCheck{
					expect("decision", knownvalue.StringExact("proceed")),
					expect("decision_reasons", knownvalue.ListExact(nil)),
					expect("run_id", knownvalue.StringExact("cost-handoff-20261128-001")),
					expect("reviewed_at", knownvalue.StringExact("2026-11-28T09:30:00Z")),
					expect("review_due_at", knownvalue.Null()),
					expect("id", knownvalue.StringRegexp(regexp.MustCompile(`^chk-[0-9a-f]{16}$`))),
					expect("happy_path.result", knownvalue.StringExact("pass")),
					expect("happy_path.category", knownvalue.StringExact("ok")),
					expect("happy_path.status_code", knownvalue.Int64Exact(200)),
					expect("happy_path.attempts", knownvalue.Int64Exact(1)),
					expect("happy_path.input_tokens", knownvalue.Int64Exact(8)),
					expect("happy_path.output_tokens", knownvalue.Int64Exact(1)),
					expect("happy_path.total_tokens", knownvalue.Int64Exact(9)),
					expect("happy_path.model", knownvalue.StringExact(testModel)),
					expect("happy_path.request_id", knownvalue.StringRegexp(regexp.MustCompile(`^req_`))),
					expect("error_path.result", knownvalue.StringExact("pass")),
					expect("error_path.category", knownvalue.StringExact("auth_failure")),
					expect("error_path.status_code", knownvalue.Int64Exact(401)),
					expect("error_path.attempts", knownvalue.Int64Exact(1)),
					expect("evidence_captured", knownvalue.Bool(true)),
					expect("allocation_complete", knownvalue.Bool(true)),
					expect("missing_fields", knownvalue.ListExact(nil)),
					expect("operator", knownvalue.StringExact("finops-platform")),
					expect("follow_up_owner", knownvalue.StringExact("team-search")),
					expect("record", knownvalue.ObjectExact(map[string]knownvalue.Check{
						"run_id":      knownvalue.StringExact("cost-handoff-20261128-001"),
						"reviewed_at": knownvalue.StringExact("2026-11-28T09:30:00Z"),
						"operator":    knownvalue.StringExact("finops-platform"),
						"source_urls_checked": knownvalue.ListExact([]knownvalue.Check{
							knownvalue.StringExact(e.url + "/pages/allocation"),
							knownvalue.StringExact(e.url + "/pages/pricing"),
							knownvalue.StringExact(e.url + "/pages/support"),
							knownvalue.StringExact(e.url + "/pages/unit_economics"),
						}),
						"workload_tag":      knownvalue.StringExact("search-summaries"),
						"owner_tag":         knownvalue.StringExact("team-search"),
						"environment":       knownvalue.StringExact("prod"),
						"happy_path_result": knownvalue.StringExact("pass"),
						"error_path_result": knownvalue.StringExact("pass"),
						"evidence_captured": knownvalue.StringExact("yes"),
						"decision":          knownvalue.StringExact("proceed"),
						"follow_up_owner":   knownvalue.StringExact("team-search"),
					})),
					expect("log", knownvalue.StringExact(strings.Join([]string{
						"run_id: cost-handoff-20261128-001",
						"reviewed_at: 2026-11-28T09:30:00Z",
						"operator: finops-platform",
						fmt.Sprintf("source_urls_checked: [%[1]s/pages/allocation, %[1]s/pages/pricing, %[1]s/pages/support, %[1]s/pages/unit_economics]", e.url),
						"workload_tag: search-summaries",
						"owner_tag: team-search",
						"environment: prod",
						"happy_path_result: pass",
						"error_path_result: pass",
						"evidence_captured: yes",
						"decision: proceed",
						"follow_up_owner: team-search",
					}, "\n")+"\n")),
					expect("history", knownvalue.ListExact(nil)),
				},
				Check: e.expectAIRequests(2),
			},
			{
				// Planning again changes nothing and spends nothing.
				Config: e.checkConfig(""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: e.expectAIRequests(2),
			},
		},
	})
}

func TestAccCheck_serverErrorStopsAndKeepsRecord(t *testing.T) {
	e := newTestEnv(t)
	e.standin.SetBehaviour(standin.ServerError)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				Config:      e.checkConfig(""),
				ExpectError: regexp.MustCompile(`(?s)cost-handoff-20261128-001 decided stop.*happy_path_failed`),
			},
			{
				// The failed create left a tainted resource holding the stop record.
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(checkAddr, "decision", "stop"),
					resource.TestCheckResourceAttr(checkAddr, "happy_path.category", "server_error"),
					resource.TestCheckResourceAttr(checkAddr, "happy_path.status_code", "500"),
					resource.TestCheckResourceAttr(checkAddr, "record.decision", "stop"),
					resource.TestCheckResourceAttr(checkAddr, "record.happy_path_result", "fail"),
					resource.TestCheckTypeSetElemAttr(checkAddr, "decision_reasons.*", "happy_path_failed"),
					tainted(checkAddr),
					e.expectAIRequests(2),
				),
			},
		},
	})
}

func tainted(addr string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[addr]
		if !ok || rs.Primary == nil || !rs.Primary.Tainted {
			return fmt.Errorf("%s is not tainted in state", addr)
		}
		return nil
	}
}

func TestAccCheck_acceptedInvalidKeyFailsErrorPath(t *testing.T) {
	e := newTestEnv(t)
	e.standin.SetBehaviour(standin.AcceptAnyKey)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{{
			Config: e.checkConfig(`enforcement = "record"`),
			ConfigStateChecks: []statecheck.StateCheck{
				expect("error_path.result", knownvalue.StringExact("fail")),
				expect("error_path.category", knownvalue.StringExact("ok")),
				expect("happy_path.result", knownvalue.StringExact("pass")),
				expect("decision", knownvalue.StringExact("stop")),
				expect("decision_reasons", knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("error_path_failed")})),
				expect("record.error_path_result", knownvalue.StringExact("fail")),
			},
		}},
	})
}

func TestAccCheck_enforcementRecordNeverErrors(t *testing.T) {
	e := newTestEnv(t)
	e.standin.SetBehaviour(standin.ServerError)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{{
			Config: e.checkConfig(`enforcement = "record"`),
			ConfigStateChecks: []statecheck.StateCheck{
				expect("decision", knownvalue.StringExact("stop")),
				expect("happy_path.category", knownvalue.StringExact("server_error")),
				expect("error_path.category", knownvalue.StringExact("server_error")),
				expect("decision_reasons", knownvalue.ListExact([]knownvalue.Check{
					knownvalue.StringExact("happy_path_failed"), knownvalue.StringExact("error_path_failed"),
				})),
			},
		}},
	})
}

func TestAccCheck_credentialNeverInState(t *testing.T) {
	const woKey = "sk-test-writeonly-approved-0042"
	e := newTestEnv(t, woKey)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{{
			Config: e.checkConfig(fmt.Sprintf("api_key_wo = %q\n  api_key_wo_version = 1", woKey)),
			ConfigStateChecks: []statecheck.StateCheck{
				expect("decision", knownvalue.StringExact("proceed")),
				expect("api_key_wo", knownvalue.Null()),
			},
			Check: resource.ComposeAggregateTestCheckFunc(
				absentFromState(woKey, approvedKey),
				e.expectAIRequests(2),
				e.expectHappyKey(woKey),
			),
		}},
	})
}

// With an empty provider block, the endpoint, key and operator come from
// the environment.
func TestAccCheck_providerFromEnvironment(t *testing.T) {
	e := newTestEnv(t)
	e.env[EnvEndpoint] = e.url + "/v1"
	e.env[EnvAPIKey] = approvedKey
	e.env[EnvOperator] = "finops-from-env"
	config := "provider \"costhandoff\" {}\n" + checkHCL(e, nil)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				expect("decision", knownvalue.StringExact("proceed")),
				expect("operator", knownvalue.StringExact("finops-from-env")),
				expect("record.operator", knownvalue.StringExact("finops-from-env")),
			},
			Check: resource.ComposeAggregateTestCheckFunc(e.expectAIRequests(2), absentFromState(approvedKey)),
		}},
	})
}
