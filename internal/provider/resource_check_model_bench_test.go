package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// The model's codec (fromTerraform, toTerraform) against the framework's
// Get and Set through tfsdk.State, reading and writing one applied state:
// the figures DESIGN.md gives under "Served through the framework". Every
// plan reads a check's configuration, plan and state and writes its plan.
func BenchmarkModelIO(b *testing.B) {
	h := newProtocolHarness(b)
	state := h.apply(h.null(), h.config(map[string]tftypes.Value{"extra_body_json": str(`{"a": 1}`), "review_interval_days": num(30)}))
	b.Run("codec", func(b *testing.B) {
		for b.Loop() {
			var m checkModel
			if err := m.fromTerraform(h.ctx, state); err != nil {
				b.Fatal(err)
			}
			if _, err := m.toTerraform(h.ctx, h.valueType); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("framework", func(b *testing.B) {
		schema := checkResourceSchema()
		for b.Loop() {
			var m checkModel
			if d := (tfsdk.State{Raw: state, Schema: schema}).Get(h.ctx, &m); d.HasError() {
				b.Fatal(d)
			}
			out := tfsdk.State{Raw: tftypes.NewValue(h.valueType, nil), Schema: schema}
			if d := out.Set(h.ctx, m); d.HasError() {
				b.Fatal(d)
			}
		}
	})
}
