package handoff

import "maps"

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

// Allocation maps field name to value. A field that is absent or unknown to
// the caller is simply not in the map.
type Allocation map[string]string

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
