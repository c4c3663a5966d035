package handoff

import (
	"strconv"
	"strings"
	"unicode"
)

// This file holds the character rules every user value meets: which
// characters are invisible, which are control characters, and how a value is
// made one line of printable text for the log and the diagnostics.

// isInvisible reports a Unicode format character (category Cf: zero-width
// spaces, joiners, the byte-order mark, bidirectional overrides). They print
// as nothing, so a value made of them looks set while it says nothing, and
// one holding a right-to-left override shows something else than it holds.
func isInvisible(r rune) bool { return unicode.Is(unicode.Cf, r) }

// withoutInvisible removes every format character from s.
func withoutInvisible(s string) string {
	if !strings.ContainsFunc(s, isInvisible) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isInvisible(r) {
			return -1
		}
		return r
	}, s)
}

// hasControl reports a control character (category Cc: escapes, NUL,
// newlines, tabs, C1 controls such as CSI). A terminal acts on them, so a
// value holding one can move the cursor and overwrite what was printed.
func hasControl(s string) bool { return strings.ContainsFunc(s, unicode.IsControl) }

// oneLine makes s one line of printable text: white space of any kind
// (newlines and tabs included) separates words by one space, control and
// format characters are removed, and invalid UTF-8 becomes U+FFFD. What a
// terminal shows is then what the value holds, so a value cannot forge or
// hide a line of the log.
func oneLine(s string) string {
	var b strings.Builder
	pendingSpace := false
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case unicode.IsSpace(r):
			pendingSpace = true
			continue
		case unicode.IsControl(r), isInvisible(r):
			continue
		}
		if pendingSpace && b.Len() > 0 {
			b.WriteByte(' ')
		}
		pendingSpace = false
		b.WriteRune(r)
	}
	return b.String()
}

// quote shows a user's value in a message: quoted, with anything invisible or
// non-printable escaped, so the person sees exactly what to fix.
func quote(s string) string { return strconv.Quote(s) }
