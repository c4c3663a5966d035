package handoff

import (
	"maps"
	"slices"
	"strings"
)

// Allocation field names, as used in required_tags, missing lists and the
// data source's tags map.
const (
	FieldOwner       = "owner"
	FieldWorkload    = "workload"
	FieldEnvironment = "environment"
	FieldProduct     = "product"
	FieldCostCenter  = "cost_center"
)

// AllocationFields lists every allocation field in the order people read them.
var AllocationFields = []string{FieldOwner, FieldWorkload, FieldEnvironment, FieldProduct, FieldCostCenter}

// coreFields are the fields every handoff needs and missing_tags checks.
var coreFields = []string{FieldOwner, FieldWorkload, FieldEnvironment}

// isAllocationField reports whether name is one of AllocationFields.
func isAllocationField(name string) bool { return slices.Contains(AllocationFields, name) }

// Allocation maps field name to value. A field that is absent or unknown to
// the caller is simply not in the map.
type Allocation map[string]string

// allocationFromTags builds an Allocation from a tags map whose keys are
// matched case-insensitively and with surrounding space ignored (an exactly
// spelled key wins over a variant of it); keys that are not allocation
// fields are returned as unrecognised so nothing the user wrote is silently
// dropped.
func allocationFromTags(tags map[string]string) (Allocation, []string) {
	a := Allocation{}
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

// Merge returns a copy of a with every entry of over on top: explicit
// arguments win over a tags map.
func (a Allocation) Merge(over Allocation) Allocation {
	out := maps.Clone(a)
	if out == nil {
		out = Allocation{}
	}
	maps.Copy(out, over)
	return out
}

// MissingTags returns the core fields that are missing or placeholders in
// tags, for the missing_tags function.
func MissingTags(tags map[string]string) []string {
	a, _ := allocationFromTags(tags)
	var missing []string
	for _, f := range coreFields {
		if isMissing(a[f]) {
			missing = append(missing, f)
		}
	}
	return missing
}
