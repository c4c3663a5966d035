package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/sanitize"
)

// maskCredentials makes every log line of this context hide the secrets in
// each form a server may echo them (sanitize.Forms), whatever field or
// message they would appear in. What the provider logs has been through the
// sanitiser already; this is the literal second line of defence.
func maskCredentials(ctx context.Context, secrets ...string) context.Context {
	for _, s := range sanitize.Forms(secrets...) {
		ctx = tflog.MaskAllFieldValuesStrings(ctx, s)
		ctx = tflog.MaskMessageStrings(ctx, s)
	}
	return ctx
}
