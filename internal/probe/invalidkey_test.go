package probe

import (
	"strings"
	"testing"
)

func TestInvalidKeyFor(t *testing.T) {
	tests := []struct {
		name       string
		key        string
		wantPrefix string
		wantLength int
	}{
		{"empty", "", "sk-costhandoff-invalid-", len("sk-costhandoff-invalid-") + 32},
		{"openai", "sk-test-abcdefghijklmnop", "sk-test-", 24},
		{"openai project", "sk-proj-test-abcdefghij0123456789", "sk-proj-test-", 33},
		{"anthropic", "sk-ant-api03-testtesttesttest", "sk-ant-api03-", 29},
		{"google with a dash in the random part", "AIzaTestFake-Key0000000000000000000", "AIza", 35},
		{"no dash", "abcdef0123456789", "", 16},
		{"ends with a dash", "sk-test-", "sk-test-", len("sk-test-") + 32},
		{"one character to vary", "sk-x", "sk-", 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 50 { // a one-character tail collides with the key 1 time in 62
				got := InvalidKeyFor(tt.key)
				if got == tt.key {
					t.Fatalf("InvalidKeyFor(%q) returned the key", tt.key)
				}
				if !strings.HasPrefix(got, tt.wantPrefix) || len(got) != tt.wantLength {
					t.Fatalf("InvalidKeyFor(%q) = %q, want prefix %q and length %d", tt.key, got, tt.wantPrefix, tt.wantLength)
				}
				if tail := got[len(tt.wantPrefix):]; strings.Trim(tail, alphanumerics) != "" {
					t.Fatalf("random part %q is not alphanumeric", tail)
				}
			}
		})
	}
}

func TestInvalidKeyForIsRandom(t *testing.T) {
	if a, b := InvalidKeyFor("sk-test-abcdefghijklmnop"), InvalidKeyFor("sk-test-abcdefghijklmnop"); a == b {
		t.Errorf("two calls returned the same key %q", a)
	}
}
