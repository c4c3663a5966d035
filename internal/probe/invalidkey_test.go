package probe

import (
	"strings"
	"testing"
)

func TestInvalidKeyFor(t *testing.T) {
	const gatewayToken = "0123456789abcdef0123456789abcdef0123456789abcdef" // one-api's 48 characters, no prefix
	tests := []struct {
		name       string
		key        string
		wantPrefix string // the public prefix kept
		wantLength int
	}{
		{"empty", "", "sk-costhandoff-invalid-", len("sk-costhandoff-invalid-") + 32},
		{"openai", "sk-test-abcdefghijklmnop", "sk-", 24},
		{"gateway token pinned to a channel", "sk-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z-1", "sk-", 37},
		{"openai project with dashes in the secret", "sk-proj-ab-cd-ef-Gh1Ij2Kl3Mn4Op5Qr6St7", "sk-proj-", 38},
		{"anthropic", "sk-ant-api03-Tz9yXw8vUt7sRq6pOn5mLk4jIh3gFe2dCb1a-AAAA", "sk-ant-", 54},
		{"google with a dash in the random part", "AIzaTestFake-Key0000000000000000000", "AIza", 35},
		{"gateway token without a prefix", gatewayToken, "", 48},
		{"three characters", "x9z", "", 3},
		{"a prefix alone", "sk-", "", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secret := strings.TrimPrefix(tt.key, tt.wantPrefix)
			for range 50 { // a short secret collides with a draw now and then
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
				for i := 0; i+4 <= len(secret); i++ {
					if run := secret[i : i+4]; strings.Contains(got[len(tt.wantPrefix):], run) {
						t.Fatalf("InvalidKeyFor(%q) = %q shares %q with the key's secret part", tt.key, got, run)
					}
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

func TestSharesRun(t *testing.T) {
	tests := []struct {
		s, secret string
		want      bool
	}{
		{"xxabcdxx", "zzabcdzz", true},
		{"xxabcxx", "zzabcdzz", false},
		{"abcd", "abc", false}, // a secret shorter than a run shares none
		{"", "abcd", false},
	}
	for _, tt := range tests {
		if got := sharesRun(tt.s, tt.secret); got != tt.want {
			t.Errorf("sharesRun(%q, %q) = %v, want %v", tt.s, tt.secret, got, tt.want)
		}
	}
}
