package provider

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/handoff"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/standin"
)

// The acceptance tests of each re-run cause assert the plan (plancheck) and
// what the stand-in saw. terraform-plugin-testing exposes no plan warnings
// to a test step, so the warning each cause prints is asserted through the
// protocol, on the same causes, by TestCheckPlanSaysWhyItReruns, and, for a
// changed argument, in the real CLI's output by the e2e test
// TestRerunPlanAtHistoryLimitShowsOneEntryInOneOut.

const otherKey = "sk-test-standin-other"

// underProvider is a complete check (extra its arguments) under a provider
// block of exactly the given arguments and the operator.
func (e *testEnv) underProvider(providerArgs, extra string) string {
	return fmt.Sprintf(`
provider "costhandoff" {
  operator = "finops-platform"
  %s
}
`, providerArgs) + strings.TrimPrefix(e.checkConfig(extra), e.providerBlock(""))
}

func endpointArgs(e *testEnv, key string) string {
	args := fmt.Sprintf("endpoint = %q", e.url+"/v1")
	if key != "" {
		args += fmt.Sprintf("\n  api_key = %q", key)
	}
	return args
}

// rerunsInPlace is the plan of a re-run: an in-place update whose results
// are unknown until apply.
func rerunsInPlace(more ...plancheck.PlanCheck) resource.ConfigPlanChecks {
	return resource.ConfigPlanChecks{PreApply: append([]plancheck.PlanCheck{
		plancheck.ExpectResourceAction(checkAddr, plancheck.ResourceActionUpdate),
		plancheck.ExpectUnknownValue(checkAddr, jsonPath("run_id")),
		plancheck.ExpectUnknownValue(checkAddr, jsonPath("log")),
	}, more...)}
}

// historyKeeps checks that the earlier run's history entry holds want.
func historyKeeps(want string) statecheck.StateCheck {
	return expect("history", historyContaining{want})
}

type historyContaining struct{ want string }

func (c historyContaining) CheckValue(v any) error {
	history, _ := v.(map[string]any)
	for _, id := range slices.Sorted(maps.Keys(history)) {
		if s, _ := history[id].(string); strings.Contains(s, c.want) {
			return nil
		}
	}
	return fmt.Errorf("no history entry holds %q: %v", c.want, v)
}

func (c historyContaining) String() string { return "history holding " + c.want }

// A changed provider endpoint re-runs the check against the new one: state,
// log and the plan name it, the earlier run keeps the old one in history,
// and only the new stand-in sees the re-run.
func TestAccCheck_rerunWhenProviderEndpointChanges(t *testing.T) {
	e, e2 := newTestEnv(t), newTestEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   writeOnlyArguments,
		Steps: []resource.TestStep{
			{
				Config:            e.underProvider(endpointArgs(e, approvedKey), ""),
				ConfigStateChecks: []statecheck.StateCheck{expect("endpoint", knownvalue.StringExact(e.url+"/v1"))},
			},
			{
				Config: e.underProvider(endpointArgs(e2, approvedKey), ""),
				ConfigPlanChecks: rerunsInPlace(
					plancheck.ExpectKnownValue(checkAddr, jsonPath("endpoint"), knownvalue.StringExact(e2.url+"/v1")),
					plancheck.ExpectKnownValue(checkAddr, jsonPath("credential_fingerprint"), knownvalue.StringExact(handoff.CredentialFingerprint(approvedKey))),
				),
				ConfigStateChecks: []statecheck.StateCheck{
					expect("endpoint", knownvalue.StringExact(e2.url+"/v1")),
					expect("log", logHas("endpoint: "+e2.url+"/v1")),
					historyKeeps(" endpoint=" + e.url + "/v1"),
				},
				Check: resource.ComposeAggregateTestCheckFunc(e.expectAIRequests(2), e2.expectAIRequests(2)),
			},
		},
	})
}

// The check's own endpoint overrides the provider's, and changing it
// re-runs the check the same way.
func TestAccCheck_rerunWhenResourceEndpointChanges(t *testing.T) {
	e, e2 := newTestEnv(t), newTestEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   writeOnlyArguments,
		Steps: []resource.TestStep{
			{Config: e.checkConfig("")},
			{
				Config: e.checkConfig(fmt.Sprintf("endpoint = %q", e2.url+"/v1")),
				ConfigPlanChecks: rerunsInPlace(
					plancheck.ExpectKnownValue(checkAddr, jsonPath("endpoint"), knownvalue.StringExact(e2.url+"/v1")),
				),
				ConfigStateChecks: []statecheck.StateCheck{
					expect("log", logHas("endpoint: "+e2.url+"/v1")),
					historyKeeps(" endpoint=" + e.url + "/v1"),
				},
				Check: resource.ComposeAggregateTestCheckFunc(e.expectAIRequests(2), e2.expectAIRequests(2)),
			},
		},
	})
}

// A changed protocol re-runs the check with the new protocol's request.
func TestAccCheck_rerunWhenProtocolChanges(t *testing.T) {
	e := newTestEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   writeOnlyArguments,
		Steps: []resource.TestStep{
			{
				Config:            e.checkConfig(""),
				ConfigStateChecks: []statecheck.StateCheck{expect("api_protocol", knownvalue.StringExact("openai_chat"))},
			},
			{
				Config: e.underProvider(endpointArgs(e, approvedKey)+"\n  api_protocol = \"anthropic_messages\"", ""),
				ConfigPlanChecks: rerunsInPlace(
					plancheck.ExpectKnownValue(checkAddr, jsonPath("api_protocol"), knownvalue.StringExact("anthropic_messages")),
				),
				ConfigStateChecks: []statecheck.StateCheck{
					expect("api_protocol", knownvalue.StringExact("anthropic_messages")),
					expect("decision", knownvalue.StringExact("proceed")),
					expect("log", logHas("api_protocol: anthropic_messages")),
				},
				Check: func(*terraform.State) error {
					requests := e.standin.Requests()
					if len(requests) != 4 || !strings.HasSuffix(requests[3].Path, "/messages") {
						return fmt.Errorf("the re-run did not send the Messages request: %d requests", len(requests))
					}
					return nil
				},
			},
		},
	})
}

// Another approved key, from the provider or from api_key_wo, re-runs the
// check with it; the fingerprint in state and log says which key ran.
func TestAccCheck_rerunWithAnotherKey(t *testing.T) {
	cases := map[string]struct{ before, after string }{
		"provider api_key": {"", ""},
		"api_key_wo": {
			fmt.Sprintf("api_key_wo = %q\n  api_key_wo_version = 1", approvedKey),
			fmt.Sprintf("api_key_wo = %q\n  api_key_wo_version = 1", otherKey),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			e := newTestEnv(t, otherKey)
			providerAfter := endpointArgs(e, approvedKey)
			if tc.after == "" {
				providerAfter = endpointArgs(e, otherKey)
			}
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				TerraformVersionChecks:   writeOnlyArguments,
				Steps: []resource.TestStep{
					{
						Config: e.underProvider(endpointArgs(e, approvedKey), tc.before),
						ConfigStateChecks: []statecheck.StateCheck{
							expect("credential_fingerprint", knownvalue.StringExact(handoff.CredentialFingerprint(approvedKey))),
						},
					},
					{
						Config: e.underProvider(providerAfter, tc.after),
						ConfigPlanChecks: rerunsInPlace(
							plancheck.ExpectKnownValue(checkAddr, jsonPath("credential_fingerprint"), knownvalue.StringExact(handoff.CredentialFingerprint(otherKey))),
						),
						ConfigStateChecks: []statecheck.StateCheck{
							expect("credential_fingerprint", knownvalue.StringExact(handoff.CredentialFingerprint(otherKey))),
							expect("log", logHas("credential_fingerprint: "+handoff.CredentialFingerprint(otherKey))),
						},
						Check: resource.ComposeAggregateTestCheckFunc(e.expectHappyKey(otherKey), e.expectAIRequests(4),
							absentFromState(approvedKey, otherKey)),
					},
				},
			})
		})
	}
}

// A plan with no key configured is not a plan with another key: it plans
// nothing and asks for no key.
func TestAccCheck_noKeyPlansNothing(t *testing.T) {
	e := newTestEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   writeOnlyArguments,
		Steps: []resource.TestStep{
			{Config: e.checkConfig("")},
			{
				Config:           e.underProvider(endpointArgs(e, ""), ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{
					expect("credential_fingerprint", knownvalue.StringExact(handoff.CredentialFingerprint(approvedKey))),
				},
				Check: e.expectAIRequests(2),
			},
		},
	})
}

// A changed ledger endpoint re-runs the check, and the new ledger is the
// one read.
func TestAccCheck_rerunWhenLedgerEndpointChanges(t *testing.T) {
	e := ledgerEnv(t, standin.GatewayNewAPI, standin.LedgerOptions{})
	e2 := ledgerEnv(t, standin.GatewayNewAPI, standin.LedgerOptions{})
	config := func(ledgerEndpoint string) string {
		return e.withProvider(ledgerProvider(fmt.Sprintf("ledger_endpoint = %q", ledgerEndpoint)), `enforcement = "record"`)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   writeOnlyArguments,
		Steps: []resource.TestStep{
			{
				Config:            config(e.url),
				ConfigStateChecks: []statecheck.StateCheck{expect("ledger.status", knownvalue.StringExact("confirmed"))},
			},
			{
				PreConfig:        func() { e2.standin.ClearLedger() },
				Config:           config(e2.url),
				ConfigPlanChecks: rerunsInPlace(),
				// The smoke request went to e, so e2's log cannot hold it.
				ConfigStateChecks: []statecheck.StateCheck{expect("ledger.status", knownvalue.StringExact("not_found"))},
				Check: func(*terraform.State) error {
					if e2.standin.LedgerRequests() == 0 {
						return fmt.Errorf("the re-run did not read the new ledger")
					}
					return nil
				},
			},
		},
	})
}

// A watched page that fails to load on refresh (a server error, a missing
// page, an unreachable host) is not a change: the plan re-runs nothing.
// The pricing page is served by a stand-in of its own, so it can go away.
func TestAccCheck_failingWatchedPagePlansNothing(t *testing.T) {
	cases := map[string]func(pages *standin.Server, stop func()){
		"500": func(pages *standin.Server, _ func()) {
			pages.SetPage("pricing", http.StatusInternalServerError, "oops")
		},
		"404":         func(pages *standin.Server, _ func()) { pages.SetPage("pricing", http.StatusNotFound, "gone") },
		"unreachable": func(_ *standin.Server, stop func()) { stop() },
	}
	for name, fail := range cases {
		t.Run(name, func(t *testing.T) {
			e := newTestEnv(t)
			pages := standin.New(standin.Options{})
			pagesURL, stopPages := pages.Start()
			t.Cleanup(stopPages)
			config := strings.Replace(e.checkConfig("watch_sources = true"), e.url+"/pages/pricing", pagesURL+"/pages/pricing", 1)
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				TerraformVersionChecks:   writeOnlyArguments,
				Steps: []resource.TestStep{
					{Config: config},
					{
						PreConfig:        func() { fail(pages, stopPages) },
						Config:           config,
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
						ConfigStateChecks: []statecheck.StateCheck{
							expect("decision", knownvalue.StringExact("proceed")),
							expect("sources", knownvalue.MapPartial(map[string]knownvalue.Check{
								"pricing": knownvalue.ObjectPartial(map[string]knownvalue.Check{"result": knownvalue.StringExact("pass")}),
							})),
						},
						Check: e.expectAIRequests(2),
					},
				},
			})
		})
	}
}
