package provider

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/handoff"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/ledger"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/probe"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/rulebook"
)

// providerData is the provider's configuration resolved once and shared by
// every resource and data source: the defaults each check inherits, and
// one runner whose probe holds the provider-wide limit on checks in flight
// and whose policy is the allocation policy in force.
type providerData struct {
	endpoint       string
	apiKey         string
	protocol       probe.Protocol
	operator       string
	allowPlainHTTP bool
	ledgerToken    string // "" without a ledger; kept to mask it in logs
	// ledger is what a run's ledger confirmation is read from: a change
	// re-runs the check.
	ledger ledgerSetting
	// ledgerEndpointSet: ledger_endpoint was configured, not derived from
	// endpoint.
	ledgerEndpointSet bool
	// ledgerDesc is how the configured ledger describes itself; zero without one.
	ledgerDesc ledger.Descriptor
	runner     handoff.Runner
}

// policyOf is the policy in force: the default one before the provider is
// configured (terraform validate).
func (d *providerData) policyOf() handoff.Policy {
	if d == nil {
		return handoff.DefaultPolicy()
	}
	return d.runner.Policy
}

func (d *providerData) ledgerConfigured() bool { return d.runner.Ledger != nil }

// settings is what the rule book knows of the provider: nil before it is
// configured (terraform validate).
func (d *providerData) settings() *rulebook.ProviderSettings {
	if d == nil {
		return nil
	}
	return &rulebook.ProviderSettings{
		Endpoint: d.endpoint, AllowPlainHTTP: d.allowPlainHTTP, APIKey: d.apiKey, Operator: d.operator,
		Policy: d.runner.Policy, LedgerAPI: d.ledger.API, LedgerToken: d.ledgerToken,
		LedgerEndpoint: d.ledger.Endpoint, LedgerEndpointSet: d.ledgerEndpointSet, LedgerKeyID: d.ledger.KeyID,
	}
}

// providerDataOf is the provider's data a resource or data source is
// configured with: nil before the provider is configured, and an error, as
// hashicorp/time reports it, when the value is of another type (a bug of
// this provider, never of a configuration).
func providerDataOf(v any, diags *diag.Diagnostics) *providerData {
	if v == nil {
		return nil
	}
	d, ok := v.(*providerData)
	if !ok {
		diags.AddError("Unexpected provider data type",
			fmt.Sprintf("Expected *providerData, got %T. Please report this issue to the provider developers.", v))
	}
	return d
}
