package provider

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/handoff"
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
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   writeOnlyArguments,
		Steps: []resource.TestStep{
			{
				Config: e.checkConfig(""),
				ConfigStateChecks: []statecheck.StateCheck{
					expect("decision", knownvalue.StringExact("proceed")),
					expect("decision_reasons", knownvalue.ListExact(nil)),
					runIDOf("20261128", 1),
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
					expect("log", knownvalue.StringRegexp(regexp.MustCompile(`^run_id: \S+\n`+regexp.QuoteMeta(strings.Join([]string{
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
						"endpoint: " + e.url + "/v1",
						"api_protocol: openai_chat",
						"credential_fingerprint: " + handoff.CredentialFingerprint(approvedKey),
						"happy_path_category: ok",
						"error_path_category: auth_failure",
						"model: " + testModel,
					}, "\n"))+"\n"+`request_id: req_\w+\n`+regexp.QuoteMeta(strings.Join([]string{
						"tokens: input 8, output 1, total 9",
						"source_allocation: pass, HTTP 200, sha256 " + digest(standin.DefaultPages()["allocation"])[:12] + "",
						"source_pricing: pass, HTTP 200, sha256 " + digest(standin.DefaultPages()["pricing"])[:12] + "",
						"source_support: pass, HTTP 200, sha256 " + digest(standin.DefaultPages()["support"])[:12] + "",
						"source_unit_economics: pass, HTTP 200, sha256 " + digest(standin.DefaultPages()["unit_economics"])[:12] + "",
					}, "\n"))+"\n$"))),
					logOfRun("2026-11-28", 1),
					expect("ledger", knownvalue.Null()),
					expect("happy_path.upstream_request_id", knownvalue.Null()),
					expect("history", knownvalue.MapExact(map[string]knownvalue.Check{})),
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

// A first run that stops fails the apply and is saved, tainted, in state;
// the error names the one command that keeps it (terraform untaint). Left
// tainted, the next apply replaces the check: a new check with a new
// history, whose run id differs from the stopped run's.
func TestAccCheck_firstRunStopIsSavedAndNamesUntaint(t *testing.T) {
	e := newTestEnv(t)
	e.standin.SetBehaviour(standin.ServerError)
	stopped := &priorRun{}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   writeOnlyArguments,
		Steps: []resource.TestStep{
			{
				Config: e.checkConfig(""),
				ExpectError: regexp.MustCompile(`(?s)cost-handoff-20261128-[0-9a-f]{12}-001 decided stop.*happy_path_failed` +
					`.*run_id: cost-handoff-20261128-[0-9a-f]{12}-001.*decision: stop.*terraform untaint`),
			},
			{
				PreConfig: func() { e.standin.SetBehaviour(standin.Normal) },
				Config:    e.checkConfig(""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(checkAddr, plancheck.ResourceActionDestroyBeforeCreate),
					stopped.capture(checkAddr, map[string]string{"decision": "stop"}, "happy_path_result: fail"),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expect("decision", knownvalue.StringExact("proceed")),
					runIDOf("20261128", 1),
					expect("history", knownvalue.MapExact(map[string]knownvalue.Check{})),
					stopped.differentRunID(checkAddr),
				},
				Check: e.expectAIRequests(4),
			},
		},
	})
}

func TestAccCheck_acceptedInvalidKeyFailsErrorPath(t *testing.T) {
	e := newTestEnv(t)
	e.standin.SetBehaviour(standin.AcceptAnyKey)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   writeOnlyArguments,
		Steps: []resource.TestStep{{
			Config: e.checkConfig(`enforcement = "record"`),
			ConfigStateChecks: []statecheck.StateCheck{
				expect("error_path.result", knownvalue.StringExact("fail")),
				expect("error_path.category", knownvalue.StringExact("ok")),
				expect("happy_path.result", knownvalue.StringExact("pass")),
				expect("decision", knownvalue.StringExact("stop")),
				expect("decision_reasons", knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("error_path_failed")})),
				expect("log", logHas("error_path_result: fail", "error_path_category: ok")),
			},
		}},
	})
}

func TestAccCheck_enforcementRecordNeverErrors(t *testing.T) {
	e := newTestEnv(t)
	e.standin.SetBehaviour(standin.ServerError)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   writeOnlyArguments,
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
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   writeOnlyArguments,
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
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   writeOnlyArguments,
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				expect("decision", knownvalue.StringExact("proceed")),
				expect("operator", knownvalue.StringExact("finops-from-env")),
				expect("log", logHas("operator: finops-from-env")),
			},
			Check: resource.ComposeAggregateTestCheckFunc(e.expectAIRequests(2), absentFromState(approvedKey)),
		}},
	})
}

// The resource page's table of decision reasons is written by hand; it must
// list every reason of handoff.Reasons, in order, with its decision and
// meaning.
func TestResourcePageListsEveryReason(t *testing.T) {
	t.Parallel()
	page, err := os.ReadFile("../../templates/resources/check.md.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	_, table, _ := strings.Cut(string(page), "<!-- reasons-table")
	table, _, _ = strings.Cut(table, "<!-- /reasons-table -->")
	var rows []string
	for _, line := range strings.Split(table, "\n") {
		if strings.HasPrefix(line, "| `") {
			rows = append(rows, line)
		}
	}
	if len(rows) != len(handoff.Reasons) {
		t.Fatalf("the table has %d rows, handoff.Reasons %d", len(rows), len(handoff.Reasons))
	}
	for i, r := range handoff.Reasons {
		want := fmt.Sprintf("| `%s` | `%s` | %s |", r.Code, r.Decision, r.Meaning)
		if rows[i] != want {
			t.Errorf("row %d is\n%s\nwant\n%s", i+1, rows[i], want)
		}
	}
}

// Three workloads applied the same day get three different run ids, each
// ending in its own check's first sequence number.
func TestAccCheck_runIDsUniqueAcrossChecks(t *testing.T) {
	e := newTestEnv(t)
	config := strings.Replace(e.checkConfig(""), `resource "costhandoff_check" "this" {`, `resource "costhandoff_check" "this" {
  count        = 3`, 1)
	config = strings.Replace(config, `workload_tag = "search-summaries"`, `workload_tag = "search-summaries-${count.index}"`, 1)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   writeOnlyArguments,
		Steps: []resource.TestStep{{
			Config: config,
			Check: func(s *terraform.State) error {
				seen := map[string]string{}
				for i := range 3 {
					addr := fmt.Sprintf("%s.%d", checkAddr, i) // count instances, as the shimmed state names them
					rs, ok := s.RootModule().Resources[addr]
					if !ok {
						return fmt.Errorf("%s not in state", addr)
					}
					id, runID := rs.Primary.Attributes["id"], rs.Primary.Attributes["run_id"]
					if want := "cost-handoff-20261128-" + uniquePartOf(id) + "-001"; runID != want {
						return fmt.Errorf("%s run_id = %q, want %q", addr, runID, want)
					}
					if other, dup := seen[runID]; dup {
						return fmt.Errorf("%s and %s share run id %q", other, addr, runID)
					}
					seen[runID] = addr
				}
				return nil
			},
		}},
	})
}
