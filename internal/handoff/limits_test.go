package handoff

import (
	"strings"
	"testing"
)

func TestLimits(t *testing.T) {
	// The rows at and just over each limit are the documented figures
	// (256 characters, 4 KiB, 16 KiB), written out rather than taken from
	// the constants, so a changed limit fails here.
	tests := []struct {
		name    string
		err     error
		wantErr string
	}{
		{"tag at the limit", CheckText("owner_tag", strings.Repeat("a", 256)), ""},
		{"tag over the limit", CheckText("owner_tag", strings.Repeat("a", 257)), "owner_tag is 257 characters long; at most 256 are allowed"},
		{"characters, not bytes", CheckText("operator", strings.Repeat("ü", 256)), ""},
		{"control characters", CheckText("operator", "finops\x1b[2K"), "operator holds control characters; remove them"},
		{"a tab", CheckText("unit_name", "per\tdoc"), "unit_name holds control characters; remove them"},
		{"NUL", CheckText("billing_unit", "1M\x00"), "billing_unit holds control characters; remove them"},
		{"a format character is not a control character", CheckText("operator", "fin\u200bops"), ""},
		{"prompt at the limit", CheckPrompt(strings.Repeat("p", 4096)), ""},
		{"prompt over, in bytes", CheckPrompt(strings.Repeat("ü", 2049)), "prompt is 4098 bytes; at most 4096 (4 KiB) are allowed"},
		{"prompt may hold newlines", CheckPrompt("line 1\nline 2"), ""},
		{"extra body at the limit", CheckExtraBody(strings.Repeat("x", 16384)), ""},
		{"extra body over", CheckExtraBody(strings.Repeat("x", 16385)), "extra_body_json is 16385 bytes; at most 16384 (16 KiB) are allowed"},
		{"CheckLength", CheckLength("model", "abcd", 3), "model is 4 characters long; at most 3 are allowed"},
		{"CheckSize, not a whole KiB", CheckSize("x", "abcd", 3), "x is 4 bytes; at most 3 (3 bytes) are allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertErr(t, tt.name, tt.err, tt.wantErr)
			if tt.wantErr != "" && tt.err != nil && tt.err.Error() != tt.wantErr {
				t.Errorf("error = %q, want exactly %q", tt.err, tt.wantErr)
			}
		})
	}
}
