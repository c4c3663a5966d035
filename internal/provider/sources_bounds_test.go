package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/sources"
)

// More source_urls than sources.MaxPages are refused at plan, on the
// attribute, naming the cap and the fix, before any page or AI request;
// exactly MaxPages plan. The extra kinds come from a for expression, as a
// generated map would.
func TestAccCheck_sourceURLsCap(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	urls := func(n int) string {
		return fmt.Sprintf(`merge(%s, { for i in range(%d) : "extra_${i}" => "https://example.com/page/${i}" })`, e.sourceURLs(), n-4)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   writeOnlyArguments,
		Steps: []resource.TestStep{
			{
				Config:      e.providerBlock("") + checkHCL(e, map[string]string{"source_urls": urls(sources.MaxPages + 1)}),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Too many source_urls.*with costhandoff_check\.this.*source_urls has 33 entries, more than the 32 a\s+check may have.*split the rest across\s+checks`),
			},
			{
				Config:             e.providerBlock("") + checkHCL(e, map[string]string{"source_urls": urls(sources.MaxPages)}),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
		},
	})
	t.Cleanup(func() {
		if n := e.standin.AIRequests(); n != 0 {
			t.Errorf("plans sent %d AI requests, want 0", n)
		}
	})
}
