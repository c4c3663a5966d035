package provider

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
)

func strs(values ...string) knownvalue.Check {
	checks := make([]knownvalue.Check, len(values))
	for i, v := range values {
		checks[i] = knownvalue.StringExact(v)
	}
	return knownvalue.ListExact(checks)
}

// The data source reads at plan time, so each case is checked on the plan's
// outputs and no case ever applies anything.
func TestAccAllocation(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	cases := map[string]struct {
		provider, args string
		complete       bool
		missing        knownvalue.Check
		invalid        knownvalue.Check
		message        string
	}{
		"complete from arguments": {
			args:     `owner_tag = "team-search"` + "\n" + `workload_tag = "search"` + "\n" + `environment = "prod"`,
			complete: true, missing: strs(), invalid: strs(), message: "allocation complete",
		},
		"tags keys are case-insensitive": {
			args:    `tags = { Owner = "team-search", WORKLOAD = "search", " environment " = "TBD", team = "x" }`,
			missing: strs("environment"), invalid: strs(),
			message: `allocation incomplete: environment is a placeholder ("TBD"): replace it with a real value; ignored tags that are not allocation fields: team`,
		},
		"explicit arguments win over tags": {
			args:     `tags = { owner = "n/a", workload = "search", environment = "prod" }` + "\n" + `owner_tag = "team-search"`,
			complete: true, missing: strs(), invalid: strs(), message: "allocation complete",
		},
		"required overrides the provider": {
			args:    `owner_tag = "team-search"` + "\n" + `required = ["owner", "cost_center"]`,
			missing: strs("cost_center"), invalid: strs(),
			message: "allocation incomplete: cost_center is not set: set a real value",
		},
		"provider required_tags is the default": {
			provider: `required_tags = ["owner", "product"]`,
			args:     `owner_tag = "team-search"` + "\n" + `product = "<product>"`,
			missing:  strs("product"), invalid: strs(),
			message: `allocation incomplete: product is a placeholder ("<product>"): replace it with a real value`,
		},
		"environment outside allowed_environments": {
			provider: `allowed_environments = ["prod"]`,
			args:     `owner_tag = "team-search"` + "\n" + `workload_tag = "search"` + "\n" + `environment = "qa"`,
			missing:  strs(), invalid: strs(`environment: "qa" is not an allowed environment; use one of "prod"`),
			message: `allocation incomplete: environment "qa" is not an allowed environment; use one of "prod"`,
		},
		"nothing set": {
			args:    "",
			missing: strs("owner", "workload", "environment"), invalid: strs(),
			message: "allocation incomplete: owner is not set: set a real value; workload is not set: set a real value; environment is not set: set a real value",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			config := e.providerBlock(tc.provider) + `
data "costhandoff_allocation" "this" {
  ` + tc.args + `
}
output "complete" { value = data.costhandoff_allocation.this.complete }
output "missing"  { value = data.costhandoff_allocation.this.missing }
output "invalid"  { value = data.costhandoff_allocation.this.invalid }
output "message"  { value = data.costhandoff_allocation.this.message }
`
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				TerraformVersionChecks:   writeOnlyArguments,
				Steps: []resource.TestStep{{
					Config: config,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectKnownOutputValue("complete", knownvalue.Bool(tc.complete)),
						plancheck.ExpectKnownOutputValue("missing", tc.missing),
						plancheck.ExpectKnownOutputValue("invalid", tc.invalid),
						plancheck.ExpectKnownOutputValue("message", knownvalue.StringExact(tc.message)),
					}},
				}},
			})
		})
	}
	// The cases run in parallel: count once they all have.
	t.Cleanup(func() {
		if n := e.standin.AIRequests(); n != 0 {
			t.Errorf("the data source caused %d AI requests, want 0", n)
		}
	})
}

func TestAccAllocation_failOnIncompleteFailsPlan(t *testing.T) {
	allocationPlanFails(t, `
  tags               = { owner = "team-search", workload = "TODO" }
  fail_on_incomplete = true`,
		`(?s)Incomplete cost handoff allocation.*workload is a placeholder \("TODO"\): replace it with a\s+real value; environment is not set`)
}

// Two spellings of one allocation field in tags with different values are
// a conflict the plan names, never a value silently dropped.
func TestAccAllocation_conflictingTagsFailPlan(t *testing.T) {
	allocationPlanFails(t, `
  tags = { owner = "team-search", workload = "search", environment = "staging", Environment = "Prod" }`,
		`(?s)Conflicting allocation tags.*"Environment"\s+=\s+"Prod"\s+and\s+"environment"\s+=\s+"staging".*Keep\s+one`)
}

// allocationPlanFails plans a costhandoff_allocation with args and wants
// the plan to fail with an error matching want.
func allocationPlanFails(t *testing.T, args, want string) {
	e := newTestEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   writeOnlyArguments,
		Steps: []resource.TestStep{{
			Config:      e.providerBlock("") + "\ndata \"costhandoff_allocation\" \"this\" {" + args + "\n}\n",
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(want),
		}},
	})
}
