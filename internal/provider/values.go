package provider

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/handoff"
)

// known is a value neither null nor unknown.
func known(v attr.Value) bool { return !v.IsNull() && !v.IsUnknown() }

func objectValue(ctx context.Context, t types.ObjectType, v any, diags *diag.Diagnostics) types.Object {
	o, d := types.ObjectValueFrom(ctx, t.AttrTypes, v)
	diags.Append(d...)
	return o
}

func mapValue(ctx context.Context, elem attr.Type, v any, diags *diag.Diagnostics) types.Map {
	m, d := types.MapValueFrom(ctx, elem, v)
	diags.Append(d...)
	return m
}

// stringList never returns null: an empty result is an empty list, so
// "nothing missing" reads differently from "not computed".
func stringList(values []string) types.List {
	elems := make([]attr.Value, len(values))
	for i, v := range values {
		elems[i] = types.StringValue(v)
	}
	return types.ListValueMust(types.StringType, elems)
}

// stringMap never returns null, like stringList.
func stringMap(values map[string]string) types.Map {
	elems := make(map[string]attr.Value, len(values))
	for k, v := range values {
		elems[k] = types.StringValue(v)
	}
	return types.MapValueMust(types.StringType, elems)
}

func optionalString(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

func optionalTime(t time.Time) types.String {
	if t.IsZero() {
		return types.StringNull()
	}
	return types.StringValue(t.UTC().Format(time.RFC3339))
}

func reasonStrings(reasons []handoff.Reason) []string {
	out := make([]string, len(reasons))
	for i, r := range reasons {
		out[i] = string(r)
	}
	return out
}

// stringOr returns the configured value, else the environment's, else def.
func stringOr(v types.String, env, def string) string {
	if s := v.ValueString(); known(v) && s != "" {
		return s
	}
	if env != "" {
		return env
	}
	return def
}

// overrideList replaces *dst with the list's values when it is configured.
func overrideList(ctx context.Context, l types.List, dst *[]string) diag.Diagnostics {
	if !known(l) {
		return nil
	}
	var values []string
	diags := l.ElementsAs(ctx, &values, false)
	*dst = values
	return diags
}

// stringMapOf is a map of strings as Go values; empty when null or unknown.
func stringMapOf(ctx context.Context, m types.Map) (map[string]string, diag.Diagnostics) {
	out := map[string]string{}
	if !known(m) {
		return out, nil
	}
	diags := m.ElementsAs(ctx, &out, false)
	return out, diags
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// allocationOf is the allocation the check and the data source both name
// by attribute; values null or unknown are left out.
func allocationOf(owner, workload, environment, product, costCenter types.String) handoff.Allocation {
	a := handoff.Allocation{}
	for field, v := range map[string]types.String{
		handoff.FieldOwner: owner, handoff.FieldWorkload: workload, handoff.FieldEnvironment: environment,
		handoff.FieldProduct: product, handoff.FieldCostCenter: costCenter,
	} {
		if known(v) {
			a[field] = v.ValueString()
		}
	}
	return a
}
