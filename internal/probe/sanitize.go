package probe

import (
	"cmp"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxMessageLength bounds a Result's Message, in characters.
const MaxMessageLength = 300

const redacted = "[redacted]"

// keyShapes match credentials that were not passed in as secrets: another
// key echoed by a gateway, a key in a URL, an Authorization header.
var keyShapes = []struct {
	pattern     *regexp.Regexp
	replacement string
}{
	{regexp.MustCompile(`(?i)\bbearer\s+[^\s"'<>,;]+`), "Bearer " + redacted},
	// OpenAI (sk-, sk-proj-), Anthropic (sk-ant-), including masked echoes like sk-pro****abcd.
	{regexp.MustCompile(`\bsk-[A-Za-z0-9_*-]{6,}`), redacted},
	{regexp.MustCompile(`\bAIza[0-9A-Za-z_-]{10,}`), redacted}, // Google API keys
}

// longToken matches hex and base64 runs long enough to be a token; only runs
// mixing letters and digits are redacted, so long words and paths survive.
var longToken = regexp.MustCompile(`[A-Za-z0-9+/_=-]{32,}`)

// Sanitize makes message safe to store and show: it removes every non-empty
// secret and every key-shaped string, collapses whitespace and control
// characters to single spaces, and cuts the result to MaxMessageLength.
func Sanitize(message string, secrets ...string) string {
	s := strings.ToValidUTF8(redactSecrets(message, secrets), "\uFFFD")
	for _, shape := range keyShapes {
		s = shape.pattern.ReplaceAllString(s, shape.replacement)
	}
	s = longToken.ReplaceAllStringFunc(s, func(token string) string {
		if strings.ContainsFunc(token, unicode.IsLetter) && strings.ContainsFunc(token, unicode.IsDigit) {
			return redacted
		}
		return token
	})
	s = strings.Join(strings.FieldsFunc(s, isSpaceOrControl), " ")
	return truncate(s)
}

func isSpaceOrControl(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }

// cleanField prepares an identifier taken from a response (a request id, a
// model name) for a Result: the secrets go, but key-shaped ids are kept, since
// a request id is evidence.
func cleanField(s string, secrets ...string) string {
	return truncate(strings.ToValidUTF8(redactSecrets(s, secrets), "\uFFFD"))
}

// redactSecrets replaces each secret, longest first so that a secret
// containing another is removed whole.
func redactSecrets(s string, secrets []string) string {
	sorted := slices.SortedFunc(slices.Values(secrets), func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	for _, secret := range sorted {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, redacted)
		}
	}
	return s
}

// truncate cuts s to MaxMessageLength runes, marking the cut with an ellipsis.
func truncate(s string) string {
	if utf8.RuneCountInString(s) <= MaxMessageLength {
		return s
	}
	return string([]rune(s)[:MaxMessageLength-1]) + "…"
}
