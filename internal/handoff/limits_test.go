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
		{"tag at the limit", checkText("owner_tag", strings.Repeat("a", 256)), ""},
		{"tag over the limit", checkText("owner_tag", strings.Repeat("a", 257)), "owner_tag is 257 characters long; at most 256 are allowed"},
		{"characters, not bytes", checkText("operator", strings.Repeat("ü", 256)), ""},
		{"control characters", checkText("operator", "finops\x1b[2K"), "operator holds control characters; remove them"},
		{"a tab", checkText("unit_name", "per\tdoc"), "unit_name holds control characters; remove them"},
		{"NUL", checkText("billing_unit", "1M\x00"), "billing_unit holds control characters; remove them"},
		{"a format character is not a control character", checkText("operator", "fin\u200bops"), ""},
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
