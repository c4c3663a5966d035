package sanitize

import (
	"cmp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Placeholder implementation: the security work replaces it (normalise,
// redact across removed characters, redact again, cut).

const redacted = "[redacted]"

func expand(secrets []string) []string {
	var out []string
	for _, s := range secrets {
		for _, v := range []string{s, strings.TrimSpace(s), normalize(s)} {
			if v != "" && !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	slices.SortFunc(out, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	return out
}

func isInvisible(r rune) bool {
	if unicode.IsSpace(r) {
		return false
	}
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) ||
		unicode.Is(unicode.Variation_Selector, r) || r == '\u034f' || r == '\u115f' || r == '\u1160' || r == '\u3164' || r == '\uffa0'
}

func normalize(in string) string {
	return strings.Map(func(r rune) rune {
		if isInvisible(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(in, "\uFFFD"))
}

func (s *Scrubber) redact(in string) string {
	if s == nil {
		return in
	}
	for _, secret := range s.secrets {
		in = strings.ReplaceAll(in, secret, redacted)
	}
	return in
}

func (s *Scrubber) text(in string, maxRunes int) string {
	out := s.redact(normalize(in))
	out = strings.Join(strings.Fields(s.redact(out)), " ")
	return cut(out, maxRunes)
}

func (s *Scrubber) field(in string, maxRunes int) string {
	return cut(strings.TrimSpace(s.redact(s.redact(normalize(in)))), maxRunes)
}

func cut(s string, maxRunes int) string {
	if maxRunes <= 0 || utf8.RuneCountInString(s) <= maxRunes {
		return s
	}
	return string([]rune(s)[:maxRunes-1]) + "…"
}
