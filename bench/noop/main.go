// Command noop serves the benchmark's baselines, kept for benchmarking only:
// `make bench` times it side by side with costhandoff so that the figures
// show what the provider adds over the unavoidable cost of any plugin
// provider (process start, gRPC, schema, state encoding).
//
// It serves registry.terraform.io/costhandoff/noop with two resources:
//   - noop_thing, a framework resource with a required string `name` and a
//     computed `id` equal to it: the floor of any plugin provider;
//   - noop_check_echo, costhandoff_check's schema answered below the
//     framework with the least work the protocol allows (echo.go): given a
//     real handoff's state, the floor of any provider keeping that state.
package main

import (
	"context"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	costhandoff "github.com/costhandoff/terraform-provider-costhandoff/internal/provider"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/sdklog"
)

// main serves the baselines as costhandoff serves itself, with the SDKs'
// logging off unless asked for, so that no baseline pays for logging that
// costhandoff does not.
func main() {
	sdklog.QuietUnlessAsked()
	serve := func() tfprotov6.ProviderServer {
		echo, err := newEchoServer(providerserver.NewProtocol6(noopProvider{})(), costhandoff.NewProtocol6("bench")())
		if err != nil {
			log.Fatal(err)
		}
		return echo
	}
	if err := tf6server.Serve("registry.terraform.io/costhandoff/noop", serve); err != nil {
		log.Fatal(err)
	}
}

type noopProvider struct{}

func (noopProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "noop"
}

// Schema leaves the response's zero schema: the provider takes no arguments.
func (noopProvider) Schema(context.Context, provider.SchemaRequest, *provider.SchemaResponse) {}

func (noopProvider) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {
}

func (noopProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{func() resource.Resource { return thing{} }}
}

func (noopProvider) DataSources(context.Context) []func() datasource.DataSource { return nil }

// thing is noop_thing: it stores what it is given and calls nothing.
type thing struct{}

type thingModel struct {
	ID   types.String `tfsdk:"id"`
	Name types.String `tfsdk:"name"`
}

func (thing) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_thing"
}

func (thing) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{Attributes: map[string]schema.Attribute{
		"id":   schema.StringAttribute{Computed: true},
		"name": schema.StringAttribute{Required: true},
	}}
}

func (thing) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	resp.Diagnostics.Append(store(ctx, req.Plan, &resp.State)...)
}

func (thing) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {}

func (thing) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	resp.Diagnostics.Append(store(ctx, req.Plan, &resp.State)...)
}

// store saves the planned name as the new state, with the name as id.
func store(ctx context.Context, plan tfsdk.Plan, state *tfsdk.State) diag.Diagnostics {
	var m thingModel
	diags := plan.Get(ctx, &m)
	m.ID = m.Name
	return append(diags, state.Set(ctx, &m)...)
}

func (thing) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}
