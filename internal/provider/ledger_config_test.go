package provider

import (
	"fmt"
	"regexp"
	"strings"
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

// A ledger setting with ledger_api left at none would be silently ignored:
// the plan fails on the setting and names the fix. Only the configuration
// is judged: the ledger's environment variables may be set machine-wide.
func TestAccLedgerConfig_settingWithoutLedger(t *testing.T) {
	cases := []struct {
		name, provider string
		env            map[string]string
		err            *regexp.Regexp
	}{
		{"ledger_endpoint", `ledger_endpoint = "https://gw.example"`, nil, nil},
		{"ledger_token", `ledger_token = "sk-test-ledger-token"`, nil, nil},
		{"ledger_wait", `ledger_wait = "45s"`, nil, nil},
		{"ledger_user_id", `ledger_user_id = "42"`, nil, nil},
		{"ledger_token_name", `ledger_token_name = "smoke"`, nil, nil},
		{"ledger_quota_per_usd", `ledger_quota_per_usd = 1000`, nil, nil},
		{"ledger_endpoint with ledger_api none written out", `ledger_api = "none"
  ledger_endpoint = "https://gw.example"`, nil, regexp.MustCompile(`(?s)Ledger setting without a ledger.*ledger_endpoint is set, but ledger_api is "none"`)},
		{"the environment's ledger token and user id are not judged", "",
			map[string]string{EnvLedgerToken: "sk-test-machine-wide", EnvLedgerUserID: "7"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			for k, v := range tc.env {
				e.env[k] = v
			}
			want := tc.err
			if want == nil && tc.env == nil {
				want = regexp.MustCompile(`(?s)Ledger setting without a ledger.*` + tc.name + `\s+is\s+set,\s+but\s+ledger_api\s+is\s+"none".*Set\s+ledger_api\s+to\s+the\s+ledger\s+it\s+belongs\s+to,\s+or\s+remove\s+` + tc.name)
			}
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				TerraformVersionChecks:   writeOnlyArguments,
				Steps: []resource.TestStep{{
					Config:             e.withProvider(tc.provider, ""),
					PlanOnly:           true,
					ExpectNonEmptyPlan: true,
					ExpectError:        want,
				}},
			})
			if n := e.standin.AIRequests() + e.standin.LedgerRequests(); n != 0 {
				t.Errorf("a plan sent %d requests", n)
			}
		})
	}
}

// A gateway-log setting given to another ledger would be silently ignored:
// the plan says so on the argument, and nothing is sent.
func TestAccLedgerConfig_settingOfAnotherLedger(t *testing.T) {
	for _, name := range []string{"ledger_token_name", "ledger_user_id"} {
		t.Run(name, func(t *testing.T) {
			e := newTestEnv(t)
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				TerraformVersionChecks:   writeOnlyArguments,
				Steps: []resource.TestStep{{
					Config: e.withProvider(fmt.Sprintf(`ledger_api   = "litellm"
  ledger_token = "lk-Wq4Zr8Tn2Vb6Xm1Jc5"
  %s = "smoke"`, name), ""),
					PlanOnly:           true,
					ExpectNonEmptyPlan: true,
					ExpectError:        regexp.MustCompile(`(?s)Ledger setting of another ledger.*` + name + `\s+is\s+read\s+only\s+by\s+ledger_api\s+=\s+"new_api".*remove\s+` + name),
				}},
			})
			if n := e.standin.AIRequests() + e.standin.LedgerRequests(); n != 0 {
				t.Errorf("a plan sent %d requests", n)
			}
		})
	}
}

// The ledger's settings are judged as resolved too: a token that only the
// environment gives is seen at Configure, and refused there on ledger_token,
// naming the variable, before anything is sent.
func TestAccLedgerConfig_resolvedTokenJudged(t *testing.T) {
	e := newTestEnv(t)
	e.env[EnvLedgerToken] = strings.Repeat("t", 2000)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   writeOnlyArguments,
		Steps: []resource.TestStep{{
			Config:      e.withProvider(`ledger_api = "new_api"`, ""),
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`(?s)Invalid ledger_token.*ledger_token is 2000 bytes long.*` + EnvLedgerToken),
		}},
	})
	if n := e.standin.AIRequests() + e.standin.LedgerRequests(); n != 0 {
		t.Errorf("a plan sent %d requests", n)
	}
}
