package probe

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/sanitize"
)

const redacted = sanitize.Redacted

// cleanID is the sanitiser's rule for a request id, as Send applies it.
func cleanID(s string, secrets ...string) string {
	return sanitize.New(secrets...).Identifier(sanitize.RequestID, s)
}

// Sanitize is the sanitiser's rule for free text at a Result's length, as
// Send applies it to a message.
func Sanitize(message string, secrets ...string) string {
	return sanitize.New(secrets...).Text(message, MaxMessageLength)
}

func TestSanitize(t *testing.T) {
	long := strings.Repeat("é", MaxMessageLength+50)
	tests := []struct {
		name    string
		message string
		secrets []string
		want    string
	}{
		{"plain message unchanged", "HTTP 401: invalid x-api-key", nil, "HTTP 401: invalid x-api-key"},
		{"given secret of any shape", "key opaque-credential-value rejected", []string{"opaque-credential-value"}, "key [redacted] rejected"},
		{"empty secret ignored", "nothing to hide", []string{""}, "nothing to hide"},
		{"longer secret removed whole", "got abcdef-123", []string{"abc", "abcdef-123"}, "got [redacted]"},
		{"openai key", "Incorrect API key provided: sk-test-abcdef123456.", nil, "Incorrect API key provided: [redacted]."},
		{"openai masked echo", "Incorrect API key provided: sk-test-********1111.", nil, "Incorrect API key provided: [redacted]."},
		{"anthropic key", "key sk-ant-api03-test_Key-0000 refused", nil, "key [redacted] refused"},
		{"google key in a URL", "GET /v1beta/models?key=AIzaTestFakeKey0000000000000 failed", nil, "GET /v1beta/models?key=[redacted] failed"},
		{"bearer token", `header "Authorization: Bearer eyJ.test.token" rejected`, nil, `header "Authorization: Bearer [redacted]" rejected`},
		{"long hex token", "token 0123456789abcdef0123456789abcdef leaked", nil, "token [redacted] leaked"},
		{"long base64 token", "token dGVzdC1vbmx5LXRva2VuLW5vdC1hLXJlYWwta2V5 leaked", nil, "token [redacted] leaked"},
		{"long word without digits kept", "metric generate_content_free_tier_requests_per_minute hit", nil, "metric generate_content_free_tier_requests_per_minute hit"},
		{"words ending in sk kept", "risk-assessment and task-runner", nil, "risk-assessment and task-runner"},
		{"whitespace and control characters collapse", "  line one\n\n\tline two\r\n\x1b[31mred ", nil, "line one line two [31mred"},
		{"invalid UTF-8 replaced", "bad \xff byte", nil, "bad \uFFFD byte"},
		{"format characters removed", "pro\u200bceed \u202Edesrever\u202C \ufeffok", nil, "proceed desrever ok"},
		{"secret echoed trimmed", "key opaque-credential rejected", []string{"  opaque-credential "}, "key [redacted] rejected"},
		{"both keys", "got opaque-one and opaque-two", []string{"opaque-one", "opaque-two"}, "got [redacted] and [redacted]"},
		{"cut to the limit", long, nil, strings.Repeat("é", MaxMessageLength-1) + "…"},
		{"exactly the limit kept", long[:2*MaxMessageLength], nil, long[:2*MaxMessageLength]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Sanitize(tt.message, tt.secrets...)
			if got != tt.want {
				t.Errorf("Sanitize = %q, want %q", got, tt.want)
			}
			if n := utf8.RuneCountInString(got); n > MaxMessageLength {
				t.Errorf("length %d > %d", n, MaxMessageLength)
			}
		})
	}
}

func TestSanitizeRedactsBeforeCutting(t *testing.T) {
	// A secret straddling the cut must not survive as a prefix.
	secret := "opaque-credential-straddling-the-cut"
	message := strings.Repeat("x", MaxMessageLength-10) + " " + secret
	got := Sanitize(message, secret)
	if strings.Contains(got, secret[:8]) {
		t.Errorf("Sanitize kept part of the secret: %q", got)
	}
}

func TestCleanFieldKeepsIDs(t *testing.T) {
	tests := []struct {
		name, field, want string
	}{
		{"long hex request id kept", "req_0123456789abcdef0123456789abcdef", "req_0123456789abcdef0123456789abcdef"},
		{"long completion id kept", "chatcmpl-AbC123dEf456GhI789jKl012MnO345pQr678", "chatcmpl-AbC123dEf456GhI789jKl012MnO345pQr678"},
		{"gateway id kept", "2026113002045454547535260832950", "2026113002045454547535260832950"},
		{"key-shaped id digested", "sk-test-otherkey123456", sanitize.Digest("sk-test-otherkey123456")},
		{"control and format characters digested", "req\x1b[2K_\u200bid", sanitize.Digest("req\x1b[2K_\u200bid")},
		{"secret digested", "echo-" + testKey, sanitize.Digest("echo-" + testKey)},
		{"percent-encoded secret digested", "echo-" + url.PathEscape(testKey), sanitize.Digest("echo-" + url.PathEscape(testKey))},
		{"too long digested", strings.Repeat("r", 129), sanitize.Digest(strings.Repeat("r", 129))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cleanID(tt.field, testKey); got != tt.want {
				t.Errorf("cleanID = %q, want %q", got, tt.want)
			}
		})
	}
}
