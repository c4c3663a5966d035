package provider

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
)

// Every gap knowable at plan time fails terraform plan with an error that
// names the attribute, and no plan ever reaches the AI API.
func TestAccCheck_planGating(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	cases := map[string]struct {
		config string
		want   string
	}{
		"placeholder owner": {
			config: e.providerBlock("") + checkHCL(e, map[string]string{"owner_tag": `"TBD"`}),
			want:   `owner_tag is a placeholder \("TBD"\)`,
		},
		"wrapped placeholder workload": {
			config: e.providerBlock("") + checkHCL(e, map[string]string{"workload_tag": `" <workload> "`}),
			want:   `workload_tag is a placeholder`,
		},
		"workload not set": {
			config: e.providerBlock("") + checkHCL(e, map[string]string{"workload_tag": ""}),
			want:   `workload_tag is not set`,
		},
		"blank environment": {
			config: e.providerBlock("") + checkHCL(e, map[string]string{"environment": `"  "`}),
			want:   `environment is not set`,
		},
		"environment outside allowed_environments": {
			config: e.providerBlock(`allowed_environments = ["prod", "staging"]`) +
				checkHCL(e, map[string]string{"environment": `"qa"`}),
			want: `environment "qa" is not an allowed environment; use one of "prod", "staging"`,
		},
		"environment differing only by case names the allowed spelling": {
			config: e.providerBlock(`allowed_environments = ["prod", "staging"]`) +
				checkHCL(e, map[string]string{"environment": `"Prod"`}),
			// The message ends as the gating guide shows it, with the question.
			want: `(?s)environment "Prod" is\s+not\s+an\s+allowed\s+environment;\s+did\s+you\s+mean\s+"prod"\?(\s|$)`,
		},
		"invisible owner": {
			config: e.providerBlock("") + checkHCL(e, map[string]string{"owner_tag": `"\u200b"`}),
			want:   `owner_tag holds only invisible characters`,
		},
		"placeholder behind an invisible character": {
			config: e.providerBlock("") + checkHCL(e, map[string]string{"workload_tag": `"TBD\u200b"`}),
			want:   `workload_tag is a placeholder`,
		},
		"escape sequences in a tag": {
			config: e.providerBlock("") + checkHCL(e, map[string]string{"follow_up_owner": `"lead\u001b[1A\u001b[2Kdecision: proceed"`}),
			want:   `(?s)follow_up_owner.*control characters`,
		},
		"newline in the unit name": {
			config: e.providerBlock("") + checkHCL(e, map[string]string{"unit_name": `"doc\ndecision: proceed"`}),
			want:   `(?s)unit_name.*control characters`,
		},
		"tag too long": {
			config: e.providerBlock("") + checkHCL(e, map[string]string{"owner_tag": `"` + strings.Repeat("o", 257) + `"`}),
			want:   `(?s)owner_tag.*256`,
		},
		"prompt too long": {
			config: e.providerBlock("") + checkHCL(e, map[string]string{"prompt": `"` + strings.Repeat("p", 4097) + `"`}),
			want:   `(?s)prompt.*4096`,
		},
		"extra_body_json too long": {
			config: e.providerBlock("") + checkHCL(e, map[string]string{"extra_body_json": `jsonencode({ pad = "` + strings.Repeat("x", 16400) + `" })`}),
			want:   `(?s)extra_body_json.*16384`,
		},
		"source URL to a cloud metadata address": {
			config: e.providerBlock("") + checkHCL(e, map[string]string{"source_urls": `{ pricing = "http://169.254.169.254/latest/meta-data/", support = "https://s", allocation = "https://a", unit_economics = "https://u" }`}),
			want:   `(?s)source_urls\["pricing"\].*169\.254\.169\.254`,
		},
		"product required by required_tags": {
			config: e.providerBlock(`required_tags = ["owner", "workload", "environment", "product"]`) + checkHCL(e, nil),
			want:   `(?s)product is not set.*required_tags\s+=\s+\[owner, workload, environment, product\]`,
		},
		"source kind missing": {
			config: e.providerBlock("") + checkHCL(e, map[string]string{"source_urls": `{ pricing = "https://example.com/p" }`}),
			want:   `source_urls has no URL for support, allocation, unit_economics`,
		},
		"source kind required by the provider": {
			config: e.providerBlock(`required_source_kinds = ["pricing", "status_page"]`) + checkHCL(e, nil),
			want:   `source_urls has no URL for status_page`,
		},
		"source URL not absolute": {
			config: e.providerBlock("") + checkHCL(e, map[string]string{"source_urls": `{ pricing = "/pricing", support = "https://s", allocation = "https://a", unit_economics = "https://u" }`}),
			want:   `(?s)Invalid source URL.*source_urls\["pricing"\]: "/pricing"`,
		},
		"source URL not http": {
			config: e.providerBlock("") + checkHCL(e, map[string]string{"source_urls": `{ pricing = "ftp://p.example/x", support = "https://s", allocation = "https://a", unit_economics = "https://u" }`}),
			want:   `(?s)source_urls\["pricing"\]: "ftp://p.example/x" must start with https:// or\s+http://`,
		},
		"plain http endpoint on the resource": {
			config: e.checkConfig(`endpoint = "http://10.20.30.40/v1"`),
			want:   `(?s)endpoint.*plain http to a non-loopback host`,
		},
		"no credential anywhere": {
			config: providerWithoutKey(e) + checkHCL(e, nil),
			want:   `(?s)No credential configured.*api_key_wo`,
		},
		"misspelt source kind": {
			config: e.providerBlock("") + checkHCL(e, map[string]string{"source_urls": `{ pricng = "https://p", support = "https://s", allocation = "https://a", unit_economics = "https://u" }`}),
			want:   `(?s)Misspelt source kind.*source_urls\s+has\s+the\s+key\s+"pricng".*did\s+you\s+mean\s+pricing\?`,
		},
		// Terraform refuses a value for a computed attribute while decoding
		// the configuration, before any provider call: the provider cannot
		// add to this message, so the attribute's description points at
		// review_interval_days (DESIGN.md, Plan-time checks).
		"review_due_at set": {
			config: e.providerBlock("") + checkHCL(e, map[string]string{"review_due_at": `"2027-01-01T00:00:00Z"`}),
			want:   `(?s)Invalid Configuration for Read-Only Attribute.*review_due_at`,
		},
		"no operator anywhere": {
			config: e.providerBlock("") + checkHCL(e, map[string]string{"operator": `" "`}),
			want:   `operator is not set`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				TerraformVersionChecks:   writeOnlyArguments,
				Steps: []resource.TestStep{{
					Config:      tc.config,
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(tc.want),
				}},
			})
		})
	}
	// The cases run in parallel: count once they all have.
	t.Cleanup(func() {
		if n := e.standin.AIRequests(); n != 0 {
			t.Errorf("plans sent %d AI requests, want 0", n)
		}
	})
}

func TestAccCheck_providerConfigErrors(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	cases := map[string]struct{ provider, want string }{
		"duration":       {`request_timeout = "soon"`, `(?s)Invalid Time Duration String Value.*request_timeout.*"soon"`},
		"huge timeout":   {`request_timeout = "1000000h"`, `(?s)request_timeout.*"1000000h" is outside the allowed range.*1s to 10m0s`},
		"tiny timeout":   {`request_timeout = "10ms"`, `(?s)request_timeout.*outside the allowed range`},
		"ledger wait":    {`ledger_wait = "2h"`, `(?s)ledger_wait.*outside the allowed range`},
		"ledger api":     {`ledger_api = "one_api_v0"`, `(?s)ledger_api.*value must be one of`},
		"concurrency":    {`max_concurrent_checks = 0`, `(?s)max_concurrent_checks.*between 1 and 100`},
		"endpoint":       {`endpoint = "not a url"`, `(?s)endpoint.*is not an absolute URL`},
		"plain http":     {`endpoint = "http://api.example.com/v1"`, `(?s)endpoint.*plain http to a non-loopback host`},
		"protocol":       {`api_protocol = "soap"`, `(?s)api_protocol.*value must be one of`},
		"required tag":   {`required_tags = ["owner", "team"]`, `(?s)required_tags.*value must be one of`},
		"ca certificate": {`ca_cert_pem = "not a certificate"`, `(?s)ca_cert_pem.*no PEM-encoded certificate`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			config := `provider "costhandoff" {
  api_key  = "sk-test-Rk4Qz8Wv2Nm7Xc5Jb9Lt"
  operator = "finops-platform"
  ` + tc.provider + "\n}\n" + checkHCL(e, nil)
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				TerraformVersionChecks:   writeOnlyArguments,
				Steps:                    []resource.TestStep{{Config: config, PlanOnly: true, ExpectError: regexp.MustCompile(tc.want)}},
			})
		})
	}
	// The cases run in parallel: count once they all have.
	t.Cleanup(func() {
		if n := e.standin.AIRequests(); n != 0 {
			t.Errorf("plans sent %d AI requests, want 0", n)
		}
	})
}

// An allocation value unknown at plan time cannot be judged then. Terraform
// validates again during apply with the value known, so a gap fails the
// apply on the attribute before that check sends any request.
func TestAccCheck_unknownAtPlanCheckedAtApply(t *testing.T) {
	e := newTestEnv(t)
	config := e.checkConfig("") + `
resource "costhandoff_check" "later" {
  owner_tag    = trimprefix(costhandoff_check.this.decision, "proceed")
  workload_tag = "search-summaries"
  environment  = "prod"
  model        = "gpt-test-mini"
  source_urls  = costhandoff_check.this.source_urls
}
`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   writeOnlyArguments,
		Steps: []resource.TestStep{{
			Config: config,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectUnknownValue("costhandoff_check.later", jsonPath("owner_tag")),
			}},
			ExpectError: regexp.MustCompile(`(?s)costhandoff_check.later.*owner_tag is not set`),
		}},
	})
	// Only costhandoff_check.this ran.
	if n := e.standin.AIRequests(); n != 2 {
		t.Fatalf("stand-in saw %d AI requests, want 2", n)
	}
}

// checkHCL renders costhandoff_check "this" without a provider block:
// a complete handoff with the given arguments (raw HCL expressions)
// replacing or adding to the defaults.
func checkHCL(e *testEnv, overrides map[string]string) string {
	args := map[string]string{
		"owner_tag":    `"team-search"`,
		"workload_tag": `"search-summaries"`,
		"environment":  `"prod"`,
		"model":        `"gpt-test-mini"`,
		"source_urls":  e.sourceURLs(),
	}
	maps.Copy(args, overrides)
	var b strings.Builder
	b.WriteString("\nresource \"costhandoff_check\" \"this\" {\n")
	for _, k := range slices.Sorted(maps.Keys(args)) {
		if args[k] != "" {
			fmt.Fprintf(&b, "  %s = %s\n", k, args[k])
		}
	}
	b.WriteString("}\n")
	return b.String()
}

func providerWithoutKey(e *testEnv) string {
	return `provider "costhandoff" {
  endpoint = "` + e.url + `/v1"
  operator = "finops-platform"
}
`
}

// A credential is needed only by a plan that runs a check: a plan with
// nothing to run, a destroy and a refresh work without one, so cleanup after
// a key is revoked and plans in CI without secrets are never blocked.
func TestAccCheck_credentialOnlyWhenRunning(t *testing.T) {
	e := newTestEnv(t)
	withKey := e.checkConfig("")
	withoutKey := providerWithoutKey(e) + checkHCL(e, nil)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   writeOnlyArguments,
		Steps: []resource.TestStep{
			{Config: withKey},
			{
				Config: withoutKey,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(), aiRequestsAtPlan{e, 2},
				}},
			},
			{
				Config:      providerWithoutKey(e) + checkHCL(e, map[string]string{"rerun_triggers": `{ cycle = "2" }`}),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)No credential configured.*runs the check's smoke test`),
			},
			{
				// The test's own destroy then runs with this keyless configuration.
				Config:  withoutKey,
				Destroy: true,
			},
		},
	})
	if n := e.standin.AIRequests(); n != 2 {
		t.Fatalf("stand-in saw %d AI requests, want 2", n)
	}
}

// A source URL unknown at plan (built from another resource, or from
// each.value under for_each) leaves the other checks of the plan working:
// the kinds are known, so nothing is reported missing.
func TestAccCheck_sourceURLUnknownAtPlan(t *testing.T) {
	e := newTestEnv(t)
	config := e.providerBlock("") + `
resource "terraform_data" "page" {
  input = "pricing"
}
` + checkHCL(e, map[string]string{"source_urls": `{
    pricing        = "` + e.url + `/pages/${terraform_data.page.output}"
    support        = "` + e.url + `/pages/support"
    allocation     = "` + e.url + `/pages/allocation"
    unit_economics = "` + e.url + `/pages/unit_economics"
  }`})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   writeOnlyArguments,
		Steps: []resource.TestStep{{
			Config: config,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectUnknownValue(checkAddr, jsonPath("source_urls", "pricing")),
			}},
			ConfigStateChecks: []statecheck.StateCheck{
				expect("decision", knownvalue.StringExact("proceed")),
				expect("sources", knownvalue.MapPartial(map[string]knownvalue.Check{
					"pricing": sourceCheck("pass", 200, knownvalue.NotNull()),
				})),
			},
		}},
	})
}
