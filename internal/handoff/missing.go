package handoff

import "strings"

// placeholderWords are values people type when they do not know the answer
// yet; a handoff carrying one is as incomplete as one carrying nothing.
var placeholderWords = map[string]bool{
	"tbd": true, "todo": true, "unknown": true, "none": true, "n/a": true,
	"na": true, "null": true, "changeme": true, "placeholder": true,
}

// IsMissing reports whether an allocation value is absent or a placeholder
// (SPEC section 6): empty or blank, a placeholder word, ending in
// "-placeholder", wrapped in <...>, or containing YYYY. Case and surrounding
// space are ignored.
func IsMissing(value string) bool {
	v := strings.ToLower(strings.TrimSpace(value))
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

// missingReason says why IsMissing holds, in words a person can act on.
func missingReason(value string) string {
	if strings.TrimSpace(value) == "" {
		return "is not set"
	}
	return "is a placeholder (" + quote(strings.TrimSpace(value)) + ")"
}

func quote(s string) string { return `"` + s + `"` }
