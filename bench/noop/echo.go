package main

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

const (
	checkTypeName = "costhandoff_check"
	echoTypeName  = "noop_check_echo"
)

// echoServer is the noop provider's server with one more resource,
// noop_check_echo: costhandoff_check's schema, taken from costhandoff's own
// server (so this command needs nothing of the provider package but its
// constructor), and every call for it answered with the least work the
// protocol allows: no validation, the stored state passed back as it came
// (JSON on upgrade, the current state on refresh), the proposed state as
// the plan and the planned state as the result. It holds whatever state it
// is given; make bench gives it copies of real handoffs, so that its plan
// costs what Terraform and the protocol cost for a handoff's state and
// nothing more.
type echoServer struct {
	tfprotov6.ProviderServer
	checkSchema *tfprotov6.Schema
}

func newEchoServer(noop, costhandoff tfprotov6.ProviderServer) (*echoServer, error) {
	resp, err := costhandoff.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		return nil, err
	}
	for _, d := range resp.Diagnostics {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			return nil, fmt.Errorf("costhandoff's schema: %s: %s", d.Summary, d.Detail)
		}
	}
	s := resp.ResourceSchemas[checkTypeName]
	if s == nil {
		return nil, errors.New("costhandoff serves no " + checkTypeName + " schema")
	}
	return &echoServer{ProviderServer: noop, checkSchema: s}, nil
}

func (s *echoServer) GetMetadata(ctx context.Context, req *tfprotov6.GetMetadataRequest) (*tfprotov6.GetMetadataResponse, error) {
	resp, err := s.ProviderServer.GetMetadata(ctx, req)
	if resp != nil {
		resp.Resources = append(resp.Resources, tfprotov6.ResourceMetadata{TypeName: echoTypeName})
	}
	return resp, err
}

func (s *echoServer) GetProviderSchema(ctx context.Context, req *tfprotov6.GetProviderSchemaRequest) (*tfprotov6.GetProviderSchemaResponse, error) {
	resp, err := s.ProviderServer.GetProviderSchema(ctx, req)
	if resp != nil {
		schemas := maps.Clone(resp.ResourceSchemas)
		if schemas == nil {
			schemas = map[string]*tfprotov6.Schema{}
		}
		schemas[echoTypeName] = s.checkSchema
		resp.ResourceSchemas = schemas
	}
	return resp, err
}

func (s *echoServer) ValidateResourceConfig(ctx context.Context, req *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	if req.TypeName == echoTypeName {
		return &tfprotov6.ValidateResourceConfigResponse{}, nil
	}
	return s.ProviderServer.ValidateResourceConfig(ctx, req)
}

func (s *echoServer) UpgradeResourceState(ctx context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	if req.TypeName == echoTypeName && req.RawState != nil {
		return &tfprotov6.UpgradeResourceStateResponse{UpgradedState: &tfprotov6.DynamicValue{JSON: req.RawState.JSON}}, nil
	}
	return s.ProviderServer.UpgradeResourceState(ctx, req)
}

func (s *echoServer) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	if req.TypeName == echoTypeName {
		return &tfprotov6.ReadResourceResponse{NewState: req.CurrentState, Private: req.Private}, nil
	}
	return s.ProviderServer.ReadResource(ctx, req)
}

func (s *echoServer) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	if req.TypeName == echoTypeName {
		return &tfprotov6.PlanResourceChangeResponse{PlannedState: req.ProposedNewState, PlannedPrivate: req.PriorPrivate}, nil
	}
	return s.ProviderServer.PlanResourceChange(ctx, req)
}

func (s *echoServer) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	if req.TypeName == echoTypeName {
		return &tfprotov6.ApplyResourceChangeResponse{NewState: req.PlannedState, Private: req.PlannedPrivate}, nil
	}
	return s.ProviderServer.ApplyResourceChange(ctx, req)
}
