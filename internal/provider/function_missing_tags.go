package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/rulebook"
)

var _ function.Function = (*missingTagsFunction)(nil)

// missingTagsFunction exposes the placeholder rule to validation and
// precondition blocks.
type missingTagsFunction struct{}

func newMissingTagsFunction() function.Function { return &missingTagsFunction{} }

func (f *missingTagsFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "missing_tags"
}

func (f *missingTagsFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary: "Allocation tags that are missing or placeholders",
		MarkdownDescription: "Returns the names among `owner`, `workload` and `environment` that are missing from `tags` or hold a " +
			"placeholder (`TBD`, `todo`, `<owner>`, `changeme`, ...), in that order. Keys match case-insensitively. " +
			"Use it in `validation` and `precondition` blocks: an empty list means the core allocation is complete.",
		Parameters: []function.Parameter{
			function.MapParameter{
				Name: "tags", ElementType: types.StringType, AllowNullValue: true,
				MarkdownDescription: "Allocation tags, e.g. `{ owner = \"team-a\", workload = \"search\", environment = \"prod\" }`.",
			},
		},
		Return: function.ListReturn{ElementType: types.StringType},
	}
}

func (f *missingTagsFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var tags map[string]*string
	resp.Error = req.Arguments.Get(ctx, &tags)
	if resp.Error != nil {
		return
	}
	plain := map[string]string{}
	for k, v := range tags {
		if v != nil {
			plain[k] = *v
		}
	}
	missing := rulebook.MissingTags(plain)
	if missing == nil {
		missing = []string{}
	}
	resp.Error = resp.Result.Set(ctx, missing)
}
