package provider

import (
	"context"
	"maps"
	"math/big"

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

// fastPath answers the calls Terraform makes for every check on every plan
// and apply when the answer follows from a few values: the upgrade of a
// state stored at the current schema version (re-encoded), the refresh of a
// check that does not watch its sources (its state unchanged), the plan of
// an existing check with nothing to change or re-run (its state unchanged),
// and the plan of a new check (its configuration with the arguments left
// out resolved and the results unknown). For each call the framework visits
// every attribute of the schema, several lookups per attribute that each
// copy the attribute map: most of the provider's CPU time in a plan or
// apply of many checks (bench/results/latest.md). Every other call, and
// every case this cannot settle, goes to the framework;
// fast_path_test.go checks the answers against the framework's.
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

// UpgradeResourceState at the current version only re-encodes the stored
// state, as the framework does, minus its walk for blocks the schema does
// not have. Older versions go to the framework's upgraders.
func (f *fastPath) UpgradeResourceState(ctx context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	if req.TypeName == checkTypeName && req.Version == checkSchemaVersion && req.RawState != nil {
		stored, err := req.RawState.UnmarshalWithOpts(f.valueType, tfprotov6.UnmarshalOpts{
			ValueFromJSONOpts: tftypes.ValueFromJSONOpts{IgnoreUndefinedAttributes: true}})
		if err == nil {
			if upgraded, err := tfprotov6.NewDynamicValue(f.valueType, stored); err == nil {
				return &tfprotov6.UpgradeResourceStateResponse{UpgradedState: &upgraded}, nil
			}
		}
	}
	return f.ProviderServer.UpgradeResourceState(ctx, req)
}

func (f *fastPath) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	if req.TypeName == checkTypeName {
		var watch bool
		if state, ok := f.attributes(req.CurrentState); ok && f.storable(state) && state["watch_sources"].As(&watch) == nil && !watch {
			return &tfprotov6.ReadResourceResponse{NewState: req.CurrentState, Private: req.Private}, nil
		}
	}
	return f.ProviderServer.ReadResource(ctx, req)
}

func (f *fastPath) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	if req.TypeName == checkTypeName {
		if planned, ok := f.plan(ctx, req); ok {
			return &tfprotov6.PlanResourceChangeResponse{PlannedState: planned, PlannedPrivate: req.PriorPrivate}, nil
		}
	}
	return f.ProviderServer.PlanResourceChange(ctx, req)
}

// plan answers the plan of a new check, and of an existing one that
// changes nothing; ok is false for any other plan.
func (f *fastPath) plan(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.DynamicValue, bool) {
	c := f.provider.configured.Load()
	if c == nil {
		return nil, false
	}
	config, okConfig := f.attributes(req.Config)
	prior, okPrior := f.decode(req.PriorState)
	if !okConfig || !okPrior {
		return nil, false
	}
	if prior.IsNull() {
		return f.planCreate(config, c)
	}
	return req.PriorState, f.unchanged(ctx, prior, req.ProposedNewState, config, c)
}

// planCreate plans a new check: each argument as configured or, left out,
// as it resolves; every result unknown until apply; write-only arguments
// null, since Terraform never stores them.
func (f *fastPath) planCreate(config map[string]tftypes.Value, c *client) (*tfprotov6.DynamicValue, bool) {
	resolved := f.resolved(c, config["owner_tag"])
	planned := make(map[string]tftypes.Value, len(config))
	for name, a := range f.schema.Attributes {
		v := config[name]
		switch {
		case a.IsWriteOnly():
			v = tftypes.NewValue(v.Type(), nil)
		case !a.IsComputed():
		case !a.IsOptional():
			v = tftypes.NewValue(v.Type(), tftypes.UnknownValue)
		case v.IsNull():
			r, known := resolved[name]
			if !known {
				return nil, false
			}
			v = r
		}
		planned[name] = v
	}
	dv, err := tfprotov6.NewDynamicValue(f.valueType, tftypes.NewValue(f.valueType, planned))
	return &dv, err == nil
}

// unchanged reports that the plan of an existing check changes nothing:
// the proposed state is the prior one, every argument the configuration
// leaves out already holds what it resolves to, and no run is due.
func (f *fastPath) unchanged(ctx context.Context, priorValue tftypes.Value, proposedNewState *tfprotov6.DynamicValue, config map[string]tftypes.Value, c *client) bool {
	prior, okPrior := attributesOf(priorValue)
	proposed, okProposed := f.attributes(proposedNewState)
	if !okPrior || !okProposed || !f.storable(prior) || !historyWithinLimit(prior) || !f.equalStored(proposed, prior) {
		return false
	}
	for name, v := range f.resolved(c, prior["owner_tag"]) {
		if config[name].IsNull() && !prior[name].Equal(v) {
			return false
		}
	}
	var enforcement string
	if prior["enforcement"].As(&enforcement) != nil {
		return false
	}
	run, diags := readRunState(ctx, tfsdk.State{Schema: f.schema, Raw: priorValue})
	return !diags.HasError() && run.rerunCause(enforcement, c.now()) == ""
}

// resolved is what each optional argument that Terraform may compute
// resolves to when the configuration leaves it out.
func (f *fastPath) resolved(c *client, owner tftypes.Value) map[string]tftypes.Value {
	resolved := map[string]tftypes.Value{
		"operator":        tftypes.NewValue(tftypes.String, c.operator),
		"follow_up_owner": owner,
	}
	maps.Copy(resolved, f.defaults)
	return resolved
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

// storable reports that a state holds no write-only value, which
// Terraform never stores and the framework would null.
func (f *fastPath) storable(state map[string]tftypes.Value) bool {
	for name, a := range f.schema.Attributes {
		if a.IsWriteOnly() && !state[name].IsNull() {
			return false
		}
	}
	return true
}

// historyWithinLimit reports that the stored history needs no trimming to
// history_limit, as ModifyPlan would do; only a state written by something
// else than this provider's runs can need it.
func historyWithinLimit(state map[string]tftypes.Value) bool {
	var history []tftypes.Value
	var limit big.Float
	if state["history"].As(&history) != nil || state["history_limit"].As(&limit) != nil {
		return false
	}
	n, _ := limit.Int64()
	return int64(len(history)) <= n
}

// attributes decodes a known, non-null costhandoff_check value; ok is
// false for anything else, which the framework then handles.
func (f *fastPath) attributes(v *tfprotov6.DynamicValue) (map[string]tftypes.Value, bool) {
	raw, ok := f.decode(v)
	if !ok {
		return nil, false
	}
	return attributesOf(raw)
}

// decode reads a costhandoff_check value; ok is false when it cannot.
func (f *fastPath) decode(v *tfprotov6.DynamicValue) (tftypes.Value, bool) {
	if v == nil {
		return tftypes.Value{}, false
	}
	raw, err := v.Unmarshal(f.valueType)
	return raw, err == nil
}

// attributesOf is the attributes of a known, non-null object.
func attributesOf(object tftypes.Value) (map[string]tftypes.Value, bool) {
	var attrs map[string]tftypes.Value
	if object.IsNull() || !object.IsKnown() || object.As(&attrs) != nil {
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
