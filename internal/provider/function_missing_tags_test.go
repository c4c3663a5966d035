package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

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
		"null variable":            {`var.tags`, strs("owner", "workload", "environment")},
		"invisible placeholder":    {`{ owner = "\u200b", workload = "TBD\u200b", environment = "prod" }`, strs("owner", "workload")},
		"year placeholder":         {`{ owner = "team", workload = "budget-YYYY", environment = " none " }`, strs("workload", "environment")},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				TerraformVersionChecks:   writeOnlyArguments,
				Steps: []resource.TestStep{{
					Config: e.providerBlock("") + `variable "tags" {
  type    = map(string)
  default = null
}
output "missing" { value = provider::costhandoff::missing_tags(` + tc.tags + `) }`,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectKnownOutputValue("missing", tc.want),
					}},
				}},
			})
		})
	}
}

// OpenTofu sends a null argument as a value with no data at all, where
// Terraform sends an encoded null; the framework alone fails to decode it.
// Served through NewProtocol6, missing_tags(null) answers on both.
func TestMissingTagsNullArgumentAsOpenTofuSendsIt(t *testing.T) {
	t.Parallel()
	server := NewProtocol6("test")()
	for name, arg := range map[string]*tfprotov6.DynamicValue{
		"no data (OpenTofu)":       {},
		"encoded null (Terraform)": {MsgPack: []byte{0xc0}},
		"JSON null":                {JSON: []byte("null")},
	} {
		t.Run(name, func(t *testing.T) {
			resp, err := server.CallFunction(context.Background(), &tfprotov6.CallFunctionRequest{
				Name: "missing_tags", Arguments: []*tfprotov6.DynamicValue{arg},
			})
			if err != nil {
				t.Fatal(err)
			}
			if resp.Error != nil {
				t.Fatalf("missing_tags(null) failed: %s", resp.Error.Text)
			}
			got, err := resp.Result.Unmarshal(tftypes.List{ElementType: tftypes.String})
			if err != nil {
				t.Fatal(err)
			}
			var elems []tftypes.Value
			if err := got.As(&elems); err != nil {
				t.Fatal(err)
			}
			if len(elems) != 3 {
				t.Errorf("missing_tags(null) = %v, want owner, workload and environment", got)
			}
		})
	}
}
