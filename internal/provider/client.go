package provider

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/handoff"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/probe"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/sources"
)

// client is the provider's configuration resolved once, shared by every
// resource and data source: defaults for each check, the allocation policy,
// and one runner whose probe holds the provider-wide concurrency limit.
type client struct {
	endpoint       string
	apiKey         string
	protocol       probe.Protocol
	operator       string
	allowPlainHTTP bool
	policy         handoff.Policy
	runner         handoff.Runner
	now            func() time.Time
}

func (p *costhandoffProvider) newClient(ctx context.Context, m providerModel) (*client, diag.Diagnostics) {
	var diags diag.Diagnostics
	c := &client{
		endpoint:       stringOr(m.Endpoint, p.getenv(EnvEndpoint), DefaultEndpoint),
		apiKey:         stringOr(m.APIKey, p.getenv(EnvAPIKey), ""),
		protocol:       probe.Protocol(stringOr(m.APIProtocol, "", string(probe.OpenAIChat))),
		operator:       stringOr(m.Operator, p.getenv(EnvOperator), ""),
		allowPlainHTTP: m.AllowPlainHTTP.ValueBool(),
		now:            p.now,
	}
	if err := handoff.CheckEndpoint(c.endpoint, c.allowPlainHTTP); err != nil {
		diags.AddAttributeError(path.Root("endpoint"), "Invalid endpoint", err.Error())
	}
	timeout := DefaultRequestTimeout
	if s := m.RequestTimeout.ValueString(); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			diags.AddAttributeError(path.Root("request_timeout"), "Invalid request_timeout", durationHint(s))
		}
		timeout = d
	}
	maxConcurrent := int64(DefaultMaxConcurrent)
	if !m.MaxConcurrentChecks.IsNull() && !m.MaxConcurrentChecks.IsUnknown() {
		maxConcurrent = m.MaxConcurrentChecks.ValueInt64()
		if maxConcurrent < 1 {
			diags.AddAttributeError(path.Root("max_concurrent_checks"), "Invalid max_concurrent_checks", "must be at least 1")
		}
	}
	c.policy = handoff.DefaultPolicy()
	diags.Append(overrideList(ctx, m.RequiredTags, &c.policy.RequiredTags)...)
	diags.Append(overrideList(ctx, m.AllowedEnvironments, &c.policy.AllowedEnvironments)...)
	diags.Append(overrideList(ctx, m.RequiredSourceKinds, &c.policy.RequiredSourceKinds)...)

	transport := p.transport
	if transport == nil {
		t, err := probe.NewTransport(m.CACertPEM.ValueString())
		if err != nil {
			diags.AddAttributeError(path.Root("ca_cert_pem"), "Invalid ca_cert_pem", err.Error())
		}
		transport = t
	}
	if diags.HasError() {
		return nil, diags
	}
	c.runner = handoff.Runner{
		Probe: probe.NewClient(probe.Options{Transport: transport, Timeout: timeout, MaxConcurrent: int(maxConcurrent)}),
		// Source pages never use the endpoint's extra CA: they are public.
		Sources: sources.NewFetcher(sources.Options{Now: p.now, Transport: p.transport}),
		Policy:  c.policy,
		Now:     p.now,
	}
	return c, diags
}

// stringOr returns the configured value, else the environment's, else def.
func stringOr(v types.String, env, def string) string {
	if s := v.ValueString(); !v.IsNull() && !v.IsUnknown() && s != "" {
		return s
	}
	if env != "" {
		return env
	}
	return def
}

// overrideList replaces *dst with the list's values when it is configured.
func overrideList(ctx context.Context, l types.List, dst *[]string) diag.Diagnostics {
	if l.IsNull() || l.IsUnknown() {
		return nil
	}
	var values []string
	diags := l.ElementsAs(ctx, &values, false)
	*dst = values
	return diags
}
