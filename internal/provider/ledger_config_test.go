package provider

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// Each ledger asks at plan time for the credential it reads with: the
// gateway family and LiteLLM their own token, OpenRouter none (it reads with
// the approved key); an unknown ledger_api names the values.
func TestAccLedgerConfig_credentialPerLedger(t *testing.T) {
	cases := []struct {
		name, provider string
		err            *regexp.Regexp
	}{
		{"new_api without a token", `ledger_api = "new_api"`, regexp.MustCompile(`(?s)No ledger token configured.*ledger_api\s+=\s+"new_api".*access\s+token`)},
		{"litellm without a token", `ledger_api = "litellm"`, regexp.MustCompile(`(?s)No ledger token configured.*ledger_api\s+=\s+"litellm".*spend\s+logs.*never\s+the\s+approved\s+key`)},
		{"openrouter without a token reads with the approved key", `ledger_api = "openrouter"`, nil},
		{"new_api with the approved key as its token", `ledger_api = "new_api"
  ledger_token = "` + approvedKey + `"`, regexp.MustCompile(`(?s)The ledger token is the approved key.*ledger_api\s+=\s+"new_api"\s+must\s+never\s+be\s+sent\s+the\s+API\s+key`)},
		{"litellm with the approved key as its token", `ledger_api = "litellm"
  ledger_token = " ` + approvedKey + ` "`, regexp.MustCompile(`(?s)The ledger token is the approved key.*"litellm"`)},
		{"openrouter may read with the approved key as its token", `ledger_api = "openrouter"
  ledger_token = "` + approvedKey + `"`, nil},
		{"an unknown ledger", `ledger_api = "ledgerly"`, regexp.MustCompile(`(?s)ledger_api value must be one of:\s+\["none"\s+"new_api"\s+"litellm"\s+"openrouter"\s+"openai_usage"\s+"anthropic_usage"\]`)},
		{"an empty token name", `ledger_api = "new_api"
  ledger_token = "t"
  ledger_token_name = ""`, regexp.MustCompile(`(?s)ledger_token_name.*length`)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				TerraformVersionChecks:   writeOnlyArguments,
				Steps: []resource.TestStep{{
					Config:             e.withProvider(tc.provider, ""),
					PlanOnly:           true,
					ExpectNonEmptyPlan: true,
					ExpectError:        tc.err,
				}},
			})
			if n := e.standin.AIRequests() + e.standin.LedgerRequests(); n != 0 {
				t.Errorf("a plan sent %d requests", n)
			}
		})
	}
}
