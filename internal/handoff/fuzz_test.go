package handoff

import (
	"strings"
	"testing"
)

// Configuration is user input: no value of it may panic the policy, and the
// placeholder rule must ignore case and surrounding space, as SPEC section 6
// says.
func FuzzPolicy(f *testing.F) {
	for _, seed := range [][3]string{
		{"team-search", "prod", "https://example.com/pricing"},
		{"TBD", " <env> ", "ftp://x"},
		{"", "YYYY", "http://user:pass@[::1]:80/x"},
		{"n/a", "qa", "http://%zz"},
		{"x-placeholder", "\tprod\n", "https://"},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	policy := Policy{
		RequiredTags:        AllocationFields,
		AllowedEnvironments: []string{"prod", "staging"},
		RequiredSourceKinds: []string{SourcePricing},
	}
	f.Fuzz(func(t *testing.T, owner, environment, rawURL string) {
		if IsMissing(owner) != IsMissing(" "+strings.ToUpper(owner)+"\t") {
			t.Errorf("IsMissing(%q) depends on case or surrounding space", owner)
		}
		report := policy.CheckAllocation(Allocation{FieldOwner: owner, FieldEnvironment: environment})
		if report.Complete() {
			t.Errorf("an allocation without workload was complete: %+v", report)
		}
		if _, bad := policy.CheckField(FieldOwner, owner); bad != IsMissing(owner) {
			t.Errorf("CheckField(owner, %q) = %v, IsMissing = %v", owner, bad, IsMissing(owner))
		}
		_, _ = AllocationFromTags(map[string]string{owner: environment, strings.ToUpper(owner): rawURL})
		_ = policy.MissingSourceKinds(map[string]string{owner: rawURL})
		if err := ValidateSourceURL(rawURL); err == nil && CheckEndpoint(rawURL, true) != nil {
			t.Errorf("%q is a valid source URL but not a valid endpoint with allow_plain_http", rawURL)
		}
		_ = report.Message()
	})
}
