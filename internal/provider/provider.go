// Package provider is the Terraform glue of costhandoff: schemas, plan
// modifiers, CRUD and diagnostics. The domain lives in internal/handoff,
// internal/probe and internal/sources; this package converts between
// Terraform values and their plain Go types at its edge.
package provider

import (
	"context"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/handoff"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/probe"
)

// Environment variables read when the matching argument is not configured.
const (
	EnvEndpoint = "COSTHANDOFF_ENDPOINT"
	EnvAPIKey   = "COSTHANDOFF_API_KEY"
	EnvOperator = "COSTHANDOFF_OPERATOR"
)

// Defaults of SPEC section 2.
const (
	DefaultEndpoint       = "https://api.cometapi.com/v1"
	DefaultRequestTimeout = 30 * time.Second
	DefaultMaxConcurrent  = 4
)

var (
	_ provider.Provider                   = (*costhandoffProvider)(nil)
	_ provider.ProviderWithFunctions      = (*costhandoffProvider)(nil)
	_ provider.ProviderWithValidateConfig = (*costhandoffProvider)(nil)
)

// costhandoffProvider serves the provider. now and transport are injected
// so tests control the clock and the network.
type costhandoffProvider struct {
	version   string
	now       func() time.Time
	transport http.RoundTripper // nil: built from ca_cert_pem
	getenv    func(string) string
	// configured is the client of the last successful Configure, read by
	// fastPath outside the framework.
	configured atomic.Pointer[client]
}

func newProvider(version string) *costhandoffProvider {
	return &costhandoffProvider{version: version, now: time.Now, getenv: os.Getenv}
}

type providerModel struct {
	Endpoint            types.String `tfsdk:"endpoint"`
	APIKey              types.String `tfsdk:"api_key"`
	APIProtocol         types.String `tfsdk:"api_protocol"`
	Operator            types.String `tfsdk:"operator"`
	RequestTimeout      types.String `tfsdk:"request_timeout"`
	MaxConcurrentChecks types.Int64  `tfsdk:"max_concurrent_checks"`
	RequiredTags        types.List   `tfsdk:"required_tags"`
	AllowedEnvironments types.List   `tfsdk:"allowed_environments"`
	RequiredSourceKinds types.List   `tfsdk:"required_source_kinds"`
	CACertPEM           types.String `tfsdk:"ca_cert_pem"`
	AllowPlainHTTP      types.Bool   `tfsdk:"allow_plain_http"`
}

func (p *costhandoffProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "costhandoff"
	resp.Version = p.version
}

func (p *costhandoffProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Runs cost-handoff smoke tests against AI APIs (CometAPI and other OpenAI-compatible gateways, " +
			"OpenAI, Anthropic, Gemini) and keeps the handoff record in Terraform state.",
		Attributes: map[string]schema.Attribute{
			"endpoint": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Base URL of the AI API. Defaults to the `" + EnvEndpoint + "` environment variable, else `" +
					DefaultEndpoint + "`. Plain `http://` is refused unless the host is loopback or `allow_plain_http` is true.",
			},
			"api_key": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				MarkdownDescription: "The approved credential used for the happy path. Defaults to the `" + EnvAPIKey +
					"` environment variable. Never stored in state or logged. Prefer the resource's write-only `api_key_wo` " +
					"or the environment variable.",
			},
			"api_protocol": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "API shape: " + codeList(probe.ProtocolNames()) + ". Defaults to `openai_chat`.",
				Validators:          []validator.String{stringvalidator.OneOf(probe.ProtocolNames()...)},
			},
			"operator": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Team or role running the checks, recorded in every handoff. Defaults to the `" + EnvOperator + "` environment variable.",
			},
			"request_timeout": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Timeout of each smoke-test request, as a Go duration such as `30s` or `1m30s`. Defaults to `30s`.",
				Validators:          []validator.String{durationValidator{}},
			},
			"max_concurrent_checks": schema.Int64Attribute{
				Optional:            true,
				MarkdownDescription: "How many smoke tests may be in flight at once across every `costhandoff_check` of this provider. Defaults to 4.",
				Validators:          []validator.Int64{int64validator.AtLeast(1)},
			},
			"required_tags": schema.ListAttribute{
				Optional:    true,
				ElementType: types.StringType,
				MarkdownDescription: "Allocation fields every handoff must carry, any of " + codeList(handoff.AllocationFields) +
					". Defaults to `[\"owner\", \"workload\", \"environment\"]`.",
				Validators: []validator.List{listvalidator.ValueStringsAre(stringvalidator.OneOf(handoff.AllocationFields...)), listvalidator.UniqueValues()},
			},
			"allowed_environments": schema.ListAttribute{
				Optional:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "If set, every handoff's `environment` must be one of these. Unset allows any environment.",
				Validators:          []validator.List{listvalidator.SizeAtLeast(1), listvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1))},
			},
			"required_source_kinds": schema.ListAttribute{
				Optional:    true,
				ElementType: types.StringType,
				MarkdownDescription: "Keys that every handoff's `source_urls` must have. Defaults to " +
					"`[\"pricing\", \"support\", \"allocation\", \"unit_economics\"]`.",
				Validators: []validator.List{listvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1)), listvalidator.UniqueValues()},
			},
			"ca_cert_pem": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "PEM-encoded CA certificate trusted for the endpoint in addition to the system roots. TLS is always verified.",
				Validators:          []validator.String{caCertValidator{}},
			},
			"allow_plain_http": schema.BoolAttribute{
				Optional:            true,
				MarkdownDescription: "Allow a plain `http://` endpoint to a non-loopback host. Defaults to false: the API key would travel unencrypted.",
			},
		},
	}
}

func (p *costhandoffProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	// Like the framework's copy for the resources, this configuration's
	// client replaces the last one even when there is none yet: a server
	// serving several commands (-debug) is configured once per command.
	p.configured.Store(nil)
	var m providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// Values that depend on other resources are unknown during plan;
	// Terraform configures the provider again with them known before apply,
	// so plan-time checks that need the provider simply wait until then.
	if !req.Config.Raw.IsFullyKnown() {
		return
	}
	c, diags := p.newClient(ctx, m)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.ResourceData = c
	resp.DataSourceData = c
	p.configured.Store(c)
}

func (p *costhandoffProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{newCheckResource}
}

func (p *costhandoffProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{newAllocationDataSource}
}

func (p *costhandoffProvider) Functions(context.Context) []func() function.Function {
	return []func() function.Function{newMissingTagsFunction}
}

// ValidateConfig checks at plan time what needs more than one argument.
func (p *costhandoffProvider) ValidateConfig(ctx context.Context, req provider.ValidateConfigRequest, resp *provider.ValidateConfigResponse) {
	var m providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || m.Endpoint.IsUnknown() || m.Endpoint.IsNull() || m.AllowPlainHTTP.IsUnknown() {
		return
	}
	if err := handoff.CheckEndpoint(m.Endpoint.ValueString(), m.AllowPlainHTTP.ValueBool()); err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("endpoint"), "Invalid endpoint", err.Error())
	}
}
