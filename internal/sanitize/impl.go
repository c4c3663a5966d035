package sanitize

import (
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Redacted replaces whatever was removed.
const Redacted = "[redacted]"

// Window is the length, in characters, of the shortest run of a credential
// that is redacted wherever it appears: a server that echoes a key in
// pieces (or a cut that keeps a prefix) gives away no run this long. A
// credential shorter than Window is redacted whole.
const Window = 12

// maxPasses bounds the repeated redaction; a text still holding a
// credential after it is replaced whole (only a credential built from the
// redaction marker itself could do that).
const maxPasses = 4

// keyShapes match credentials that were not passed in as secrets: another
// key echoed by a gateway, a key in a URL, an Authorization header.
var keyShapes = []struct {
	pattern     *regexp.Regexp
	replacement string
}{
	{regexp.MustCompile(`(?i)\bbearer\s+[^\s"'<>,;]+`), "Bearer " + Redacted},
	// OpenAI (sk-, sk-proj-), Anthropic (sk-ant-), including masked echoes like sk-pro****abcd.
	{regexp.MustCompile(`\bsk-[A-Za-z0-9_*-]{6,}`), Redacted},
	{regexp.MustCompile(`\bAIza[0-9A-Za-z_-]{10,}`), Redacted}, // Google API keys
}

// longToken matches hex and base64 runs long enough to be a token; only runs
// mixing letters and digits are redacted, so long words and paths survive.
// Free text only: a long request id is evidence, not a key.
var longToken = regexp.MustCompile(`[A-Za-z0-9+/_=-]{32,}`)

// secret is one credential as it is looked for: its visible characters
// only, since the text is searched with white space and invisible
// characters taken out (a key split by a newline or U+200B is whole there).
type secret struct {
	view    string
	runes   int
	windows map[string]bool // every Window-long run of view; nil when view is shorter
}

func expand(secrets []string) []secret {
	var out []secret
	for _, s := range secrets {
		v := visible(s)
		if v == "" || slices.ContainsFunc(out, func(o secret) bool { return o.view == v }) {
			continue
		}
		sec := secret{view: v, runes: utf8.RuneCountInString(v)}
		if sec.runes >= Window {
			sec.windows = map[string]bool{}
			starts := runeStarts(v)
			for i := 0; i+Window < len(starts); i++ {
				sec.windows[v[starts[i]:starts[i+Window]]] = true
			}
		}
		out = append(out, sec)
	}
	return out
}

// forms are the strings a credential may be echoed as, for callers that can
// only match literally (the plugin log's masking): as given, trimmed, and
// with invisible characters removed.
func forms(secrets []string) []string {
	var out []string
	for _, s := range secrets {
		for _, v := range []string{s, strings.TrimSpace(s), strings.TrimSpace(normalize(s)), visible(s)} {
			if v != "" && !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// visible is s without white space and invisible characters: the view in
// which credentials are looked for.
func visible(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || isInvisible(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// runeStarts are the byte offsets of each rune of s, then len(s).
func runeStarts(s string) []int {
	starts := make([]int, 0, len(s)+1)
	for i := range s {
		starts = append(starts, i)
	}
	return append(starts, len(s))
}

// isInvisible: a character that prints as nothing, or acts on a terminal,
// other than white space. Unicode's Default_Ignorable_Code_Point set is
// Cf, Other_Default_Ignorable_Code_Point and the variation selectors (less
// a few format characters that do show); the whole of it goes, with the
// control characters, so that "TBD\u034f" reads as TBD and a key split by
// any of them is whole again. Those tables hold the combining grapheme
// joiner, the Hangul fillers and the whole tag and variation-selector
// supplement block, unassigned code points included.
func isInvisible(r rune) bool {
	switch {
	case unicode.IsSpace(r):
		return false
	case unicode.IsControl(r), unicode.Is(unicode.Cf, r),
		unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r),
		unicode.Is(unicode.Variation_Selector, r):
		return true
	}
	return r == '\u2800' // the Braille blank: a symbol by category, yet it prints as nothing
}

func normalize(in string) string {
	in = strings.ToValidUTF8(in, "\uFFFD")
	if !strings.ContainsFunc(in, isInvisible) {
		return in
	}
	return strings.Map(func(r rune) rune {
		if isInvisible(r) {
			return -1
		}
		return r
	}, in)
}

// redactSecrets replaces every span of text that holds a credential whole
// or any Window-long run of one, once white space is skipped, by Redacted.
// Text outside those spans is kept byte for byte.
func (s *Scrubber) redactSecrets(text string) string {
	if s == nil || len(s.secrets) == 0 {
		return text
	}
	// The view: the non-space runes of text, with where each came from.
	var view strings.Builder
	var from []int // byte offset in text of each view rune
	var to []int   // byte offset in text just past each view rune
	for i, r := range text {
		if unicode.IsSpace(r) {
			continue
		}
		view.WriteRune(r)
		from = append(from, i)
		to = append(to, i+utf8.RuneLen(r))
	}
	v := view.String()
	starts := runeStarts(v)
	n := len(from)
	marked := make([]bool, n)
	found := false
	mark := func(i, j int) { // view runes [i, j)
		for k := i; k < j; k++ {
			marked[k] = true
		}
		found = true
	}
	for _, sec := range s.secrets {
		if sec.windows != nil {
			for i := 0; i+Window <= n; i++ {
				if sec.windows[v[starts[i]:starts[i+Window]]] {
					mark(i, i+Window)
				}
			}
			continue
		}
		for off := 0; ; {
			k := strings.Index(v[off:], sec.view)
			if k < 0 {
				break
			}
			i := sort.SearchInts(starts, off+k)
			mark(i, i+sec.runes)
			off += k + len(sec.view)
		}
	}
	if !found {
		return text
	}
	var b strings.Builder
	last := 0
	for i := 0; i < n; {
		if !marked[i] {
			i++
			continue
		}
		j := i
		for j < n && marked[j] {
			j++
		}
		b.WriteString(text[last:from[i]])
		b.WriteString(Redacted)
		last = to[j-1]
		i = j
	}
	b.WriteString(text[last:])
	return b.String()
}

// leaks reports whether text still holds a credential.
func (s *Scrubber) leaks(text string) bool {
	return s != nil && s.redactSecrets(text) != text
}

func redactShapes(text string, freeText bool) string {
	for _, shape := range keyShapes {
		text = shape.pattern.ReplaceAllString(text, shape.replacement)
	}
	if freeText {
		text = longToken.ReplaceAllStringFunc(text, func(token string) string {
			if strings.ContainsFunc(token, unicode.IsLetter) && strings.ContainsFunc(token, unicode.IsDigit) {
				return Redacted
			}
			return token
		})
	}
	return text
}

// clean is the one sequence both Text and Field follow: normalise, redact
// (credentials, then shapes), redact again until nothing changes, make it
// one line, cut last.
func (s *Scrubber) clean(in string, maxRunes int, freeText bool) string {
	out := normalize(in)
	for pass := 0; ; pass++ {
		next := redactShapes(s.redactSecrets(out), freeText)
		if next == out {
			break
		}
		out = next
		if pass == maxPasses {
			if s.leaks(out) {
				out = Redacted
			}
			break
		}
	}
	out = strings.Join(strings.Fields(out), " ")
	return cut(out, maxRunes)
}

func cut(s string, maxRunes int) string {
	if maxRunes <= 0 || utf8.RuneCountInString(s) <= maxRunes {
		return s
	}
	return string([]rune(s)[:maxRunes-1]) + "…"
}
