// Package provider is the Terraform glue of costhandoff: schemas, plan
// modifiers, CRUD and diagnostics. The domain lives in internal/handoff,
// internal/probe and internal/sources; this package converts between
// Terraform values and their plain Go types at its edge.
package provider

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"reflect"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework-validators/float64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/handoff"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/ledger"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/probe"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/rulebook"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/sources"
)

// Environment variables read when the matching argument is not configured.
const (
	EnvEndpoint = rulebook.EnvEndpoint
	EnvAPIKey   = rulebook.EnvAPIKey
	EnvOperator = rulebook.EnvOperator
	// EnvLedgerToken and EnvLedgerUserID feed the gateway's usage-log API.
	EnvLedgerToken  = rulebook.EnvLedgerToken
	EnvLedgerUserID = rulebook.EnvLedgerUserID
)

// Defaults of the provider's arguments.
const (
	DefaultEndpoint       = "https://api.cometapi.com/v1"
	DefaultRequestTimeout = 30 * time.Second
	DefaultMaxConcurrent  = 4
	MaxConcurrentChecks   = 100
	DefaultQuotaPerUSD    = 500000.0
)

// ledgerNone is ledger_api's default (ledger.None); every other value is
// one of the ledger package's APIs, which describe themselves
// (ledger.Describe).
const ledgerNone = string(ledger.None)

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
	// ledgerPoll is how often the usage log is read while looking for the
	// smoke request's row; zero means the ledger package's default.
	ledgerPoll time.Duration
	// after waits on the same clock as now; nil means time.After.
	after func(time.Duration) <-chan time.Time
}

func newProvider(version string) *costhandoffProvider {
	return &costhandoffProvider{version: version, now: time.Now, getenv: os.Getenv}
}

type providerModel struct {
	Endpoint            types.String         `tfsdk:"endpoint"`
	APIKey              types.String         `tfsdk:"api_key"`
	APIProtocol         types.String         `tfsdk:"api_protocol"`
	Operator            types.String         `tfsdk:"operator"`
	RequestTimeout      timetypes.GoDuration `tfsdk:"request_timeout"`
	MaxConcurrentChecks types.Int64          `tfsdk:"max_concurrent_checks"`
	RequiredTags        types.List           `tfsdk:"required_tags"`
	AllowedEnvironments types.List           `tfsdk:"allowed_environments"`
	RequiredSourceKinds types.List           `tfsdk:"required_source_kinds"`
	CACertPEM           types.String         `tfsdk:"ca_cert_pem"`
	AllowPlainHTTP      types.Bool           `tfsdk:"allow_plain_http"`
	LedgerAPI           types.String         `tfsdk:"ledger_api"`
	LedgerEndpoint      types.String         `tfsdk:"ledger_endpoint"`
	LedgerToken         types.String         `tfsdk:"ledger_token"`
	LedgerUserID        types.String         `tfsdk:"ledger_user_id"`
	LedgerTokenName     types.String         `tfsdk:"ledger_token_name"`
	LedgerKeyID         types.String         `tfsdk:"ledger_key_id"`
	LedgerWait          timetypes.GoDuration `tfsdk:"ledger_wait"`
	LedgerQuotaPerUSD   types.Float64        `tfsdk:"ledger_quota_per_usd"`
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
					"` environment variable. Never stored in state or logged, and needed only by plans that run a check. Prefer " +
					"the resource's write-only `api_key_wo` or the environment variable; set from a variable, declare it " +
					"`sensitive = true` and `ephemeral = true`: Terraform writes a non-ephemeral variable's value in clear in a saved plan.",
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
				Optional: true, CustomType: timetypes.GoDurationType{},
				MarkdownDescription: "Timeout of each smoke-test request, as a Go duration such as `30s` or `1m30s`, between `1s` and `10m`. Defaults to `30s`.",
			},
			"max_concurrent_checks": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: fmt.Sprintf("How many smoke tests may be in flight at once across every `costhandoff_check` of "+
					"this provider, from 1 to %d. Defaults to %d.", MaxConcurrentChecks, DefaultMaxConcurrent),
				Validators: []validator.Int64{int64validator.Between(1, MaxConcurrentChecks)},
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
			},
			"allow_plain_http": schema.BoolAttribute{
				Optional:            true,
				MarkdownDescription: "Allow a plain `http://` endpoint to a non-loopback host. Defaults to false: the API key would travel unencrypted.",
			},
			"ledger_api": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Where to confirm the smoke request's charge after a happy path that passed, reading only: " +
					"`none` (the default); `new_api`, the usage log of a gateway of the one-api / new-api family (CometAPI among them); " +
					"`litellm`, a LiteLLM proxy's spend logs; `openrouter`, OpenRouter's generation records; `openai_usage`, the " +
					"OpenAI organization's usage data; `anthropic_usage`, the Anthropic organization's usage report. The two usage " +
					"APIs report per minute, minutes late: a smoke request not there yet within `ledger_wait` is `pending` " +
					"(decision `review`, reason `ledger_pending`) and a refresh (`terraform apply -refresh-only`) reads it again.",
				Validators: []validator.String{stringvalidator.OneOf(append([]string{ledgerNone}, ledger.Names()...)...)},
			},
			"ledger_endpoint": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Base URL of the ledger's API. Defaults to `endpoint` without a trailing `/v1` " +
					"(`new_api`, `litellm`), without a trailing `/api/v1` (`openrouter`), or `endpoint` itself (`openai_usage`, " +
					"`anthropic_usage`, e.g. `https://api.openai.com/v1`; derived onto another host than the vendor's, where the admin key does " +
					"not belong, it is refused: set it). Plain `http://` follows the same rule as `endpoint`.",
			},
			"ledger_token": schema.StringAttribute{
				Optional: true, Sensitive: true,
				MarkdownDescription: "The ledger's credential: the gateway's access (system) token (`new_api`), a LiteLLM key allowed " +
					"to read the spend logs (`litellm`), an organization admin key (`openai_usage`: `sk-admin-…`, sent as a Bearer key; " +
					"`anthropic_usage`: `sk-ant-admin…`, sent as `x-api-key`), never the API key; for `openrouter` optional, the " +
					"approved key reading the generation record when unset, and only when the check's endpoint is on the ledger's host. " +
					"Defaults to the `" + EnvLedgerToken + "` environment variable. Never stored in state or logged; needed only by " +
					"plans that run a check. Set from a variable, declare it `sensitive = true` and `ephemeral = true`: Terraform " +
					"writes a non-ephemeral variable's value in clear in a saved plan.",
			},
			"ledger_user_id": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Your user id on the gateway, sent as `New-Api-User` when set (new-api requires it with access " +
					"tokens). Defaults to the `" +
					EnvLedgerUserID + "` environment variable.",
			},
			"ledger_token_name": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "`new_api`: the gateway's name of the token the approved key belongs to. The log is read for that " +
					"token only, so another token's traffic (another workload, production) is never taken for the smoke request.",
				Validators: []validator.String{stringvalidator.LengthBetween(1, 256)},
			},
			"ledger_key_id": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "`openai_usage` / `anthropic_usage`: the id the vendor's console shows for the approved key " +
					"(`key_…`, `apikey_…`), whose usage is read; an identifier, not a secret. Required for those two and refused for " +
					"the other ledgers.",
				Validators: []validator.String{stringvalidator.LengthBetween(1, 256)},
			},
			"ledger_wait": schema.StringAttribute{
				Optional: true, CustomType: timetypes.GoDurationType{},
				MarkdownDescription: "How long to look for the smoke request's row, as a Go duration up to `10m`; `0s` reads once. " +
					"It bounds the whole lookup, each read included. Only reads. Defaults to `30s`, `90s` for `litellm`, `6m` for " +
					"`openai_usage` and `anthropic_usage`.",
			},
			"ledger_quota_per_usd": schema.Float64Attribute{
				Optional:            true,
				MarkdownDescription: "The gateway's quota units per US dollar, to state the charge in dollars. Defaults to 500000.",
				Validators:          []validator.Float64{float64validator.AtLeast(1)},
			},
		},
	}
}

func (p *costhandoffProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
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
	data, diags := p.newProviderData(ctx, m)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.ResourceData = data
	resp.DataSourceData = data
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

// ValidateConfig judges the configuration as written by the rule book
// (rulebook.ProviderConfig): what needs more than one argument, and the
// ledger settings, which need ledger_api.
func (p *costhandoffProvider) ValidateConfig(ctx context.Context, req provider.ValidateConfigRequest, resp *provider.ValidateConfigResponse) {
	var m providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ledgerSettings := map[string]rulebook.Input{}
	for name, v := range providerArguments(m) {
		if strings.HasPrefix(name, "ledger_") && name != "ledger_api" {
			ledgerSettings[name] = inputOf(v)
		}
	}
	resp.Diagnostics.Append(judge(rulebook.ProviderConfig{
		Endpoint: inputOf(m.Endpoint), LedgerEndpoint: inputOf(m.LedgerEndpoint), AllowPlainHTTP: inputOf(m.AllowPlainHTTP),
		LedgerAPI: inputOf(m.LedgerAPI), LedgerKeyID: inputOf(m.LedgerKeyID), LedgerSettings: ledgerSettings,
		RequestTimeout: inputOf(m.RequestTimeout), LedgerWait: inputOf(m.LedgerWait), CACertPEM: inputOf(m.CACertPEM),
	})...)
}

// providerArguments are the provider's arguments by attribute name, read
// off the model's struct tags, so a new ledger_* argument is judged with
// the others.
func providerArguments(m providerModel) map[string]attr.Value {
	v := reflect.ValueOf(m)
	out := make(map[string]attr.Value, v.NumField())
	for i := range v.NumField() {
		out[v.Type().Field(i).Tag.Get("tfsdk")], _ = v.Field(i).Interface().(attr.Value)
	}
	return out
}

// newProviderData resolves the configuration against the environment and
// the defaults. The rule book judges the resolved settings here as well as
// the configuration in ValidateConfig, because a value from the environment
// is only seen here.
func (p *costhandoffProvider) newProviderData(ctx context.Context, m providerModel) (*providerData, diag.Diagnostics) {
	var diags diag.Diagnostics
	d := &providerData{
		endpoint:       stringOr(m.Endpoint, p.getenv(EnvEndpoint), DefaultEndpoint),
		apiKey:         stringOr(m.APIKey, p.getenv(EnvAPIKey), ""),
		protocol:       probe.Protocol(stringOr(m.APIProtocol, "", string(probe.OpenAIChat))),
		operator:       stringOr(m.Operator, p.getenv(EnvOperator), ""),
		allowPlainHTTP: m.AllowPlainHTTP.ValueBool(),
		ledger:         ledgerSetting{API: stringOr(m.LedgerAPI, "", ledgerNone), KeyID: m.LedgerKeyID.ValueString()},
	}
	timeout := durationOr(m.RequestTimeout, DefaultRequestTimeout, &diags)
	maxConcurrent := DefaultMaxConcurrent
	if !m.MaxConcurrentChecks.IsNull() {
		maxConcurrent = int(m.MaxConcurrentChecks.ValueInt64())
	}
	policy := handoff.DefaultPolicy()
	diags.Append(overrideList(ctx, m.RequiredTags, &policy.RequiredTags)...)
	diags.Append(overrideList(ctx, m.AllowedEnvironments, &policy.AllowedEnvironments)...)
	diags.Append(overrideList(ctx, m.RequiredSourceKinds, &policy.RequiredSourceKinds)...)

	transport := p.transport
	if transport == nil {
		t, err := probe.NewTransport(m.CACertPEM.ValueString())
		if err != nil {
			diags.AddAttributeError(path.Root("ca_cert_pem"), "Invalid ca_cert_pem", err.Error())
		}
		transport = t
	}
	d.runner = handoff.Runner{
		Probe: probe.NewClient(probe.Options{Transport: transport, Timeout: timeout, MaxConcurrent: maxConcurrent}),
		// Source pages never use the endpoint's extra CA: they are public.
		Sources: sources.NewFetcher(sources.Options{Now: p.now, Transport: p.transport}),
		Policy:  policy,
		Now:     p.now,
	}
	if d.ledger.API != ledgerNone {
		diags.Append(p.configureLedger(m, d, transport)...)
	}
	diags.Append(judge(*d.settings())...)
	if diags.HasError() {
		return nil, diags
	}
	return d, diags
}

// configureLedger sets up the reads of the configured ledger.
func (p *costhandoffProvider) configureLedger(m providerModel, d *providerData, transport http.RoundTripper) diag.Diagnostics {
	var diags diag.Diagnostics
	desc, ok := ledger.Describe(ledger.API(d.ledger.API))
	if !ok { // the attribute's validator refused it already
		diags.AddAttributeError(path.Root("ledger_api"), "Invalid ledger_api", "ledger_api \""+d.ledger.API+"\" is not a ledger this provider reads.")
		return diags
	}
	d.ledgerDesc = desc
	endpoint := stringOr(m.LedgerEndpoint, "", desc.DefaultEndpoint(d.endpoint))
	d.ledger.Endpoint = endpoint
	d.ledgerEndpointSet = !m.LedgerEndpoint.IsNull()
	// Like the API key, the token is asked for only by a plan that runs a
	// check (providerData.requireCredential): destroys never need it.
	d.ledgerToken = stringOr(m.LedgerToken, p.getenv(EnvLedgerToken), "")
	quotaPerUSD := DefaultQuotaPerUSD
	if !m.LedgerQuotaPerUSD.IsNull() {
		quotaPerUSD = m.LedgerQuotaPerUSD.ValueFloat64()
	}
	d.runner.Ledger = ledger.New(ledger.Options{
		API:          desc.API,
		Endpoint:     endpoint,
		Token:        d.ledgerToken,
		UserID:       stringOr(m.LedgerUserID, p.getenv(EnvLedgerUserID), ""),
		TokenName:    m.LedgerTokenName.ValueString(),
		KeyID:        d.ledger.KeyID,
		Wait:         durationOr(m.LedgerWait, desc.DefaultWait, &diags),
		PollInterval: p.ledgerPoll,
		After:        p.after,
		QuotaPerUSD:  quotaPerUSD,
		Transport:    transport,
		Now:          p.now,
	})
	return diags
}

// durationOr is the configured duration, else def. The attribute's type
// and validators have already refused anything unparsable or out of range.
func durationOr(v timetypes.GoDuration, def time.Duration, diags *diag.Diagnostics) time.Duration {
	if v.IsNull() || v.IsUnknown() {
		return def
	}
	d, ds := v.ValueGoDuration()
	diags.Append(ds...)
	return d
}
