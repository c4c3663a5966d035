package handoff

import (
	"fmt"
	"unicode/utf8"
)

// The size limits (DESIGN.md, Limits on input), in one place. They bound what the
// provider stores, shows and sends to a paid API.
const (
	// MaxTagLength bounds, in characters, each allocation tag and the other
	// one-line values: operator, follow_up_owner, unit_name, billing_unit.
	MaxTagLength = 256
)

// lengthReason completes a sentence that starts with the value's name
// when value holds more than maxChars characters; "" when it does not.
func lengthReason(value string, maxChars int) string {
	if n := utf8.RuneCountInString(value); n > maxChars {
		return fmt.Sprintf("is %d characters long; at most %d are allowed", n, maxChars)
	}
	return ""
}

// CheckText applies the rules of a one-line value (an allocation tag,
// operator, follow_up_owner, unit_name, billing_unit): no control
// characters, at most MaxTagLength characters. name starts the message.
func CheckText(name, value string) error {
	if reason := textProblem(value); reason != "" {
		return fmt.Errorf("%s %s", name, reason)
	}
	return nil
}

// textProblem is CheckText's rule, completing a sentence that starts with the
// value's name; "" when the value is fine.
func textProblem(value string) string {
	if hasControl(value) {
		return "holds control characters; remove them"
	}
	return lengthReason(value, MaxTagLength)
}
