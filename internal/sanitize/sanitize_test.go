package sanitize

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

const (
	key     = "sk-test-approvedKey0123456789abcdef"
	invalid = "sk-test-ZZinvalidYY98765432qwertyu"
	token   = "ledgerTokenFake0123456789ABCDEFgh"
)

// split puts sep between every character of s.
func split(s, sep string) string { return strings.Join(strings.Split(s, ""), sep) }

func TestText(t *testing.T) {
	scrub := New(key, invalid, "  "+token+"\n")
	tests := []struct {
		name, in, want string
		max            int
	}{
		{"plain message unchanged", "HTTP 401: invalid x-api-key", "HTTP 401: invalid x-api-key", 300},
		{"key whole", "bad key " + key + ".", "bad key [redacted].", 300},
		{"token echoed trimmed", "token=" + token + ";", "token=[redacted];", 300},
		{"key split by U+200B", "got " + split(key, "\u200b") + " ok", "got [redacted] ok", 300},
		{"key split by U+0001", "got " + split(key, "\x01") + " ok", "got [redacted] ok", 300},
		{"key split by DEL and newlines", "got " + split(key[:10], "\x7f") + "\n" + key[10:] + " ok", "got [redacted] ok", 300},
		{"key split by spaces", "got " + split(key, " ") + " ok", "got [redacted] ok", 300},
		{"key split by variation selectors and fillers", "got " + split(key, "\ufe0f\u034f\u3164\U000E0041") + " ok", "got [redacted] ok", 300},
		{"key split by Braille blanks", "got " + split(key, "\u2800") + " ok", "got [redacted] ok", 300},
		{"eight characters of the key", "part " + key[19:27] + " !", "part [redacted] !", 300},
		{"seven characters of the key kept", "part " + key[19:26] + " !", "part " + key[19:26] + " !", 300},
		{"both keys next to each other", key + invalid, "[redacted]", 300},
		{"token after a long run of spaces, cut last", "token" + strings.Repeat(" ", 264) + token, "token [redacted]", 300},
		{"token straddling the cut", strings.Repeat("x", 290) + " " + token, strings.Repeat("x", 290) + " [reda…", 297},
		{"escapes removed", "\x1b[2Kline\x1b]0;title\x07 two", "[2Kline]0;title two", 300},
		{"key split by quoted U+200B, as net/http quotes a status line", fmt.Sprintf("malformed HTTP status code %q", "X"+split(key, "\u200b")), `malformed HTTP status code "X[redacted]"`, 300},
		{"key split by quoted U+0001 in a header line", fmt.Sprintf("malformed MIME header line: %q", "Location: "+split(key, "\x01")), `malformed MIME header line: "Location: [redacted]"`, 300},
		{"figures and ids kept", "used 12 prompt tokens at 2026-12-01T10:00:00Z, id 1", "used 12 prompt tokens at 2026-12-01T10:00:00Z, id 1", 300},
		{"other key shapes", "Bearer abc.def sk-ant-api03-other AIzaSyFakeFakeFake00", "Bearer [redacted] [redacted] [redacted]", 300},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := scrub.Text(tt.in, tt.max)
			if got != tt.want {
				t.Errorf("Text = %q, want %q", got, tt.want)
			}
			if n := utf8.RuneCountInString(got); n > tt.max {
				t.Errorf("length %d > %d", n, tt.max)
			}
			if scrub.Leaks(got) {
				t.Errorf("Text kept a credential: %q", got)
			}
		})
	}
}

// A short identifier that is not a secret is never touched, whatever the
// secrets: ledger_user_id = "1" once turned "with 12 prompt" into
// "with 1[redacted]".
func TestNonSecretsUntouched(t *testing.T) {
	scrub := New(key, "", "   ")
	in := "user 1 with 12 prompt tokens"
	if got := scrub.Text(in, 300); got != in {
		t.Errorf("Text = %q, want it unchanged", got)
	}
}

func TestShortSecretRedactedWhole(t *testing.T) {
	scrub := New("abc-12")
	if got := scrub.Text("got a\u200bbc-\n12 and abc", 300); got != "got [redacted] and abc" {
		t.Errorf("Text = %q", got)
	}
}

func TestNormalize(t *testing.T) {
	for _, in := range []string{"TBD\u034f", "TBD\ufe0f", "TBD\u200b", "T\u115fBD\u1160", "TBD\uffa0", "TBD\U000E0001", "TBD\x00", "\u2060TBD\u00ad"} {
		if got := Normalize(in); got != "TBD" {
			t.Errorf("Normalize(%q) = %q, want TBD", in, got)
		}
	}
	if got := Normalize("\u3164"); got != "" {
		t.Errorf("Normalize(Hangul filler) = %q", got)
	}
	if got := Normalize(" a\tb\n"); got != " a\tb\n" {
		t.Errorf("white space changed: %q", got)
	}
	if got := Normalize("bad \xff"); got != "bad \uFFFD" {
		t.Errorf("invalid UTF-8: %q", got)
	}
}

func TestForms(t *testing.T) {
	got := Forms(" sk-a\u200bb ", "")
	want := []string{" sk-a\u200bb ", "sk-a\u200bb", "sk-ab"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Forms = %q, want %q", got, want)
	}
}

func TestFold(t *testing.T) {
	for _, in := range []string{"ＴＢＤ", "T\u0336B\u0336D\u0336", "TBD\u034f", "𝐓𝐁𝐃", "TBD\u200b"} {
		if got := Fold(in); got != "TBD" {
			t.Errorf("Fold(%q) = %q, want TBD", in, got)
		}
	}
	for _, in := range []string{"café", "無効", "team-a", "Ελλάδα"} {
		if got := Fold(in); got != in {
			t.Errorf("Fold(%q) = %q, want it unchanged", in, got)
		}
	}
}
