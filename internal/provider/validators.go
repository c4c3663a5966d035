package provider

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/handoff"
)

// durationBetween bounds a Go duration; the timetypes.GoDuration type has
// already refused what does not parse.
type durationBetween struct{ min, max time.Duration }

func (v durationBetween) Description(context.Context) string {
	return fmt.Sprintf("must be a Go duration from %s to %s, such as 30s or 1m30s", v.min, v.max)
}

func (v durationBetween) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v durationBetween) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	if d, err := time.ParseDuration(s); err == nil && (d < v.min || d > v.max) {
		resp.Diagnostics.AddAttributeError(req.Path, "Duration out of range",
			fmt.Sprintf("%q is outside the allowed range: write a duration from %s to %s, such as 30s or 1m30s.", s, v.min, v.max))
	}
}

// caCertValidator accepts PEM text holding at least one certificate.
type caCertValidator struct{}

func (caCertValidator) Description(context.Context) string {
	return "must be PEM text holding at least one X.509 certificate"
}

func (v caCertValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (caCertValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if !x509.NewCertPool().AppendCertsFromPEM([]byte(req.ConfigValue.ValueString())) {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid CA certificate", "no PEM-encoded certificate could be read from the value")
	}
}

// jsonObjectValidator accepts a JSON object, for extra_body_json.
type jsonObjectValidator struct{}

func (jsonObjectValidator) Description(context.Context) string { return "must be a JSON object" }

func (v jsonObjectValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (jsonObjectValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := parseJSONObject(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid extra_body_json", err.Error())
	}
}

func parseJSONObject(s string) (map[string]any, error) {
	var obj map[string]any
	if err := json.Unmarshal([]byte(s), &obj); err != nil || obj == nil {
		return nil, fmt.Errorf("the value must be a JSON object such as {\"max_completion_tokens\": 1}: %s", jsonProblem(err))
	}
	return obj, nil
}

func jsonProblem(err error) string {
	if err == nil {
		return "got null"
	}
	return err.Error()
}

// sourceURLValidator accepts an absolute http(s) URL.
type sourceURLValidator struct{}

func (sourceURLValidator) Description(context.Context) string {
	return "must be an absolute http or https URL"
}

func (v sourceURLValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (sourceURLValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := handoff.ValidateSourceURL(req.ConfigValue.ValueString()); err != nil {
		// The path names the map key, e.g. source_urls["pricing"].
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid source URL", fmt.Sprintf("%s: %s", req.Path, err))
	}
}
