package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/rulebook"
)

// judge runs the rule book (rulebook.Judge) on a subject and turns each
// finding into a diagnostic on its attribute: the one loop every caller
// (provider, check, data source) runs. No rule lives here.
func judge(s rulebook.Subject) diag.Diagnostics {
	var diags diag.Diagnostics
	for _, f := range rulebook.Judge(s) {
		switch {
		case f.Path == rulebook.Path{} && f.Warning:
			diags.AddWarning(f.Summary, f.Detail)
		case f.Path == rulebook.Path{}:
			diags.AddError(f.Summary, f.Detail)
		case f.Warning:
			diags.AddAttributeWarning(pathOf(f.Path), f.Summary, f.Detail)
		default:
			diags.AddAttributeError(pathOf(f.Path), f.Summary, f.Detail)
		}
	}
	return diags
}

// pathOf is a finding's path as Terraform's: an attribute, or one element
// of a map attribute.
func pathOf(p rulebook.Path) path.Path {
	if p.HasKey {
		return path.Root(p.Attribute).AtMapKey(p.Key)
	}
	return path.Root(p.Attribute)
}

// inputOf is a value as the rule book reads it; any value that is not a
// string is rendered (a number, a duration, a bool).
func inputOf(v attr.Value) rulebook.Input {
	switch {
	case v == nil || v.IsNull():
		return rulebook.Input{}
	case v.IsUnknown():
		return rulebook.Input{Unknown: true}
	}
	if s, ok := v.(basetypes.StringValuable); ok {
		if sv, diags := s.ToStringValue(context.Background()); !diags.HasError() {
			return rulebook.Input{Value: sv.ValueString(), Given: true}
		}
	}
	return rulebook.Input{Value: v.String(), Given: true}
}

// mapInputOf is a map of strings as the rule book reads it.
func mapInputOf(m types.Map) rulebook.MapInput {
	in := rulebook.MapInput{Unknown: m.IsUnknown(), Elements: map[string]rulebook.Input{}}
	for k, v := range m.Elements() {
		in.Elements[k] = inputOf(v)
	}
	return in
}

// stringInputs are the string arguments among args, by attribute name.
func stringInputs(args map[string]attr.Value) map[string]rulebook.Input {
	out := map[string]rulebook.Input{}
	for name, v := range args {
		if _, ok := v.(basetypes.StringValuable); ok {
			out[name] = inputOf(v)
		}
	}
	return out
}
