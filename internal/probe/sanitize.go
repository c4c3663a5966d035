package probe

import "github.com/costhandoff/terraform-provider-costhandoff/internal/sanitize"

// MaxMessageLength bounds a Result's Message and every other text field of
// a Result, in characters.
const MaxMessageLength = 300

// Sanitize is the sanitiser's rule for free text at a Result's length: a
// message is normalised, scrubbed of the secrets (however a server hides
// them) and of key shapes, made one line and cut last.
func Sanitize(message string, secrets ...string) string {
	return sanitize.New(secrets...).Text(message, MaxMessageLength)
}
