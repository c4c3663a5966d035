package handoff

import (
	"strconv"
	"strings"
	"unicode"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/sanitize"
)

// This file holds the character rules every user value meets. Which
// characters are invisible is the sanitiser's rule (sanitize.Normalize removes
// control, format and every other default-ignorable character), so that a
// value the placeholder rule reads as "TBD" is what the log shows too.

// hasControl reports a control character (category Cc: escapes, NUL,
// newlines, tabs, C1 controls such as CSI). A terminal acts on them, so a
// value holding one can move the cursor and overwrite what was printed.
func hasControl(s string) bool { return strings.ContainsFunc(s, unicode.IsControl) }

// oneLine makes s one line of printable text: white space of any kind
// (newlines and tabs included) separates words by one space, invisible
// characters are removed, and invalid UTF-8 becomes U+FFFD. What a terminal
// shows is then what the value holds, so a value cannot forge or hide a line
// of the log.
func oneLine(s string) string { return strings.Join(strings.Fields(sanitize.Normalize(s)), " ") }

// quoteEscaped shows a user's value in a message: Go-quoted
// (strconv.Quote), with anything invisible or non-printable escaped, so the
// person sees exactly what to fix. (sources quotes a URL it has already
// parsed as is; ledger quotes a gateway's words in curly quotes.)
func quoteEscaped(s string) string { return strconv.Quote(s) }
