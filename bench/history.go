package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	costhandoff "github.com/costhandoff/terraform-provider-costhandoff/internal/provider"
)

// Building a full history with the CLI means one apply per round, and
// Terraform writes the whole state after each resource it changes, so the
// cost grows with the square of the checks. So the history is made in this
// process instead, through the provider's own protocol server: each check
// of an applied workspace is re-run round after round with the
// PlanResourceChange and ApplyResourceChange calls Terraform would make,
// and its state becomes what the provider returned. Nothing of a check's
// state is written here: the attributes are the provider's answer, in
// whatever shape its schema has, and the timed plans of the result must be
// empty, which proves the state is the one the configuration makes.

// inProcess is one configured provider server and the check's schema.
type inProcess struct {
	server   tfprotov6.ProviderServer
	schema   *tfprotov6.Schema
	resource tftypes.Object
}

// checkType is the resource the bench measures.
const checkType = "costhandoff_check"

// newInProcess serves the provider in this process, configured as the
// bench's configurations configure it: the environment the CLI runs get
// (endpoint, key, operator) and max_concurrent_checks.
func newInProcess(ctx context.Context, env []string, maxConcurrent int) (*inProcess, error) {
	// The provider reads its defaults from the environment, as it does
	// under the CLI: give it the CLI runs' COSTHANDOFF_ variables only.
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "COSTHANDOFF_") {
			os.Unsetenv(name)
		}
	}
	for _, kv := range env {
		if name, value, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "COSTHANDOFF_") {
			os.Setenv(name, value)
		}
	}
	server := costhandoff.NewProtocol6("bench")()
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		return nil, err
	}
	if err := diagErr("GetProviderSchema", schemas.Diagnostics); err != nil {
		return nil, err
	}
	schema := schemas.ResourceSchemas[checkType]
	if schema == nil {
		return nil, fmt.Errorf("the provider serves no %s", checkType)
	}
	resource, ok := schema.ValueType().(tftypes.Object)
	if !ok {
		return nil, fmt.Errorf("%s: the schema is not an object", checkType)
	}
	providerType, ok := schemas.Provider.ValueType().(tftypes.Object)
	if !ok {
		return nil, errors.New("the provider's schema is not an object")
	}
	config, err := dynamic(providerType, objectWith(providerType, map[string]tftypes.Value{
		"max_concurrent_checks": tftypes.NewValue(tftypes.Number, big.NewFloat(float64(maxConcurrent))),
	}))
	if err != nil {
		return nil, err
	}
	configured, err := server.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{Config: config})
	if err != nil {
		return nil, err
	}
	if err := diagErr("ConfigureProvider", configured.Diagnostics); err != nil {
		return nil, err
	}
	return &inProcess{server: server, schema: schema, resource: resource}, nil
}

// rerunState re-runs every check of dir's state once per round of rounds,
// workers at a time, and writes the results back into dir's state, each
// instance's attributes and private data as the provider returned them.
// config gives a check's configuration at a round as the arguments it sets.
func (p *inProcess) rerunState(ctx context.Context, dir string, rounds []int, workers int, config func(index, round int) map[string]tftypes.Value) error {
	st, resources, _, err := readState(dir)
	if err != nil {
		return err
	}
	for _, r := range resources { // a resource is a map: writing into r writes into resources
		if r.str("type") != checkType {
			continue
		}
		instances, err := r.instances()
		if err != nil {
			return fmt.Errorf("%s: %w", dir, err)
		}
		jobs := make(chan int)
		errs := make(chan error, len(instances))
		var wg sync.WaitGroup
		for range min(workers, len(instances)) {
			wg.Go(func() {
				for i := range jobs {
					errs <- p.rerunInstance(ctx, instances[i], rounds, config)
				}
			})
		}
		for i := range instances {
			jobs <- i
		}
		close(jobs)
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				return fmt.Errorf("%s: %w", dir, err)
			}
		}
		if r["instances"], err = json.Marshal(instances); err != nil {
			return err
		}
	}
	return saveState(dir, st, resources)
}

// rerunInstance takes one instance of the state through the rounds and
// leaves the provider's last answer in it.
func (p *inProcess) rerunInstance(ctx context.Context, inst map[string]json.RawMessage, rounds []int, config func(index, round int) map[string]tftypes.Value) error {
	var index, version int
	if err := json.Unmarshal(inst["index_key"], &index); err != nil {
		return fmt.Errorf("index_key: %w", err)
	}
	if raw, ok := inst["schema_version"]; ok {
		if err := json.Unmarshal(raw, &version); err != nil {
			return fmt.Errorf("schema_version: %w", err)
		}
	}
	var private []byte
	if raw, ok := inst["private"]; ok {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return fmt.Errorf("private: %w", err)
		}
		var err error
		if private, err = base64.StdEncoding.DecodeString(s); err != nil {
			return fmt.Errorf("private: %w", err)
		}
	}
	upgraded, err := p.server.UpgradeResourceState(ctx, &tfprotov6.UpgradeResourceStateRequest{
		TypeName: checkType, Version: int64(version), RawState: &tfprotov6.RawState{JSON: inst["attributes"]},
	})
	if err != nil {
		return err
	}
	if err := diagErr("UpgradeResourceState", upgraded.Diagnostics); err != nil {
		return err
	}
	state := upgraded.UpgradedState
	for _, round := range rounds {
		if state, private, err = p.rerun(ctx, state, private, config(index, round)); err != nil {
			return fmt.Errorf("check %d, round %d: %w", index, round, err)
		}
	}
	value, err := state.Unmarshal(p.resource)
	if err != nil {
		return err
	}
	attrs, err := toJSON(value)
	if err != nil {
		return err
	}
	if inst["attributes"], err = json.Marshal(attrs); err != nil {
		return err
	}
	if len(private) > 0 {
		inst["private"], _ = json.Marshal(base64.StdEncoding.EncodeToString(private))
	} else {
		delete(inst, "private")
	}
	return nil
}

// rerun plans and applies one check from its prior state to the
// configuration that sets args, as Terraform does: the proposed new state
// is the configuration, with every computed attribute the configuration
// leaves null taken from the prior state.
func (p *inProcess) rerun(ctx context.Context, prior *tfprotov6.DynamicValue, private []byte, args map[string]tftypes.Value) (*tfprotov6.DynamicValue, []byte, error) {
	priorValue, err := prior.Unmarshal(p.resource)
	if err != nil {
		return nil, nil, err
	}
	var priorAttrs map[string]tftypes.Value
	if err := priorValue.As(&priorAttrs); err != nil {
		return nil, nil, err
	}
	configValue := objectWith(p.resource, args)
	proposedAttrs := map[string]tftypes.Value{}
	for _, a := range p.schema.Block.Attributes {
		if v := args[a.Name]; a.Computed && (v.Type() == nil || v.IsNull()) {
			proposedAttrs[a.Name] = priorAttrs[a.Name]
		}
	}
	for name, v := range args {
		proposedAttrs[name] = v
	}
	config, err := dynamic(p.resource, configValue)
	if err != nil {
		return nil, nil, err
	}
	proposed, err := dynamic(p.resource, objectWith(p.resource, proposedAttrs))
	if err != nil {
		return nil, nil, err
	}
	planned, err := p.server.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{
		TypeName: checkType, PriorState: prior, ProposedNewState: proposed, Config: config, PriorPrivate: private,
	})
	if err != nil {
		return nil, nil, err
	}
	if err := diagErr("PlanResourceChange", planned.Diagnostics); err != nil {
		return nil, nil, err
	}
	applied, err := p.server.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{
		TypeName: checkType, PriorState: prior, PlannedState: planned.PlannedState, Config: config, PlannedPrivate: planned.PlannedPrivate,
	})
	if err != nil {
		return nil, nil, err
	}
	if err := diagErr("ApplyResourceChange", applied.Diagnostics); err != nil {
		return nil, nil, err
	}
	return applied.NewState, applied.Private, nil
}

// objectWith is an object of typ with the attributes of set and every
// other attribute null.
func objectWith(typ tftypes.Object, set map[string]tftypes.Value) tftypes.Value {
	attrs := make(map[string]tftypes.Value, len(typ.AttributeTypes))
	for name, t := range typ.AttributeTypes {
		if v, ok := set[name]; ok && v.Type() != nil {
			attrs[name] = v
		} else {
			attrs[name] = tftypes.NewValue(t, nil)
		}
	}
	return tftypes.NewValue(typ, attrs)
}

func dynamic(typ tftypes.Type, v tftypes.Value) (*tfprotov6.DynamicValue, error) {
	dv, err := tfprotov6.NewDynamicValue(typ, v)
	return &dv, err
}

// diagErr is the error diagnostics of an RPC, if any.
func diagErr(call string, diags []*tfprotov6.Diagnostic) error {
	var msgs []string
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			msgs = append(msgs, d.Summary+": "+d.Detail)
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	return fmt.Errorf("%s: %s", call, strings.Join(msgs, "; "))
}

// toJSON is v as the state file holds it.
func toJSON(v tftypes.Value) (any, error) {
	if !v.IsKnown() {
		return nil, errors.New("an unknown value in an applied state")
	}
	if v.IsNull() {
		return nil, nil
	}
	switch t := v.Type(); {
	case t.Is(tftypes.String):
		var s string
		err := v.As(&s)
		return s, err
	case t.Is(tftypes.Bool):
		var b bool
		err := v.As(&b)
		return b, err
	case t.Is(tftypes.Number):
		f := new(big.Float)
		if err := v.As(&f); err != nil {
			return nil, err
		}
		if f.IsInt() {
			i, _ := f.Int(nil)
			return json.Number(i.String()), nil
		}
		x, _ := f.Float64()
		return json.Number(strconv.FormatFloat(x, 'g', -1, 64)), nil
	case t.Is(tftypes.List{}), t.Is(tftypes.Set{}), t.Is(tftypes.Tuple{}):
		var elems []tftypes.Value
		if err := v.As(&elems); err != nil {
			return nil, err
		}
		out := make([]any, 0, len(elems))
		for _, e := range elems {
			j, err := toJSON(e)
			if err != nil {
				return nil, err
			}
			out = append(out, j)
		}
		return out, nil
	case t.Is(tftypes.Map{}), t.Is(tftypes.Object{}):
		var elems map[string]tftypes.Value
		if err := v.As(&elems); err != nil {
			return nil, err
		}
		out := make(map[string]any, len(elems))
		for k, e := range elems {
			j, err := toJSON(e)
			if err != nil {
				return nil, err
			}
			out[k] = j
		}
		return out, nil
	default:
		return nil, fmt.Errorf("a value of type %s the bench cannot write", t)
	}
}
