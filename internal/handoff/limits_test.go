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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ""
			if tt.err != nil {
				got = tt.err.Error()
			}
			if got != tt.wantErr {
				t.Errorf("error = %q, want exactly %q", got, tt.wantErr)
			}
		})
	}
}
