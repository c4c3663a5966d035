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
// secret (as given and trimmed of surrounding space, as a server may echo
// it) and every key-shaped string, removes Unicode format characters,
// collapses whitespace and control characters to single spaces, and cuts the
// result to MaxMessageLength.
func Sanitize(message string, secrets ...string) string {
	s := redactKeyShapes(strings.ToValidUTF8(redactSecrets(message, secrets), "\uFFFD"))
	s = longToken.ReplaceAllStringFunc(s, func(token string) string {
		if strings.ContainsFunc(token, unicode.IsLetter) && strings.ContainsFunc(token, unicode.IsDigit) {
			return redacted
		}
		return token
	})
	s = strings.Join(strings.FieldsFunc(withoutFormat(s), isSpaceOrControl), " ")
	return truncate(s)
}

func isSpaceOrControl(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }

// withoutFormat drops Unicode format characters (zero-width spaces,
// direction overrides), which change what a reader sees without showing.
func withoutFormat(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, s)
}

// cleanField prepares an identifier taken from a response (a request id, a
// model name) for a Result: the secrets and key-shaped strings go, and so do
// control and format characters, but the rest is kept: a long request id is
// evidence, not a key.
func cleanField(s string, secrets ...string) string {
	s = redactKeyShapes(strings.ToValidUTF8(redactSecrets(s, secrets), "\uFFFD"))
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, s)
	return truncate(strings.TrimSpace(s))
}

func redactKeyShapes(s string) string {
	for _, shape := range keyShapes {
		s = shape.pattern.ReplaceAllString(s, shape.replacement)
	}
	return s
}

// redactSecrets replaces each secret, and each secret trimmed of surrounding
// space, longest first so that a secret containing another is removed whole.
func redactSecrets(s string, secrets []string) string {
	all := make([]string, 0, 2*len(secrets))
	for _, secret := range secrets {
		all = append(all, secret, strings.TrimSpace(secret))
	}
	slices.SortFunc(all, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	for _, secret := range all {
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
