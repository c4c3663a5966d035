package provider

import (
	"context"
	"maps"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/defaults"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

const checkTypeName = "costhandoff_check"

// NewProtocol6 returns the protocol server main.go serves: the framework's,
// behind fastPath.
func NewProtocol6(version string) func() tfprotov6.ProviderServer {
	return func() tfprotov6.ProviderServer { return newFastPath(newProvider(version)) }
}

// fastPath answers the two calls Terraform makes for every check on every
// plan, ReadResource and PlanResourceChange, when the framework's answer
// would be the check's state unchanged: the refresh of a check that does
// not watch its sources, and a plan with nothing to change or re-run. For
// each call the framework visits every attribute of the schema, several
// lookups per attribute that each copy the attribute map: most of the CPU
// time of a plan of many checks (bench/results/latest.md). Decoding the
// values once and reading the few that decide is enough here. Every other
// call, and every case this cannot settle, goes to the framework.
type fastPath struct {
	tfprotov6.ProviderServer
	provider  *costhandoffProvider
	schema    schema.Schema
	valueType tftypes.Type
	// defaults holds every argument's schema default: a plan from a
	// configuration that leaves the argument out moves it to its default.
	defaults map[string]tftypes.Value
}

func newFastPath(p *costhandoffProvider) *fastPath {
	ctx := context.Background()
	s := CheckResourceSchema()
	return &fastPath{
		ProviderServer: providerserver.NewProtocol6(p)(),
		provider:       p,
		schema:         s,
		valueType:      s.Type().TerraformType(ctx),
		defaults:       schemaDefaults(ctx, s),
	}
}

func (f *fastPath) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	if req.TypeName == checkTypeName {
		var watch bool
		if state, ok := f.attributes(req.CurrentState); ok && state["watch_sources"].As(&watch) == nil && !watch {
			return &tfprotov6.ReadResourceResponse{NewState: req.CurrentState, Private: req.Private}, nil
		}
	}
	return f.ProviderServer.ReadResource(ctx, req)
}

func (f *fastPath) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	if req.TypeName == checkTypeName && f.unchanged(ctx, req) {
		return &tfprotov6.PlanResourceChangeResponse{PlannedState: req.PriorState, PlannedPrivate: req.PriorPrivate}, nil
	}
	return f.ProviderServer.PlanResourceChange(ctx, req)
}

// unchanged reports that the plan of an existing check changes nothing:
// the proposed state is the prior one, every argument the configuration
// leaves out already holds what it resolves to, and no run is due.
func (f *fastPath) unchanged(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) bool {
	c := f.provider.configured.Load()
	prior, okPrior := f.attributes(req.PriorState)
	proposed, okProposed := f.attributes(req.ProposedNewState)
	config, okConfig := f.attributes(req.Config)
	if c == nil || !okPrior || !okProposed || !okConfig || !f.equalStored(proposed, prior) {
		return false
	}
	resolved := map[string]tftypes.Value{
		"operator":        tftypes.NewValue(tftypes.String, c.operator),
		"follow_up_owner": prior["owner_tag"],
	}
	maps.Copy(resolved, f.defaults)
	for name, v := range resolved {
		if config[name].IsNull() && !prior[name].Equal(v) {
			return false
		}
	}
	var enforcement string
	if prior["enforcement"].As(&enforcement) != nil {
		return false
	}
	run, diags := readRunState(ctx, tfsdk.State{Schema: f.schema, Raw: tftypes.NewValue(f.valueType, prior)})
	return !diags.HasError() && run.rerunCause(enforcement, c.now()) == ""
}

// equalStored compares what Terraform would store of two values: write-only
// attributes are never stored, so the configuration's values of them in
// the proposed state do not count.
func (f *fastPath) equalStored(proposed, prior map[string]tftypes.Value) bool {
	for name, v := range proposed {
		if !v.Equal(prior[name]) && !f.schema.Attributes[name].IsWriteOnly() {
			return false
		}
	}
	return len(proposed) == len(prior)
}

// attributes decodes a known, non-null costhandoff_check value; ok is
// false for anything else, which the framework then handles.
func (f *fastPath) attributes(v *tfprotov6.DynamicValue) (map[string]tftypes.Value, bool) {
	if v == nil {
		return nil, false
	}
	raw, err := v.Unmarshal(f.valueType)
	var attrs map[string]tftypes.Value
	if err != nil || raw.IsNull() || !raw.IsKnown() || raw.As(&attrs) != nil {
		return nil, false
	}
	return attrs, true
}

// schemaDefaults reads the default of every attribute that has one.
func schemaDefaults(ctx context.Context, s schema.Schema) map[string]tftypes.Value {
	out := map[string]tftypes.Value{}
	for name, a := range s.Attributes {
		var v interface {
			ToTerraformValue(ctx context.Context) (tftypes.Value, error)
		}
		switch a := a.(type) {
		case schema.StringAttribute:
			if a.Default != nil {
				var resp defaults.StringResponse
				a.Default.DefaultString(ctx, defaults.StringRequest{}, &resp)
				v = resp.PlanValue
			}
		case schema.BoolAttribute:
			if a.Default != nil {
				var resp defaults.BoolResponse
				a.Default.DefaultBool(ctx, defaults.BoolRequest{}, &resp)
				v = resp.PlanValue
			}
		case schema.Int64Attribute:
			if a.Default != nil {
				var resp defaults.Int64Response
				a.Default.DefaultInt64(ctx, defaults.Int64Request{}, &resp)
				v = resp.PlanValue
			}
		}
		if v == nil {
			continue
		}
		if tv, err := v.ToTerraformValue(ctx); err == nil {
			out[name] = tv
		}
	}
	return out
}
