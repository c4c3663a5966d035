package main

import (
	"context"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

const (
	echoSuffix   = "_check_echo"
	echoTypeName = "noop" + echoSuffix
)

// echoServer answers every call for noop_check_echo with the least work the
// protocol allows: no validation, the stored state passed back as it came
// (JSON on upgrade, the current state on refresh), the proposed state as the
// plan and the planned state as the result. It holds whatever state it is
// given; make bench gives it copies of real handoffs, so that its plan costs
// what Terraform and the protocol cost for a handoff's state and nothing
// more.
type echoServer struct {
	tfprotov6.ProviderServer
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
