package provider

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/standin"
)

func digest(body string) string {
	sum := sha256.Sum256([]byte(body))
	return hex.EncodeToString(sum[:])
}

func sourceCheck(result string, status int64, sha knownvalue.Check) knownvalue.Check {
	return knownvalue.ObjectExact(map[string]knownvalue.Check{
		"result":      knownvalue.StringExact(result),
		"status_code": knownvalue.Int64Exact(status),
		"sha256":      sha,
	})
}

func TestAccCheck_sourcesRecordedWithDigests(t *testing.T) {
	e := newTestEnv(t)
	pages := standin.DefaultPages()
	checks := map[string]knownvalue.Check{}
	for _, kind := range []string{"allocation", "pricing", "support", "unit_economics"} {
		checks[kind] = sourceCheck("pass", 200, knownvalue.StringExact(digest(pages[kind])))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   writeOnlyArguments,
		Steps: []resource.TestStep{{
			Config: e.checkConfig(""),
			ConfigStateChecks: []statecheck.StateCheck{
				expect("sources", knownvalue.MapExact(checks)),
				expect("decision", knownvalue.StringExact("proceed")),
			},
			Check: func(*terraform.State) error {
				for _, h := range e.standin.PageHeaders() {
					if h.Get("Authorization") != "" || h.Get("X-Api-Key") != "" || h.Get("X-Goog-Api-Key") != "" {
						return fmt.Errorf("a source page request carried a credential header")
					}
				}
				if n := e.standin.PageRequests(); n != 4 {
					return fmt.Errorf("stand-in served %d pages, want 4", n)
				}
				return nil
			},
		}},
	})
}

func TestAccCheck_unverifiedSourcesReview(t *testing.T) {
	e := newTestEnv(t)
	e.standin.SetPage("support", http.StatusNotFound, "gone")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   writeOnlyArguments,
		Steps: []resource.TestStep{
			{
				// A review is a warning: the apply succeeds under enforcement "fail".
				Config: e.checkConfig(""),
				ConfigStateChecks: []statecheck.StateCheck{
					expect("decision", knownvalue.StringExact("review")),
					expect("decision_reasons", strs("source_unverified")),
					expect("sources", knownvalue.MapPartial(map[string]knownvalue.Check{
						"support": sourceCheck("fail", 404, knownvalue.Null()),
					})),
					// A page that answered 404 was not checked: it is not listed as checked.
					expect("log", allOf(`(?m)^source_urls_checked: \[[^\]]*pages/allocation, [^\]]*pages/pricing, [^\]]*pages/unit_economics\]$`,
						`(?m)^source_support: fail, HTTP 404$`)),
				},
			},
			{
				Config: e.checkConfig("verify_sources = false"),
				ConfigStateChecks: []statecheck.StateCheck{
					expect("decision", knownvalue.StringExact("review")),
					expect("decision_reasons", strs("source_unverified")),
					expect("sources", knownvalue.MapPartial(map[string]knownvalue.Check{
						"allocation": knownvalue.ObjectExact(map[string]knownvalue.Check{
							"result": knownvalue.StringExact("skipped"), "status_code": knownvalue.Int64Exact(0), "sha256": knownvalue.Null(),
						}),
					})),
					expect("log", logHas("source_urls_checked: []", "source_support: skipped")),
				},
			},
		},
	})
}

func TestAccCheck_watchedSourceChangePlansRerun(t *testing.T) {
	e := newTestEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   writeOnlyArguments,
		Steps: []resource.TestStep{
			{
				Config: e.checkConfig("watch_sources = true"),
				ConfigStateChecks: []statecheck.StateCheck{
					expect("decision", knownvalue.StringExact("proceed")),
				},
			},
			{
				// Unchanged pages: refresh re-fetches them, nothing to do.
				Config: e.checkConfig("watch_sources = true"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(), aiRequestsAtPlan{e, 2},
				}},
			},
			{
				PreConfig: func() { e.standin.SetPage("pricing", http.StatusOK, "<html>new pricing page</html>") },
				Config:    e.checkConfig("watch_sources = true"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(checkAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(checkAddr, jsonPath("run_id")),
					aiRequestsAtPlan{e, 2},
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					runIDOf("20261128", 2),
					expect("decision", knownvalue.StringExact("review")),
					expect("decision_reasons", strs("source_changed")),
					expect("log", allOf(`(?m)^source_pricing: pass, HTTP 200, sha256 `+digest("<html>new pricing page</html>")[:12]+`, changed$`,
						`(?m)^source_support: pass, HTTP 200, sha256 [0-9a-f]{12}$`)),
					expect("history", historyRuns(historyEntry(1, "proceed"))),
				},
				Check: e.expectAIRequests(4),
			},
		},
	})
}

func TestAccCheck_unwatchedSourceChangeDoesNotRerun(t *testing.T) {
	e := newTestEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   writeOnlyArguments,
		Steps: []resource.TestStep{
			{Config: e.checkConfig("")},
			{
				PreConfig: func() { e.standin.SetPage("pricing", http.StatusOK, "<html>new pricing page</html>") },
				Config:    e.checkConfig(""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
				Check: func(*terraform.State) error {
					if n := e.standin.PageRequests(); n != 4 {
						return fmt.Errorf("refresh fetched pages without watch_sources: %d page requests, want 4", n)
					}
					return nil
				},
			},
		},
	})
}

func TestAccCheck_rerunsGrowHistory(t *testing.T) {
	e := newTestEnv(t, "sk-test-rotated-key-0002")
	step := func(extra string) string { return e.checkConfig(extra) }
	sameID := statecheck.CompareValue(compare.ValuesSame())
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   writeOnlyArguments,
		Steps: []resource.TestStep{
			{
				Config: step(`rerun_triggers = { model_version = "2026-10" }`),
				ConfigStateChecks: []statecheck.StateCheck{
					runIDOf("20261128", 1),
					sameID.AddStateValue(checkAddr, jsonPath("id")),
				},
			},
			{
				Config: step(`rerun_triggers = { model_version = "2026-11" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(checkAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(checkAddr, jsonPath("id"), knownvalue.NotNull()),
					// The coming history is known at plan: the current log pushed on.
					plancheck.ExpectKnownValue(checkAddr, jsonPath("history"), historyRuns(historyEntry(1, "proceed"))),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					runIDOf("20261128", 2),
					expect("history", historyRuns(historyEntry(1, "proceed"))),
					sameID.AddStateValue(checkAddr, jsonPath("id")),
				},
				Check: e.expectAIRequests(4),
			},
			{
				Config: step(`rerun_triggers = { model_version = "2026-11" }
  api_key_wo         = "sk-test-rotated-key-0002"
  api_key_wo_version = 2`),
				ConfigStateChecks: []statecheck.StateCheck{
					runIDOf("20261128", 3),
					expect("history", historyRuns(historyEntry(2, "proceed"), historyEntry(1, "proceed"))),
				},
				Check: resource.ComposeAggregateTestCheckFunc(e.expectAIRequests(6), e.expectHappyKey("sk-test-rotated-key-0002")),
			},
			{
				// enforcement and history_limit alone never re-run.
				Config: step(`rerun_triggers = { model_version = "2026-11" }
  api_key_wo         = "sk-test-rotated-key-0002"
  api_key_wo_version = 2
  enforcement        = "record"
  history_limit      = 1`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(checkAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(checkAddr, jsonPath("history"), historyRuns(historyEntry(2, "proceed"))),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					runIDOf("20261128", 3),
					expect("history", historyRuns(historyEntry(2, "proceed"))),
				},
				Check: e.expectAIRequests(6),
			},
			{
				// history_limit applies to a re-run too, at plan and at apply.
				Config: step(`rerun_triggers = { model_version = "2026-12" }
  api_key_wo         = "sk-test-rotated-key-0002"
  api_key_wo_version = 2
  enforcement        = "record"
  history_limit      = 0`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue(checkAddr, jsonPath("run_id")),
					plancheck.ExpectKnownValue(checkAddr, jsonPath("history"), knownvalue.MapExact(map[string]knownvalue.Check{})),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					runIDOf("20261128", 4),
					expect("history", knownvalue.MapExact(map[string]knownvalue.Check{})),
				},
				Check: e.expectAIRequests(8),
			},
		},
	})
}

func TestAccCheck_expiredReviewPlansRerun(t *testing.T) {
	e := newTestEnv(t)
	config := e.checkConfig("review_interval_days = 30")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   writeOnlyArguments,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					expect("review_due_at", knownvalue.StringExact("2026-12-28T09:30:00Z")),
				},
			},
			{
				// 29 days later the review still holds.
				PreConfig: func() { e.clock.Advance(29 * 24 * time.Hour) },
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
			{
				PreConfig: func() { e.clock.Advance(24 * time.Hour) },
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(checkAddr, plancheck.ResourceActionUpdate),
					aiRequestsAtPlan{e, 2},
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					runIDOf("20261228", 2),
					expect("reviewed_at", knownvalue.StringExact("2026-12-28T09:30:00Z")),
					expect("review_due_at", knownvalue.StringExact("2027-01-27T09:30:00Z")),
					expect("history", historyRuns(historyEntry(1, "proceed"))),
				},
				Check: e.expectAIRequests(4),
			},
		},
	})
}

func TestAccCheck_importRefused(t *testing.T) {
	e := newTestEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   writeOnlyArguments,
		Steps: []resource.TestStep{
			{Config: e.checkConfig("")},
			{
				Config:        e.checkConfig(""),
				ResourceName:  checkAddr,
				ImportState:   true,
				ImportStateId: "chk-0000000000000000",
				ExpectError:   regexp.MustCompile(`(?s)cannot be imported.*a run of a smoke test recorded in state`),
			},
		},
	})
	if n := e.standin.AIRequests(); n != 2 {
		t.Fatalf("stand-in saw %d AI requests, want 2 (import must not spend)", n)
	}
}

// Like a tainted new resource, an existing check whose run stopped the apply
// runs again at the next apply, without any change to its configuration.
func TestAccCheck_stopUnderEnforcementFailRerunsNextApply(t *testing.T) {
	e := newTestEnv(t)
	config := func(cycle string) string { return e.checkConfig(`rerun_triggers = { cycle = "` + cycle + `" }`) }
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   writeOnlyArguments,
		Steps: []resource.TestStep{
			{Config: config("1")},
			{
				PreConfig: func() { e.standin.SetBehaviour(standin.ServerError) },
				Config:    config("2"),
				// The error carries the run's log: outputs are not updated after a failed apply.
				ExpectError: regexp.MustCompile(`(?s)cost-handoff-20261128-[0-9a-f]{12}-002 decided stop.*run_id: cost-handoff-20261128-[0-9a-f]{12}-002\s+reviewed_at:.*decision: stop`),
			},
			{
				PreConfig: func() { e.standin.SetBehaviour(standin.Normal) },
				Config:    config("2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(checkAddr, plancheck.ResourceActionUpdate),
					aiRequestsAtPlan{e, 4},
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					runIDOf("20261128", 3),
					expect("decision", knownvalue.StringExact("proceed")),
					expect("history", historyRuns(historyEntry(2, "stop"), historyEntry(1, "proceed"))),
				},
				Check: e.expectAIRequests(6),
			},
		},
	})
}

// Arguments left out of the configuration resolve again: follow_up_owner
// to owner_tag, which re-runs the check since the record names the
// follow-up owner; enforcement to its default, which does not.
func TestAccCheck_argumentsLeftOutResolveAgain(t *testing.T) {
	e := newTestEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   writeOnlyArguments,
		Steps: []resource.TestStep{
			{
				Config: e.checkConfig(`follow_up_owner = "team-finops"
  enforcement     = "record"`),
				ConfigStateChecks: []statecheck.StateCheck{expect("log", logHas("follow_up_owner: team-finops"))},
			},
			{
				Config: e.checkConfig(`enforcement = "record"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(checkAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(checkAddr, jsonPath("follow_up_owner"), knownvalue.StringExact("team-search")),
					plancheck.ExpectUnknownValue(checkAddr, jsonPath("run_id")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					runIDOf("20261128", 2),
					expect("log", logHas("follow_up_owner: team-search")),
				},
				Check: e.expectAIRequests(4),
			},
			{
				Config: e.checkConfig(""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(checkAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(checkAddr, jsonPath("enforcement"), knownvalue.StringExact("fail")),
					plancheck.ExpectKnownValue(checkAddr, jsonPath("run_id"), knownvalue.StringRegexp(regexp.MustCompile(`^cost-handoff-20261128-[0-9a-f]{12}-002$`))),
				}},
				Check: e.expectAIRequests(4),
			},
			{
				Config:           e.checkConfig(""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

// historyEntry is an earlier run in history: its sequence and decision.
type runEntry struct {
	seq      int
	decision string
}

func historyEntry(seq int, decision string) runEntry { return runEntry{seq, decision} }

// historyRuns matches a history holding exactly these runs: each keyed by
// its run id (of this check, on the test clock's day, of its sequence) and
// held in one logfmt line with its decision.
func historyRuns(runs ...runEntry) knownvalue.Check { return historyCheck{runs} }

type historyCheck struct{ runs []runEntry }

func (c historyCheck) CheckValue(v any) error {
	history, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("history is not a map: %T", v)
	}
	if len(history) != len(c.runs) {
		return fmt.Errorf("history holds %d runs, want %d: %v", len(history), len(c.runs), history)
	}
	for _, r := range c.runs {
		key := regexp.MustCompile(fmt.Sprintf(`^cost-handoff-\d{8}-[0-9a-f]{12}-%03d$`, r.seq))
		found := false
		for id, entry := range history {
			if !key.MatchString(id) {
				continue
			}
			found = true
			s, _ := entry.(string)
			if !regexp.MustCompile(`^reviewed_at=\S+ operator=.* decision=`+r.decision+` `).MatchString(s) || strings.Contains(s, "\n") {
				return fmt.Errorf("history[%s] = %q, want one logfmt line with decision=%s", id, s, r.decision)
			}
		}
		if !found {
			return fmt.Errorf("history has no run of sequence %03d: %v", r.seq, history)
		}
	}
	return nil
}

func (c historyCheck) String() string { return fmt.Sprintf("history of runs %v", c.runs) }

// Values known only at apply (here from another resource) plan no promise
// that apply could break: the history of a re-run, the history trimmed by a
// new history_limit, and review_due_at stay unknown until apply.
func TestAccCheck_limitsKnownOnlyAtApply(t *testing.T) {
	e := newTestEnv(t)
	config := func(cycle, limit, review string) string {
		return e.providerBlock("") + `
resource "terraform_data" "settings" {
  input = { limit = ` + limit + `, review = ` + review + ` }
}
` + checkHCL(e, map[string]string{
			"history_limit":        "terraform_data.settings.output.limit",
			"review_interval_days": "terraform_data.settings.output.review",
			"rerun_triggers":       `{ cycle = "` + cycle + `" }`,
			"enforcement":          `"record"`,
		})
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   writeOnlyArguments,
		Steps: []resource.TestStep{
			{
				Config: config("1", "5", "30"),
				ConfigStateChecks: []statecheck.StateCheck{
					expect("review_due_at", knownvalue.StringExact("2026-12-28T09:30:00Z")),
					expect("history", knownvalue.MapExact(map[string]knownvalue.Check{})),
				},
			},
			{Config: config("2", "5", "30"), ConfigStateChecks: []statecheck.StateCheck{expect("history", knownvalue.MapSizeExact(1))}},
			{Config: config("3", "5", "30"), ConfigStateChecks: []statecheck.StateCheck{expect("history", knownvalue.MapSizeExact(2))}},
			{
				// Only the limit changes, and it is unknown at plan: no re-run,
				// the history trimmed at apply.
				Config: config("3", "1", "30"),
				ConfigStateChecks: []statecheck.StateCheck{
					runIDOf("20261128", 3),
					expect("history", historyRuns(historyEntry(2, "proceed"))),
				},
				Check: e.expectAIRequests(6),
			},
			{
				// A re-run with the limit and the interval unknown at plan.
				Config: config("4", "2", "7"),
				ConfigStateChecks: []statecheck.StateCheck{
					runIDOf("20261128", 4),
					expect("history", historyRuns(historyEntry(3, "proceed"), historyEntry(2, "proceed"))),
					expect("review_due_at", knownvalue.StringExact("2026-12-05T09:30:00Z")),
				},
			},
		},
	})
}
