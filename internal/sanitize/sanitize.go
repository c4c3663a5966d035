// Package sanitize is the one place that turns anything a server sent (a
// response body, a header, a ledger row, a page's status) into a string
// that may be stored in state or printed. The order is fixed, because each
// step defeats a different way of hiding a credential:
//
//  1. normalise: remove control, format and every other invisible or
//     default-ignorable character, so that a key split by U+200B or U+0001
//     is whole again before anything looks for it;
//  2. redact each credential, as sent and as a server may echo it
//     (trimmed), and every key-shaped string;
//  3. redact again on the result, so that a removal cannot join two halves
//     of a key;
//  4. cut to length, last, so that a cut can never leave part of a key.
//
// It knows nothing of Terraform, probes or ledgers.
package sanitize

// MaxMessageRunes is the length every stored message is cut to, whoever
// sent it: an AI API, a ledger or a source page.
const MaxMessageRunes = 300

// Scrubber removes a fixed set of credentials from text. The zero value
// removes key shapes only. It is safe for concurrent use.
type Scrubber struct {
	secrets []secret // each credential's visible characters, none empty
}

// New returns a Scrubber for the given credentials; empty ones are ignored.
// The expansion of a secret into the forms a server may echo happens here
// and nowhere else.
func New(secrets ...string) *Scrubber { return &Scrubber{secrets: expand(secrets)} }

// Text makes a free-text message (an error message, a ledger's message)
// safe: normalised, every credential and key shape redacted, white space
// collapsed to single spaces, cut to at most maxRunes runes.
func (s *Scrubber) Text(in string, maxRunes int) string { return s.clean(in, maxRunes, true) }

// Field makes an identifier taken from a server (a request id, a model
// name, a token name) safe: as Text, but a long id is kept (it is evidence,
// not a key) unless it is a credential or has a vendor key's shape.
func (s *Scrubber) Field(in string, maxRunes int) string { return s.clean(in, maxRunes, false) }

// Normalize removes control, format and other invisible characters, keeping
// ordinary white space; it is the rule the placeholder check and the
// sanitiser share.
func Normalize(in string) string { return normalize(in) }

// Forms are the literal strings the given credentials may be echoed as (as
// given, trimmed, without invisible characters), longest first, for a
// consumer that can only mask literally, such as the plugin log. Text and
// Field do not need them: they find a credential whatever is inserted into
// it.
func Forms(secrets ...string) []string { return forms(secrets) }

// Leaks reports whether text holds any of the Scrubber's credentials whole
// or any Window-long run of one, once white space and invisible characters
// are taken out: what Text and Field guarantee never to return.
func (s *Scrubber) Leaks(text string) bool { return s.leaks(normalize(text)) }
