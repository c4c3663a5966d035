package rulebook

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/handoff"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/sources"
)

// This file holds the value rules only the book applies: an endpoint, a
// source kind, the source kinds a policy requires, and reading an allocation
// from a tags map. The rules the run applies too (the allocation policy,
// placeholders, one-line text and its length) are handoff's, which the book
// calls: one place per rule. Values are quoted as handoff quotes them
// (strconv.Quote, anything invisible escaped).

// missingSourceKinds returns the source kinds the policy requires that are
// absent from urls, in the policy's order.
func missingSourceKinds(p handoff.Policy, urls map[string]string) []string {
	var missing []string
	for _, kind := range p.RequiredSourceKinds {
		if _, ok := urls[kind]; !ok {
			missing = append(missing, kind)
		}
	}
	return missing
}

// checkSourceKind applies the one-line rule to a source kind (a key of
// source_urls or an entry of required_source_kinds): each ends up in the log
// and in the sources map of state, so it holds no control characters and is
// at most handoff.MaxTagLength characters.
func checkSourceKind(kind string) error {
	return handoff.CheckText("source kind "+strconv.Quote(kind), kind)
}

// CheckEndpoint validates an AI API base URL with the same parser as source
// URLs. Plain http is refused unless the host is loopback or allowPlainHTTP
// is set, because the credential would otherwise cross the network in clear
// text.
func CheckEndpoint(raw string, allowPlainHTTP bool) error {
	u, err := sources.ParseHTTPURL(raw)
	if err != nil {
		return err
	}
	if u.Scheme == "http" && !allowPlainHTTP && !sources.IsLoopbackHost(u.Hostname()) {
		return fmt.Errorf("%s uses plain http to a non-loopback host; the API key would travel unencrypted. "+
			"Use https, or set allow_plain_http = true in the provider configuration", strconv.Quote(raw))
	}
	return nil
}

// isAllocationField reports whether name is one of handoff.AllocationFields.
func isAllocationField(name string) bool { return slices.Contains(handoff.AllocationFields, name) }

// allocationFromTags builds an Allocation from a tags map whose keys are
// matched case-insensitively and with surrounding space ignored (an exactly
// spelled key wins over a variant of it); keys that are not allocation
// fields are returned as unrecognised so nothing the user wrote is silently
// dropped.
func allocationFromTags(tags map[string]string) (handoff.Allocation, []string) {
	a := handoff.Allocation{}
	var unrecognised []string
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		name := strings.ToLower(strings.TrimSpace(k))
		switch {
		case !isAllocationField(name):
			unrecognised = append(unrecognised, k)
		case k == name || !hasKey(tags, name):
			a[name] = tags[k]
		}
	}
	return a, unrecognised
}

func hasKey(m map[string]string, k string) bool {
	_, ok := m[k]
	return ok
}

// MissingTags returns the core fields (owner, workload, environment: those
// the default policy requires) that are missing or placeholders in tags, for
// the missing_tags function.
func MissingTags(tags map[string]string) []string {
	a, _ := allocationFromTags(tags)
	return handoff.DefaultPolicy().CheckAllocation(a).Missing
}
