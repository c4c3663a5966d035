package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
)

func TestAccMissingTagsFunction(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	cases := map[string]struct {
		tags string
		want knownvalue.Check
	}{
		"complete":                 {`{ owner = "team-search", workload = "search", environment = "prod" }`, strs()},
		"placeholders and absence": {`{ owner = "TBD", workload = "search" }`, strs("owner", "environment")},
		"keys ignore case":         {`{ OWNER = "team-search", Workload = "<workload>", Environment = "prod" }`, strs("workload")},
		"other tags do not count":  {`{ product = "search", cost_center = "cc-1" }`, strs("owner", "workload", "environment")},
		"empty map":                {`{}`, strs("owner", "workload", "environment")},
		"null map":                 {`null`, strs("owner", "workload", "environment")},
		"year placeholder":         {`{ owner = "team", workload = "budget-YYYY", environment = " none " }`, strs("workload", "environment")},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				Steps: []resource.TestStep{{
					Config: e.providerBlock("") + `output "missing" { value = provider::costhandoff::missing_tags(` + tc.tags + `) }`,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectKnownOutputValue("missing", tc.want),
					}},
				}},
			})
		})
	}
}
