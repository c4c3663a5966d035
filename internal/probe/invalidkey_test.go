package probe

import (
	"strings"
	"testing"
	"time"
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

// sharesRun reports whether s contains any run of sharedRun bytes of secret.
func sharesRun(s, secret string) bool {
	for i := 0; i+sharedRun <= len(secret); i++ {
		if strings.Contains(s, secret[i:i+sharedRun]) {
			return true
		}
	}
	return false
}

// No run of the secret part across the kept prefix either: "-Gh1" is in the
// secret, so "sk-proj-Gh1..." would give it away.
func TestInvalidKeyForAcrossThePrefix(t *testing.T) {
	const key = "sk-proj-ab-cd-ef-Gh1Ij2Kl3Mn4Op5Qr6St7"
	secret := strings.TrimPrefix(key, "sk-proj-")
	for range 200 {
		if got := InvalidKeyFor(key); sharesRun(got[len("sk-proj")-3+1:], secret) {
			t.Fatalf("InvalidKeyFor(%q) = %q shares a run across the prefix", key, got)
		}
	}
}

// Any key gets its invalid key in bounded time: a 16 KiB key, and keys built
// so that whole states have no way on (every character after "abc" is in
// the key, and every character after "xab" leads to "abc").
func TestInvalidKeyForBounded(t *testing.T) {
	var saturated strings.Builder
	for i := range len(alphanumerics) {
		saturated.WriteString("abc" + alphanumerics[i:i+1] + "~")
	}
	for i := range len(alphanumerics) {
		for j := range len(alphanumerics) {
			if alphanumerics[j] != 'c' {
				saturated.WriteString(alphanumerics[i:i+1] + "ab" + alphanumerics[j:j+1] + "~")
			}
		}
	}
	keys := map[string]string{
		"16 KiB":    "sk-" + randomAlphanumerics(16<<10),
		"saturated": saturated.String(),
		"one byte":  "x",
	}
	for name, key := range keys {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			got := InvalidKeyFor(key)
			if elapsed := time.Since(start); elapsed > 5*time.Second {
				t.Errorf("took %s", elapsed)
			}
			prefix := publicPrefix(key)
			secret := key[len(prefix):]
			if got == key || len(got) != len(key) || sharesRun(got[len(prefix):], secret) {
				t.Errorf("InvalidKeyFor(%s key) = %.40q..., the key itself, another length or sharing a run", name, got)
			}
		})
	}
}
