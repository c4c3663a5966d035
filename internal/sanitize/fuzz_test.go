package sanitize

import (
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/sanitize/leakcheck"
)

// hidingChars are what a server may put inside a credential to hide it:
// format, control, default-ignorable and white-space characters.
var hidingChars = []rune{
	'\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u202e', '\u00ad', '\u061c', // Cf
	'\x00', '\x01', '\x1b', '\x7f', '\u0085', '\u009b', // Cc
	'\ufe0f', '\ufe00', '\U000E0100', '\u180b', // variation selectors
	'\u034f', '\u115f', '\u1160', '\u3164', '\uffa0', '\U000E0041', '\u2065', // other default-ignorable
	' ', '\n', '\t', '\r', '\u00a0', '\u3000', '\u2002', '\u205f', '\u1680', // white space
	'\u2800', // prints as nothing, though not a format character
}

// hide inserts hidingChars into s, chosen and placed by pattern.
func hide(s string, pattern []byte) string {
	if len(pattern) == 0 {
		return s
	}
	var b strings.Builder
	for i, r := range []rune(s) {
		p := pattern[i%len(pattern)]
		if p%3 != 0 {
			b.WriteRune(hidingChars[int(p)%len(hidingChars)])
		}
		b.WriteRune(r)
	}
	return b.String()
}

// serverFields are the shapes of what a server sends that reach a stored
// field: a JSON error message, a model name, a body id, a ledger row.
var serverFields = []string{
	`{"error":{"message":"Incorrect API key provided: %s","type":"invalid_request_error"}}`,
	`%s`,
	`chatcmpl-%s`,
	`{"success":false,"message":"token %s is not allowed"}`,
	`request_id=%s token_name=team`,
}

// fuzzEncodings are the ways FuzzScrubber encodes a hidden credential
// before it goes into a server's field, chosen by the encoding argument:
// none, then every encoding of keyEncodings (encodings_test.go), in a
// fixed order.
var fuzzEncodings = func() []func(string) string {
	names := make([]string, 0, len(keyEncodings))
	for name := range keyEncodings {
		names = append(names, name)
	}
	slices.Sort(names)
	out := []func(string) string{func(s string) string { return s }}
	for _, name := range names {
		out = append(out, keyEncodings[name])
	}
	return out
}()

func FuzzScrubber(f *testing.F) {
	f.Add("sk-test-approvedKey0123456789", "sk-test-invalidKeyABCDEFGHIJ", "ledgerTokenFake0123456789ABCDEF", uint8(0), uint8(0), []byte{1}, "prefix ", 300)
	f.Add("sk-test-approvedKey0123456789", "sk-test-invalidKeyABCDEFGHIJ", "ledgerTokenFake0123456789ABCDEF", uint8(1), uint8(1), []byte{10, 11}, "", 300)
	f.Add("  sk-ant-api03-fakefakefake  ", "sk-ant-Zinvalidinvalid", "tok", uint8(2), uint8(2), []byte{1, 2, 4, 5}, strings.Repeat(" ", 264), 40)
	f.Add("AIzaFakeFakeFake0000000000", "AIzaInvalidInvalid00000000", "0123456789abcdef0123456789abcdef", uint8(3), uint8(3), []byte{7, 8, 13, 14, 16, 17}, "x", 300)
	f.Add("opaque credential with spaces", "sk-costhandoff-invalid-XYZ", "short", uint8(0), uint8(4), []byte{26, 28}, "[redacted]", 12)
	for i := range fuzzEncodings {
		f.Add("sk-test-Zq8LmN2vXw4RtY6uP0oI9k", "sk-test-invalidKeyABCDEFGHIJ", "ledgerTokenFake0123456789ABCDEF", uint8(i), uint8(i), []byte{byte(i)}, "x", 300)
	}
	f.Fuzz(func(t *testing.T, approved, invalid, ledgerToken string, which, field uint8, pattern []byte, filler string, maxRunes int) {
		secrets := []string{approved, invalid, ledgerToken}
		encode := fuzzEncodings[int(which)/len(secrets)%len(fuzzEncodings)]
		hidden := hide(encode(secrets[int(which)%len(secrets)]), pattern)
		in := filler + strings.Replace(serverFields[int(field)%len(serverFields)], "%s", hidden, 1) + filler
		scrub := New(secrets...)
		pieces := []string{in, filler, hidden}
		scrub.Pieces(Stored{Value: &pieces[0]}, Stored{Value: &pieces[1], Identifier: true}, Stored{Value: &pieces[2]})
		for name, got := range map[string]string{"Text": scrub.Text(in, maxRunes), "Identifier": scrub.Identifier(Model, in)} {
			if name == "Identifier" && got != in {
				// A digest is 16 hex digits of a hash: it holds no part of
				// the value, whatever short credential its digits spell.
				if got != Digest(in) {
					t.Errorf("Identifier(%q) = %q, want it kept or its digest", in, got)
				}
				continue
			}
			// A credential shorter than the window is matched whole in the
			// canonical form; literally, its characters may still be
			// digits of an escape (%00 for the credential "0").
			if survivor := survivingRun(got, secrets); survivor != "" && len([]rune(survivor)) >= Window {
				t.Errorf("%s(%q) = %q keeps %q", name, in, got, survivor)
			}
			if scrub.Leaks(got) {
				t.Errorf("%s(%q) = %q holds a credential in the canonical form", name, in, got)
			}
			if run := leakcheck.Find(strings.ReplaceAll(got, Redacted, " "), secrets...); len([]rune(run)) >= Window && printableASCII(strings.Join(secrets, "")) == strings.Join(strings.Fields(strings.Join(secrets, "")), "") {
				t.Errorf("%s(%q) = %q keeps %q (leakcheck)", name, in, got, run)
			}
			if !utf8.ValidString(got) || (name == "Text" && maxRunes > 0 && utf8.RuneCountInString(got) > maxRunes) {
				t.Errorf("%s: invalid or overlong %q", name, got)
			}
			if strings.ContainsFunc(got, isInvisible) || strings.ContainsFunc(got, func(r rune) bool { return r != ' ' && strings.ContainsRune("\n\t\r\v\f", r) }) {
				t.Errorf("%s: not one line of visible text: %q", name, got)
			}
		}
	})
}

// survivingRun is the first Window-long run (or a whole shorter credential)
// of any secret found in the output, both read as their letters and digits
// only, case folded: a rule of the test's own (no decoding, no look-alike
// table) rather than the sanitiser's, so a hiding character the sanitiser
// does not know is caught here. The guarantee is about the letters and
// digits of a credential: its punctuation carries no secret.
func survivingRun(out string, secrets []string) string {
	for _, s := range secrets {
		if !utf8.ValidString(s) {
			continue // no credential can be sent in a header that is not UTF-8; Leaks checks it in the canonical form
		}
		// Each part between the sanitiser's markers on its own: the marker's
		// letters are not the credential's.
		for _, part := range strings.Split(out, Redacted) {
			if run := sharedRun(lettersAndDigits(part), []rune(lettersAndDigits(s))); run != "" {
				return run
			}
		}
	}
	return ""
}

// lettersAndDigits is s's letters and digits, in lower case.
func lettersAndDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, s)
}

// sharedRun is a Window-long run of secret (or the whole of a shorter one)
// that view holds, "" for none.
func sharedRun(view string, secret []rune) string {
	if len(secret) == 0 {
		return ""
	}
	if len(secret) < Window {
		if strings.Contains(view, string(secret)) && !strings.Contains(Redacted, string(secret)) {
			return string(secret)
		}
		return ""
	}
	vr := []rune(view)
	runs := make(map[string]bool, len(vr)) // every Window-long run of the view, so the check stays linear
	for i := 0; i+Window <= len(vr); i++ {
		runs[string(vr[i:i+Window])] = true
	}
	for i := 0; i+Window <= len(secret); i++ {
		if run := string(secret[i : i+Window]); runs[run] {
			return run
		}
	}
	return ""
}

// printableASCII keeps only the characters from '!' to '~'.
func printableASCII(s string) string {
	return strings.Map(func(r rune) rune {
		if r < '!' || r > '~' {
			return -1
		}
		return r
	}, s)
}
