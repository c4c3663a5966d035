package handoff

import (
	"strings"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/sanitize"
)

// placeholderWords are values people type when they do not know the answer
// yet; a handoff carrying one is as incomplete as one carrying nothing.
var placeholderWords = map[string]bool{
	"tbd": true, "todo": true, "unknown": true, "none": true, "n/a": true,
	"na": true, "null": true, "changeme": true, "placeholder": true,
}

// IsMissing reports whether an allocation value is absent or a placeholder
// (DESIGN.md): empty or blank, a placeholder word, ending in
// "-placeholder", wrapped in <...>, or containing YYYY. Invisible characters
// (the sanitiser's: format, control and every other default-ignorable one)
// are removed first, compatibility forms folded (NFKC) and the combining
// marks on ASCII letters dropped (sanitize.Fold), and case and surrounding
// space are ignored, so "\u200b", "TBD\u200b", "TBD\u034f", "TBD\ufe0f",
// "\u3164", "ＴＢＤ" and "T\u0336B\u0336D\u0336" are missing.
func IsMissing(value string) bool {
	v := normalised(value)
	switch {
	case v == "":
		return true
	case placeholderWords[v]:
		return true
	case strings.HasSuffix(v, "-placeholder"):
		return true
	case strings.HasPrefix(v, "<") && strings.HasSuffix(v, ">"):
		return true
	case strings.Contains(v, "yyyy"):
		return true
	}
	return false
}

// normalised is value as the placeholder rule reads it.
func normalised(value string) string {
	return strings.ToLower(strings.TrimSpace(sanitize.Fold(value)))
}

// missingReason says why IsMissing holds and what to do, completing a
// sentence that starts with the field name.
func missingReason(value string) string {
	trimmed := strings.TrimSpace(value)
	switch {
	case trimmed == "":
		return "is not set: set a real value"
	case normalised(value) == "":
		return "holds only invisible characters (" + quoteEscaped(trimmed) + "): set a real value"
	}
	return "is a placeholder (" + quoteEscaped(trimmed) + "): replace it with a real value"
}
