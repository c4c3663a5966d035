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
	// MaxPromptBytes bounds the prompt sent to the paid API.
	MaxPromptBytes = 4 << 10
	// MaxExtraBodyBytes bounds extra_body_json.
	MaxExtraBodyBytes = 16 << 10
)

// CheckLength refuses value when it holds more than maxChars characters.
func CheckLength(name, value string, maxChars int) error {
	if reason := lengthReason(value, maxChars); reason != "" {
		return fmt.Errorf("%s %s", name, reason)
	}
	return nil
}

func lengthReason(value string, maxChars int) string {
	if n := utf8.RuneCountInString(value); n > maxChars {
		return fmt.Sprintf("is %d characters long; at most %d are allowed", n, maxChars)
	}
	return ""
}

// CheckSize refuses value when it is larger than maxBytes bytes.
func CheckSize(name, value string, maxBytes int) error {
	if n := len(value); n > maxBytes {
		return fmt.Errorf("%s is %d bytes; at most %d (%s) are allowed", name, n, maxBytes, kib(maxBytes))
	}
	return nil
}

func kib(n int) string {
	if n%1024 == 0 {
		return fmt.Sprintf("%d KiB", n/1024)
	}
	return fmt.Sprintf("%d bytes", n)
}

// CheckPrompt applies MaxPromptBytes to the prompt.
func CheckPrompt(prompt string) error { return CheckSize("prompt", prompt, MaxPromptBytes) }

// CheckExtraBody applies MaxExtraBodyBytes to extra_body_json.
func CheckExtraBody(body string) error {
	return CheckSize("extra_body_json", body, MaxExtraBodyBytes)
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
