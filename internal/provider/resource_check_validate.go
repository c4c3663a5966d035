package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/rulebook"
)

// validateCheckConfig reports every gap knowable from configuration, each on its
// attribute, by the rule book (rulebook.CheckConfig). Terraform calls it again
// during apply once every value is known, so a gap hidden behind an unknown
// value at plan time fails the apply on its attribute before any request is
// sent. Without a configured provider (terraform validate) the default
// policy judges what is set.
func validateCheckConfig(ctx context.Context, d *providerData, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	cfg, ok := readModel(ctx, req.Config.Raw, &resp.Diagnostics)
	if !ok {
		return
	}
	resp.Diagnostics.Append(judge(rulebook.CheckConfig{
		Strings:    stringInputs(cfg.arguments()),
		SourceURLs: mapInputOf(cfg.SourceURLs),
		Provider:   d.settings(),
	})...)
}

// requireCredential fails a plan that runs a check without a key to run it
// with (rulebook.CheckRun). Plans that run nothing, destroys and refreshes
// never ask for one.
func (m checkModel) requireCredential(d *providerData) diag.Diagnostics {
	return judge(rulebook.CheckRun{APIKeyWO: inputOf(m.APIKeyWO), Endpoint: inputOf(m.Endpoint), Provider: *d.settings()})
}
