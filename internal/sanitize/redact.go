package sanitize

import (
	"encoding/base64"
	"encoding/hex"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Redacted replaces whatever was removed.
const Redacted = "[redacted]"

// Window is the length, in characters of the canonical form, of the
// shortest run of a credential that is redacted wherever it appears: a
// server that echoes a key in pieces (or a cut that keeps a prefix) gives
// away no run this long. A credential shorter than Window is redacted
// whole.
const Window = 8

// maxPasses bounds the repeated redaction; a text still holding a
// credential after it is replaced whole (only a credential built from the
// redaction marker itself could do that).
const maxPasses = 4

// vendorPrefixes are the public beginnings of vendors' keys, longest first.
// A window made only of one says nothing secret, and is not looked for:
// otherwise every mention of another key of the same vendor, or of a word
// the prefix spells, would be cut.
var vendorPrefixes = []string{
	"sk-ant-admin01-", "sk-ant-api03-", "github_pat_", "sk-svcacct-", "sk-admin-", "sk-or-v1-",
	"sk-proj-", "sk-test-", "sk_live_", "sk_test_", "rk_live_", "rk_test_", "sk-ant-",
	"glpat-", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "gsk_", "xai-", "AIza", "sk-",
}

// keyShapes match credentials that were not passed in as secrets: another
// key echoed by a gateway, a key in a URL, an Authorization header. They
// are matched in the decoded view (escapes and entities undone, NFKC, case
// folded, look-alikes replaced, invisibles dropped), so they are written in
// lower case, and with no word boundary where a vendor's prefix is
// distinctive: a key glued to a letter (keysk-proj-…, [2Ksk-ant-…, xAIza…)
// is still a key. Group 1 is what is redacted.
var keyShapes = []struct {
	hints     []string // the pattern can only match a text holding one of these
	pattern   *regexp.Regexp
	needDigit bool // only a match holding a digit is a key
}{
	{[]string{"bearer"}, regexp.MustCompile(`\bbearer\s+([^\s"'<>,;]+)`), false},
	{[]string{"sk-"}, regexp.MustCompile(`(sk-(?:proj|ant|svcacct|admin|or)-[a-z0-9_*-]{8,})`), false},
	{[]string{"sk-"}, regexp.MustCompile(`(?:^|[^a-z0-9])(sk-[a-z0-9_*-]{6,})`), false},               // sk- after no letter or digit, masked echoes (sk-pro****abcd) included
	{[]string{"sk-"}, regexp.MustCompile(`(sk-[a-z0-9_*-]{20,})`), true},                              // sk- glued to a word
	{[]string{"k_live_", "k_test_"}, regexp.MustCompile(`([sr]k_(?:live|test)_[a-z0-9]{8,})`), false}, // Stripe-like
	{[]string{"aiza"}, regexp.MustCompile(`(?:^|[^a-z0-9])(aiza[0-9a-z_-]{10,})`), false},             // Google
	{[]string{"aiza"}, regexp.MustCompile(`(aiza[0-9a-z_-]{30,})`), true},
	{[]string{"gh", "github_pat_"}, regexp.MustCompile(`(gh[pousr]_[a-z0-9]{20,}|github_pat_[a-z0-9_]{20,})`), false}, // GitHub
	{[]string{"glpat-"}, regexp.MustCompile(`(glpat-[a-z0-9_-]{20,})`), false},                                        // GitLab
	{[]string{"xai-"}, regexp.MustCompile(`(xai-[a-z0-9]{20,})`), true},                                               // xAI
	{[]string{"gsk_"}, regexp.MustCompile(`(gsk_[a-z0-9]{20,})`), true},                                               // Groq
	{[]string{"hf_"}, regexp.MustCompile(`(hf_[a-z0-9]{30,})`), true},                                                 // Hugging Face
	{[]string{"xox"}, regexp.MustCompile(`(xox[abprs]-[a-z0-9-]{10,})`), true},                                        // Slack
	{[]string{"akia", "asia"}, regexp.MustCompile(`((?:akia|asia)[0-9a-z]{16})`), true},                               // AWS access key ids
}

// longTokenRunes is the length of a run of hex or base64 characters long
// enough to be a token; only runs mixing letters and digits are redacted,
// so long words and paths survive. Free text only: a long request id is
// evidence, not a key.
const longTokenRunes = 32

func isTokenByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '_' || c == '=' || c == '-'
}

// expand computes what a Scrubber looks for: every Window-long run of each
// credential's canonical form, of its reverse, and of its hex and base64
// encodings (at each of base64's three alignments), less the runs made
// only of a public vendor prefix; and the whole canonical form of a
// credential shorter than Window.
func expand(secrets []string) (map[string]bool, []string, []form) {
	windows := map[string]bool{}
	var whole []string
	var forms []form
	for _, s := range secrets {
		raw := visible(s)
		c := []rune(canonicalForm(s))
		if len(c) == 0 {
			continue
		}
		if len(c) < Window {
			if !slices.Contains(whole, string(c)) {
				whole = append(whole, string(c))
			}
			continue
		}
		prefix := vendorPrefix(raw)
		skip := utf8.RuneCountInString(canonicalForm(prefix))
		addWindows(windows, c, skip, 0)
		forms = append(forms, form{string(c), skip, 0})
		slices.Reverse(c)
		addWindows(windows, c, 0, skip)
		forms = append(forms, form{string(c), 0, skip})
		// The encodings of the secret part only: a run of the hex or base64
		// of a public prefix says nothing secret. Of the credential as
		// given (trimmed) and without its white space and invisibles.
		for _, form := range slices.Compact([]string{raw, strings.TrimSpace(s)}) {
			for _, enc := range encodings(form[len(vendorPrefix(form)):]) {
				addWindows(windows, []rune(canonicalForm(enc)), 0, 0)
			}
		}
	}
	return windows, whole, forms
}

// form is a credential's canonical form (or its reverse) and the length of
// the public vendor prefix at its head (or tail).
type form struct {
	text       string
	head, tail int
}

// vendorPrefix is the public vendor prefix s starts with, as s spells it;
// "" if none.
func vendorPrefix(s string) string {
	for _, p := range vendorPrefixes {
		if len(s) >= len(p) && strings.EqualFold(s[:len(p)], p) {
			return s[:len(p)]
		}
	}
	return ""
}

// addWindows adds the Window-long runs of c, less those lying wholly in
// its first head or last tail characters.
func addWindows(windows map[string]bool, c []rune, head, tail int) {
	for i := 0; i+Window <= len(c); i++ {
		if i+Window <= head || i >= len(c)-tail {
			continue
		}
		windows[string(c[i:i+Window])] = true
	}
}

// encodings are the hex and base64 spellings of s a server may send; the
// base64 ones at each alignment of s in a longer encoded text, less the
// characters that depend on what surrounds it.
func encodings(s string) []string {
	out := []string{hex.EncodeToString([]byte(s))}
	for k := range 3 {
		enc := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("\x00", k) + s))
		drop := []int{0, 2, 3}[k]
		if len(enc) > drop+4 {
			out = append(out, enc[drop:len(enc)-4])
		}
	}
	return out
}

// visible is s without white space and invisible characters.
func visible(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || isInvisible(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
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

// interval is a span [from, to) of the original text to redact.
type interval struct{ from, to int }

// credentials are the spans of text holding a Window-long run of a
// credential (or a short credential whole) in any of the forms expand
// computed, found in text's canonical view.
func (s *Scrubber) credentials(v *views) []interval {
	if s == nil || (len(s.windows) == 0 && len(s.whole) == 0) {
		return nil
	}
	cv := &v.canonical
	n := cv.runes()
	marked := make([]bool, n)
	for i := 0; i+Window <= n; i++ {
		if s.windows[cv.text[cv.starts[i]:cv.starts[i+Window]]] && !v.inMarker(cv.span(i, i+Window)) {
			for k := i; k < i+Window; k++ {
				marked[k] = true
			}
		}
	}
	for _, w := range s.whole {
		for off := 0; ; {
			k := strings.Index(cv.text[off:], w)
			if k < 0 {
				break
			}
			i := cv.runeAt(off + k)
			j := cv.runeAt(off + k + len(w))
			if !v.inMarker(cv.span(i, j)) {
				for m := i; m < j; m++ {
					marked[m] = true
				}
			}
			off += k + len(w)
		}
	}
	return cv.spans(marked)
}

// shapes are the spans of text the decoded view shows as a key of some
// vendor.
func shapes(v *views) []interval {
	dv := &v.decoded
	var out []interval
	for _, shape := range keyShapes {
		if !slices.ContainsFunc(shape.hints, func(h string) bool { return strings.Contains(dv.text, h) }) {
			continue
		}
		for _, m := range shape.pattern.FindAllStringSubmatchIndex(dv.text, -1) {
			if match := dv.text[m[2]:m[3]]; match == Redacted || shape.needDigit && !strings.ContainsFunc(match, unicode.IsDigit) {
				continue
			}
			out = append(out, dv.spanOf(m[2], m[3]))
		}
	}
	return out
}

// longTokens are the spans of text the decoded view shows as a long run of
// hex or base64 characters mixing letters and digits: free text only.
func longTokens(v *views) []interval {
	t := v.decoded.text
	var out []interval
	for i := 0; i < len(t); {
		if !isTokenByte(t[i]) {
			i++
			continue
		}
		j := i
		letter, digit := false, false
		for j < len(t) && isTokenByte(t[j]) {
			letter = letter || t[j] >= 'a' && t[j] <= 'z'
			digit = digit || t[j] >= '0' && t[j] <= '9'
			j++
		}
		if j-i >= longTokenRunes && letter && digit {
			out = append(out, v.decoded.spanOf(i, j))
		}
		i = j
	}
	return out
}

// stages are what is redacted, in order: credentials first, so that a key
// shape or a long token around a credential ("token=<key>") loses only the
// credential; then key shapes; then, in free text, long tokens.
func (s *Scrubber) stages(freeText bool) []func(*views) []interval {
	out := []func(*views) []interval{s.credentials, shapes}
	if freeText {
		out = append(out, longTokens)
	}
	return out
}

// find is every span of text to redact, by every stage at once.
func (s *Scrubber) find(text string, freeText bool) []interval {
	v := canonicalise(text)
	var out []interval
	for _, stage := range s.stages(freeText) {
		out = append(out, stage(&v)...)
	}
	return out
}

// replace puts Redacted in place of each span (overlapping or touching
// spans become one); the rest of text is kept byte for byte.
func replace(text string, spans []interval) string {
	if len(spans) == 0 {
		return text
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].from < spans[j].from })
	var b strings.Builder
	last := 0
	for i := 0; i < len(spans); {
		from, to := spans[i].from, spans[i].to
		for i++; i < len(spans) && spans[i].from <= to; i++ {
			to = max(to, spans[i].to)
		}
		b.WriteString(text[last:from])
		b.WriteString(Redacted)
		last = to
	}
	b.WriteString(text[last:])
	return b.String()
}

// leaks reports whether text still holds a credential.
func (s *Scrubber) leaks(text string) bool {
	v := canonicalise(text)
	return len(s.credentials(&v)) > 0
}

// redact removes every credential, key shape and (in free text) long
// token from text, stage by stage, again on the result until nothing
// changes (a removal may join two halves).
func (s *Scrubber) redact(text string, freeText bool) string {
	stages := s.stages(freeText)
	for range maxPasses * len(stages) {
		v := canonicalise(text)
		found := false
		for _, stage := range stages {
			if spans := stage(&v); len(spans) > 0 {
				text, found = replace(text, spans), true
				break
			}
		}
		if !found {
			return text
		}
	}
	if len(s.find(text, freeText)) > 0 {
		return Redacted
	}
	return text
}

// clean is the one sequence Text follows: normalise, redact (credentials
// and shapes, until nothing changes), make it one line, cut last; and, as
// a cut may leave a partial escape that decodes otherwise, redact and cut
// again if the cut text holds anything.
func (s *Scrubber) clean(in string, maxRunes int, freeText bool) string {
	out := head(in, maxRunes)
	for range maxPasses {
		redacted := s.redact(normalize(out), freeText)
		out = cut(strings.Join(strings.Fields(redacted), " "), maxRunes)
		// redact returns a text in which find finds nothing: only a text
		// that the join or the cut changed is looked at again.
		if out == redacted || len(s.find(out, freeText)) == 0 {
			return out
		}
	}
	return cut(Redacted, maxRunes)
}

// head is the part of in that can reach a message cut to maxRunes: the
// first (maxRunes+Window)*headFactor characters other than white space,
// which leaves room for escapes (\U0001d400 is ten characters for one) and
// redactions. It keeps the sanitiser linear in the message, not the body;
// what it returns is redacted and checked again after the cut like the rest.
func head(in string, maxRunes int) string {
	if maxRunes <= 0 {
		return in
	}
	n := 0
	for i, r := range in {
		if unicode.IsSpace(r) {
			continue
		}
		if n++; n > (maxRunes+Window)*headFactor {
			return in[:i]
		}
	}
	return in
}

// headFactor: see head.
const headFactor = 16

func cut(s string, maxRunes int) string {
	if maxRunes <= 0 || utf8.RuneCountInString(s) <= maxRunes {
		return s
	}
	return string([]rune(s)[:maxRunes-1]) + "…"
}
