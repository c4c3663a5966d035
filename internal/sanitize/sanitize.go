// Package sanitize is the one place that turns anything a server sent (a
// response body, a header, a ledger row, a page's status, the text of a
// transport error) into a string that may be stored in state or printed.
//
// Credentials are looked for in the text's canonical form (canonical.go):
// escapes of every kind, percent-encoding and HTML entities decoded,
// compatibility forms folded (NFKC), combining marks and invisible
// characters dropped, case folded, Cyrillic and Greek look-alikes replaced
// by Latin letters, only letters and digits kept; each character of that
// form remembers where in the original it came from. Every Window-long run
// of each credential (in its own canonical form, reversed, in hex and in
// base64) found there is redacted in the original, and so is every
// vendor's key shape found in the decoded text wherever it starts. Nothing
// else in the text changes. The order is fixed:
//
//  1. normalise: remove control, format and every other invisible or
//     default-ignorable character;
//  2. redact every credential run and key shape, found as above;
//  3. redact again on the result, so that a removal cannot join two halves
//     of a key;
//  4. make it one line and cut to length, last; redact again if the cut
//     left something that now decodes to a credential.
//
// Identifiers (request ids, models, token names) are kept only in their
// documented shape (identifier.go); anything else is stored as a digest.
//
// It knows nothing of Terraform, probes or ledgers.
package sanitize

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxMessageRunes is the length every stored message is cut to, whoever
// sent it: an AI API, a ledger or a source page.
const MaxMessageRunes = 300

// Scrubber removes a fixed set of credentials from text. The zero value
// (and a nil one) removes key shapes only. It is safe for concurrent use.
type Scrubber struct {
	windows map[string]bool // every Window-long run of each credential's canonical forms
	whole   []string        // the canonical form of each credential shorter than Window
	forms   []form          // the canonical form of each other credential, and its reverse
}

// New returns a Scrubber for the given credentials; empty ones are ignored.
// The expansion of a secret into the forms a server may echo happens here
// and nowhere else.
func New(secrets ...string) *Scrubber {
	windows, whole, forms := expand(secrets)
	return &Scrubber{windows: windows, whole: whole, forms: forms}
}

// Text makes a free-text message (an error message, a ledger's message, a
// transport error) safe: normalised, every credential and key shape
// redacted however it is encoded, white space collapsed to single spaces,
// cut to at most maxRunes runes.
func (s *Scrubber) Text(in string, maxRunes int) string { return s.clean(in, maxRunes, true) }

// Normalize removes control, format and other invisible characters, keeping
// ordinary white space.
func Normalize(in string) string { return normalize(in) }

// Fold is in as a rule about words reads it: Normalize, then compatibility
// forms folded (NFKC: "ＴＢＤ" is "TBD"), then the combining marks that
// decorate an ASCII letter dropped ("T\u0336B\u0336D\u0336" is "TBD"). The
// placeholder rule reads values through it.
func Fold(in string) string {
	in = norm.NFKC.String(normalize(in))
	var b strings.Builder
	prev := rune(-1)
	for _, r := range in {
		if unicode.In(r, unicode.Mn, unicode.Me) && prev >= 0 && prev < utf8.RuneSelf {
			continue
		}
		prev = r
		b.WriteRune(r)
	}
	return b.String()
}

// Forms are the literal strings the given credentials may be echoed as (as
// given, trimmed, without invisible characters), longest first, for a
// consumer that can only mask literally, such as the plugin log. Text and
// Identifier do not need them: they find a credential however it is
// encoded.
func Forms(secrets ...string) []string { return forms(secrets) }

// Leaks reports whether text holds any of the Scrubber's credentials, or
// any Window-long run of one, in the canonical form (decoded, folded,
// skeletonised, letters and digits only), reversed, in hex or in base64:
// what Text and Identifier guarantee never to return. Tests use it as the
// checker of every stored field and output.
func (s *Scrubber) Leaks(text string) bool { return s.leaks(text) }
