package provider

import (
	"context"
	"reflect"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

// A planned run leaves every computed attribute unknown but what the plan
// knows: the unknown results come from the schema, so none is missed.
func TestUnknownResultsCoverTheSchema(t *testing.T) {
	v := reflect.ValueOf(unknownResults)
	seen := map[string]bool{}
	for i := range v.NumField() {
		name := v.Type().Field(i).Tag.Get("tfsdk")
		seen[name] = true
		if a, _ := v.Field(i).Interface().(attr.Value); a == nil || !a.IsUnknown() {
			t.Errorf("%s is %v in a planned run, want unknown", name, a)
		}
	}
	for name := range checkComputed() {
		if !seen[name] {
			t.Errorf("computed attribute %s has no field in checkResults", name)
		}
	}
}

// Provider data of another type is this provider's bug: an error, never a
// resource that silently acts unconfigured.
func TestConfigureRefusesOtherProviderData(t *testing.T) {
	var rr resource.ConfigureResponse
	(&checkResource{}).Configure(context.Background(), resource.ConfigureRequest{ProviderData: "not provider data"}, &rr)
	var dr datasource.ConfigureResponse
	(&allocationDataSource{}).Configure(context.Background(), datasource.ConfigureRequest{ProviderData: 42}, &dr)
	for name, diags := range map[string]int{"resource": rr.Diagnostics.ErrorsCount(), "data source": dr.Diagnostics.ErrorsCount()} {
		if diags != 1 {
			t.Errorf("%s: %d errors, want 1", name, diags)
		}
	}
	var ok resource.ConfigureResponse
	r := &checkResource{}
	r.Configure(context.Background(), resource.ConfigureRequest{}, &ok)
	if ok.Diagnostics.HasError() || r.data != nil {
		t.Errorf("unconfigured provider: %v, data %v", ok.Diagnostics, r.data)
	}
}
