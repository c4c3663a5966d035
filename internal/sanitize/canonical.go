package sanitize

import (
	"html"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// The canonical form is how every text (and every credential) is looked at
// when credentials are searched for: escapes of every kind decoded (Go and
// JSON \u, \U, \x, octal and the single-letter escapes, percent-encoding,
// HTML entities decimal, hex and named), compatibility forms folded (NFKC:
// fullwidth, mathematical letters), combining marks and invisible
// characters dropped, case folded, Cyrillic and Greek look-alikes replaced
// by the Latin letter they imitate, and, in the canonical view, only
// letters and digits kept. Every character of the views remembers the
// span of the original text it came from, so that what is found is
// redacted in the original and nothing else changes.

// unit is one character of a view and the original bytes [from, to) it came from.
type unit struct {
	r        rune
	from, to int
}

// maxDecodePasses bounds the decoding of nested encodings (a percent-encoded
// \u escape, an entity inside an escape); each pass undoes one layer.
const maxDecodePasses = 3

// views are the two ways a text is searched: decoded (every character kept
// but invisibles and marks, folded and skeletonised: key shapes are matched
// here) and canonical (letters and digits only: credentials are matched
// here). Each is a string with the original span of each of its runes.
type views struct {
	decoded, canonical view
	markers            []interval // where the original holds Redacted
}

// inMarker: the original span [from, to) lies within a Redacted marker,
// which is the sanitiser's own text, never a credential.
func (v *views) inMarker(from, to int) bool {
	for _, m := range v.markers {
		if from >= m.from && to <= m.to {
			return true
		}
	}
	return false
}

type view struct {
	text     string
	starts   []int // byte offset in text of each rune, then len(text)
	from, to []int // original span of each rune
}

func (v *view) runes() int { return len(v.from) }

// runeAt is the index of the rune starting at byte offset off of v.text.
func (v *view) runeAt(off int) int { return sort.SearchInts(v.starts, off) }

// spans are the original byte spans of the view's runs of marked runes.
func (v *view) spans(marked []bool) []interval {
	var out []interval
	for i := 0; i < len(marked); {
		if !marked[i] {
			i++
			continue
		}
		j := i
		for j < len(marked) && marked[j] {
			j++
		}
		from, to := v.span(i, j)
		out = append(out, interval{from, to})
		i = j
	}
	return out
}

// span is the original byte span of the view's runes [i, j).
func (v *view) span(i, j int) (int, int) {
	from, to := v.from[i], v.to[i]
	for k := i + 1; k < j; k++ {
		from, to = min(from, v.from[k]), max(to, v.to[k])
	}
	return from, to
}

// spanOf is the original span of the view's bytes [start, end).
func (v *view) spanOf(start, end int) interval {
	from, to := v.span(v.runeAt(start), v.runeAt(end))
	return interval{from, to}
}

// canonicalise builds both views of text.
func canonicalise(text string) views {
	units := decode(compat(rawUnits(text)))
	var dv, cv view
	var db, cb strings.Builder
	for _, u := range compat(units) {
		r := fold(u.r)
		if r < 0 || isInvisible(r) || unicode.In(r, unicode.Mn, unicode.Me) {
			continue
		}
		dv.starts = append(dv.starts, db.Len())
		db.WriteRune(r)
		dv.from, dv.to = append(dv.from, u.from), append(dv.to, u.to)
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			cv.starts = append(cv.starts, cb.Len())
			cb.WriteRune(r)
			cv.from, cv.to = append(cv.from, u.from), append(cv.to, u.to)
		}
	}
	dv.text, cv.text = db.String(), cb.String()
	dv.starts = append(dv.starts, len(dv.text))
	cv.starts = append(cv.starts, len(cv.text))
	var markers []interval
	for off := 0; ; {
		k := strings.Index(text[off:], Redacted)
		if k < 0 {
			break
		}
		markers = append(markers, interval{off + k, off + k + len(Redacted)})
		off += k + len(Redacted)
	}
	return views{decoded: dv, canonical: cv, markers: markers}
}

// canonicalForm is text's canonical form: what credentials are matched in
// (escapes, percent-encoding and entities decoded, NFKC, case folded,
// look-alikes replaced, letters and digits only).
func canonicalForm(text string) string { return canonicalise(text).canonical.text }

func rawUnits(text string) []unit {
	out := make([]unit, 0, len(text))
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		out = append(out, unit{r, i, i + n})
		i += n
	}
	return out
}

// compat folds each character's compatibility form (NFKC), which may be
// several characters, each keeping the original span.
func compat(in []unit) []unit {
	var out []unit
	for i, u := range in {
		if u.r < utf8.RuneSelf || norm.NFKC.IsNormalString(string(u.r)) {
			if out != nil {
				out = append(out, u)
			}
			continue
		}
		if out == nil {
			out = append(make([]unit, 0, len(in)+8), in[:i]...)
		}
		for _, r := range norm.NFKC.String(string(u.r)) {
			out = append(out, unit{r, u.from, u.to})
		}
	}
	if out == nil {
		return in
	}
	return out
}

// decode undoes escapes, percent-encoding and HTML entities, layer by
// layer, until nothing changes.
func decode(in []unit) []unit {
	for range maxDecodePasses {
		out, changed := decodeOnce(in)
		if !changed {
			break
		}
		in = out
	}
	return in
}

func hexVal(r rune) int {
	switch {
	case r >= '0' && r <= '9':
		return int(r - '0')
	case r >= 'a' && r <= 'f':
		return int(r-'a') + 10
	case r >= 'A' && r <= 'F':
		return int(r-'A') + 10
	}
	return -1
}

// hexAt reads n hex digits at in[i:]; -1 if there are not n.
func hexAt(in []unit, i, n int) int {
	if i+n > len(in) {
		return -1
	}
	v := 0
	for k := range n {
		d := hexVal(in[i+k].r)
		if d < 0 {
			return -1
		}
		v = v*16 + d
	}
	return v
}

var singleEscapes = map[rune]rune{
	'n': '\n', 't': '\t', 'r': '\r', 'a': '\a', 'b': '\b', 'f': '\f', 'v': '\v', '0': 0, 'e': 0x1b,
	'\\': '\\', '"': '"', '\'': '\'', '/': '/',
}

// byteRun collects the bytes of consecutive \xHH, octal or %HH escapes,
// which together may spell one UTF-8 character.
type byteRun struct {
	bytes []byte
	from  []int
	to    []int
}

func (b *byteRun) flush(out []unit) []unit {
	for i := 0; i < len(b.bytes); {
		r, n := utf8.DecodeRune(b.bytes[i:])
		out = append(out, unit{r, b.from[i], b.to[i+n-1]})
		i += n
	}
	b.bytes, b.from, b.to = b.bytes[:0], b.from[:0], b.to[:0]
	return out
}

func decodeOnce(in []unit) ([]unit, bool) {
	out := make([]unit, 0, len(in))
	changed := false
	var bytes byteRun
	for i := 0; i < len(in); {
		u := in[i]
		// A byte escape: \xHH, \NNN (octal) or %HH.
		if n, b := byteEscape(in, i); n > 0 {
			bytes.bytes = append(bytes.bytes, b)
			bytes.from = append(bytes.from, u.from)
			bytes.to = append(bytes.to, in[i+n-1].to)
			i += n
			changed = true
			continue
		}
		out = bytes.flush(out)
		if r, n := runeEscape(in, i); n > 0 {
			out = append(out, unit{r, u.from, in[i+n-1].to})
			i += n
			changed = true
			continue
		}
		if s, n := entity(in, i); n > 0 {
			for _, r := range s {
				out = append(out, unit{r, u.from, in[i+n-1].to})
			}
			i += n
			changed = true
			continue
		}
		out = append(out, u)
		i++
	}
	return bytes.flush(out), changed
}

func byteEscape(in []unit, i int) (int, byte) {
	switch in[i].r {
	case '%':
		if v := hexAt(in, i+1, 2); v >= 0 {
			return 3, byte(v)
		}
	case '\\':
		if i+1 >= len(in) {
			return 0, 0
		}
		if r := in[i+1].r; r == 'x' || r == 'X' {
			if v := hexAt(in, i+2, 2); v >= 0 {
				return 4, byte(v)
			}
		}
		if i+3 < len(in) {
			v := 0
			for k := 1; k <= 3; k++ {
				r := in[i+k].r
				if r < '0' || r > '7' {
					return 0, 0
				}
				v = v*8 + int(r-'0')
			}
			if v < 256 {
				return 4, byte(v)
			}
		}
	}
	return 0, 0
}

// runeEscape reads \uXXXX (with a following low surrogate if any),
// \u{X...}, \UXXXXXXXX and the single-character escapes.
func runeEscape(in []unit, i int) (rune, int) {
	if in[i].r != '\\' || i+1 >= len(in) {
		return 0, 0
	}
	switch in[i+1].r {
	case 'u':
		if v := hexAt(in, i+2, 4); v >= 0 {
			if v >= 0xD800 && v < 0xDC00 && i+7 < len(in) && in[i+6].r == '\\' && in[i+7].r == 'u' {
				if lo := hexAt(in, i+8, 4); lo >= 0xDC00 && lo < 0xE000 {
					return rune((v-0xD800)<<10|(lo-0xDC00)) + 0x10000, 12
				}
			}
			return rune(v), 6
		}
		if i+2 < len(in) && in[i+2].r == '{' {
			v := 0
			for k := i + 3; k < len(in) && k < i+10; k++ {
				if in[k].r == '}' && k > i+3 {
					return rune(v), k - i + 1
				}
				d := hexVal(in[k].r)
				if d < 0 {
					break
				}
				v = v*16 + d
			}
		}
	case 'U':
		if v := hexAt(in, i+2, 8); v >= 0 && v <= unicode.MaxRune {
			return rune(v), 10
		}
	default:
		if r, ok := singleEscapes[in[i+1].r]; ok {
			return r, 2
		}
	}
	return 0, 0
}

// entity reads an HTML character reference: &#NNN; &#xHH; (the semicolon
// optional) or a named one (&amp; with its semicolon).
func entity(in []unit, i int) (string, int) {
	if in[i].r != '&' || i+2 >= len(in) {
		return "", 0
	}
	if in[i+1].r == '#' {
		k, v, base := i+2, 0, 10
		if in[k].r == 'x' || in[k].r == 'X' {
			base, k = 16, k+1
		}
		start := k
		for ; k < len(in) && k < start+8; k++ {
			d := hexVal(in[k].r)
			if d < 0 || d >= base {
				break
			}
			v = v*base + d
		}
		if k == start || v > unicode.MaxRune {
			return "", 0
		}
		if k < len(in) && in[k].r == ';' {
			k++
		}
		return string(rune(v)), k - i
	}
	k := i + 1
	for ; k < len(in) && k < i+33; k++ {
		r := in[k].r
		if r == ';' {
			break
		}
		if r >= utf8.RuneSelf || !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return "", 0
		}
	}
	if k >= len(in) || in[k].r != ';' || k == i+1 {
		return "", 0
	}
	var name strings.Builder
	for _, u := range in[i : k+1] {
		name.WriteRune(u.r)
	}
	if s := html.UnescapeString(name.String()); s != name.String() {
		return s, k - i + 1
	}
	return "", 0
}

// fold is r case folded and, if it is a Cyrillic or Greek letter that looks
// like a Latin one, that Latin letter. Capitals are replaced before the
// case is folded, since Greek Η looks like H but η like n.
func fold(r rune) rune {
	if l, ok := lookAlikeCapitals[r]; ok {
		return l
	}
	r = unicode.ToLower(r)
	if l, ok := lookAlikes[r]; ok {
		return l
	}
	return r
}

var lookAlikeCapitals = map[rune]rune{
	// Greek
	'Α': 'a', 'Β': 'b', 'Ε': 'e', 'Ζ': 'z', 'Η': 'h', 'Ι': 'i', 'Κ': 'k', 'Μ': 'm', 'Ν': 'n', 'Ο': 'o', 'Ρ': 'p', 'Τ': 't', 'Υ': 'y', 'Χ': 'x',
	// Cyrillic
	'А': 'a', 'В': 'b', 'Е': 'e', 'К': 'k', 'М': 'm', 'Н': 'h', 'О': 'o', 'Р': 'p', 'С': 'c', 'Т': 't', 'У': 'y', 'Х': 'x', 'Ѕ': 's', 'І': 'i', 'Ј': 'j', 'Ԛ': 'q', 'Ԝ': 'w', 'Ү': 'y',
}

var lookAlikes = map[rune]rune{
	// Cyrillic
	'а': 'a', 'в': 'b', 'е': 'e', 'ё': 'e', 'к': 'k', 'м': 'm', 'н': 'h', 'о': 'o', 'п': 'n', 'р': 'p', 'с': 'c', 'т': 't', 'у': 'y', 'х': 'x',
	'ѕ': 's', 'і': 'i', 'ї': 'i', 'ј': 'j', 'һ': 'h', 'ԁ': 'd', 'ԛ': 'q', 'ԝ': 'w', 'ӏ': 'l', 'ь': 'b', 'ү': 'y', 'г': 'r',
	// Greek
	'α': 'a', 'β': 'b', 'γ': 'y', 'ε': 'e', 'ζ': 'z', 'η': 'n', 'ι': 'i', 'κ': 'k', 'μ': 'u', 'ν': 'v', 'ο': 'o', 'ρ': 'p', 'τ': 't', 'υ': 'u', 'χ': 'x', 'ω': 'w', 'ϲ': 'c', 'ϳ': 'j', 'ς': 's',
	// Latin letters that look like others
	'ı': 'i', 'ȷ': 'j', 'ɑ': 'a', 'ɡ': 'g',
}
