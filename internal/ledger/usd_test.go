package ledger

import (
	"encoding/json"
	"testing"
)

// usdOf takes a JSON number as written, and nothing else: not null, not a
// string, not the forms big.Rat reads that JSON does not.
func TestUSDOf(t *testing.T) {
	tests := []struct {
		raw    string
		want   string
		wantOK bool
	}{
		{"3.6e-05", "0.000036", true},
		{" 0.25 ", "0.25", true},
		{"0", "0", true},
		{"", "", false},
		{"null", "", false},
		{`"0.25"`, "", false},
		{"true", "", false},
		{"{}", "", false},
		{"1/3", "", false},
		{"0x10", "", false},
		{"-0.01", "", false},
		{"1e30", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			got, ok := usdOf(json.RawMessage(tt.raw))
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("usdOf(%q) = %q, %v; want %q, %v", tt.raw, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
