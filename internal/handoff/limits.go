package handoff

import (
	"fmt"
	"unicode/utf8"
)

// The bound of a one-line value (DESIGN.md, Limits on input), which the
// allocation policy applies at plan and at apply. The other bounds on input
// (the prompt, extra_body_json, a key) are the rule book's
// (internal/rulebook).
//
// MaxTagLength bounds, in characters, each allocation tag and the other
// one-line values: operator, follow_up_owner, unit_name, billing_unit.
const MaxTagLength = 256

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
