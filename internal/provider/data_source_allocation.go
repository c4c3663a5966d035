package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/handoff"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/rulebook"
)

var (
	_ datasource.DataSource              = (*allocationDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*allocationDataSource)(nil)
)

// allocationDataSource answers whether an allocation is complete under the
// provider's policy, at plan time, without any network traffic.
type allocationDataSource struct {
	data *providerData
}

func newAllocationDataSource() datasource.DataSource { return &allocationDataSource{} }

type allocationModel struct {
	OwnerTag         types.String `tfsdk:"owner_tag"`
	WorkloadTag      types.String `tfsdk:"workload_tag"`
	Environment      types.String `tfsdk:"environment"`
	Product          types.String `tfsdk:"product"`
	CostCenter       types.String `tfsdk:"cost_center"`
	Tags             types.Map    `tfsdk:"tags"`
	Required         types.List   `tfsdk:"required"`
	FailOnIncomplete types.Bool   `tfsdk:"fail_on_incomplete"`
	Complete         types.Bool   `tfsdk:"complete"`
	Missing          types.List   `tfsdk:"missing"`
	Invalid          types.List   `tfsdk:"invalid"`
	Message          types.String `tfsdk:"message"`
}

func (d *allocationDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_allocation"
}

func (d *allocationDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataOf(req.ProviderData, &resp.Diagnostics)
}

func (d *allocationDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	field := func(description string) schema.StringAttribute {
		return schema.StringAttribute{Optional: true, MarkdownDescription: description + " Wins over the same key in `tags`."}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Says whether a workload's allocation (owner, workload, environment, ...) is complete under the " +
			"provider's policy, so `terraform plan` can fail on an incomplete handoff. Reads at plan time whenever its inputs " +
			"are known and sends no request.",
		Attributes: map[string]schema.Attribute{
			"owner_tag":    field("Owner of the spend (team or person)."),
			"workload_tag": field("Workload the spend belongs to."),
			"environment":  field("Environment, e.g. `prod`; must be one of the provider's `allowed_environments` when set."),
			"product":      field("Product the spend is allocated to."),
			"cost_center":  field("Cost center the spend is charged to."),
			"tags": schema.MapAttribute{
				Optional: true, ElementType: types.StringType,
				MarkdownDescription: "Allocation tags, e.g. a resource's `tags`: keys " + codeList(handoff.AllocationFields) +
					", matched case-insensitively. Other keys are ignored and listed in `message` so nothing is silently dropped.",
			},
			"required": schema.ListAttribute{
				Optional: true, ElementType: types.StringType,
				MarkdownDescription: "Fields that must be present, any of " + codeList(handoff.AllocationFields) +
					". Defaults to the provider's `required_tags`.",
				Validators: []validator.List{listvalidator.ValueStringsAre(stringvalidator.OneOf(handoff.AllocationFields...)), listvalidator.UniqueValues()},
			},
			"fail_on_incomplete": schema.BoolAttribute{
				Optional:            true,
				MarkdownDescription: "When true, an incomplete allocation is an error, so `terraform plan` fails. Defaults to false.",
			},
			"complete": schema.BoolAttribute{Computed: true, MarkdownDescription: "True when nothing is missing or invalid."},
			"missing": schema.ListAttribute{Computed: true, ElementType: types.StringType,
				MarkdownDescription: "Required fields that are missing or placeholders."},
			"invalid": schema.ListAttribute{Computed: true, ElementType: types.StringType,
				MarkdownDescription: "Present values that break the policy, as `field: reason`."},
			"message": schema.StringAttribute{Computed: true, MarkdownDescription: "One line a person can act on."},
		},
	}
}

func (d *allocationDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m allocationModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	q := rulebook.AllocationQuery{
		Explicit:         allocationOf(m.OwnerTag, m.WorkloadTag, m.Environment, m.Product, m.CostCenter),
		Policy:           d.data.policyOf(),
		FailOnIncomplete: m.FailOnIncomplete.ValueBool(),
	}
	resp.Diagnostics.Append(overrideList(ctx, m.Required, &q.Policy.RequiredTags)...)
	tags, diags := stringMapOf(ctx, m.Tags)
	resp.Diagnostics.Append(diags...)
	q.Tags = tags
	report, _ := q.Answer()
	m.Complete = types.BoolValue(report.Complete())
	m.Missing = stringList(report.Missing)
	invalid := make([]string, len(report.Invalid))
	for i, f := range report.Invalid {
		invalid[i] = f.String()
	}
	m.Invalid = stringList(invalid)
	m.Message = types.StringValue(q.Message())
	resp.Diagnostics.Append(judge(q)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
