package rulebook

import (
	"strings"
	"testing"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/handoff"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/sources"
)

// Configuration is user input: no tags map, source kind or URL may panic the
// book's value rules, and an endpoint is refused only where a source URL is
// too or where plain http is refused.
func FuzzValueRules(f *testing.F) {
	for _, seed := range [][2]string{
		{"owner", "https://example.com/pricing"},
		{"TBD", "ftp://x"},
		{"", "http://user:pass@[::1]:80/x"},
		{"Owner ", "http://%zz"},
		{"x-placeholder", "https://"},
	} {
		f.Add(seed[0], seed[1])
	}
	policy := handoff.DefaultPolicy()
	f.Fuzz(func(t *testing.T, key, rawURL string) {
		a, unrecognised := allocationFromTags(map[string]string{key: rawURL, strings.ToUpper(key): key})
		if len(a)+len(unrecognised) == 0 {
			t.Errorf("allocationFromTags dropped both %q and its upper case", key)
		}
		_ = missingSourceKinds(policy, map[string]string{key: rawURL})
		_ = checkSourceKind(key)
		if err := sources.CheckSourceURL(rawURL); err == nil && CheckEndpoint(rawURL, true) != nil {
			t.Errorf("%q is a valid source URL but not a valid endpoint with allow_plain_http", rawURL)
		}
	})
}
