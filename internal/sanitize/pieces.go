package sanitize

import "slices"

// MinPiece is the shortest piece of a credential looked for across the
// stored fields of one run: pieces this long or longer, in any fields and
// any order, that together spell a Window-long run of a credential are
// removed. A shorter piece is not looked for: three characters of a random
// key are common in any text.
const MinPiece = 4

// Stored is one string a run stores: an identifier (digested when it holds
// a piece) or free text (the piece redacted).
type Stored struct {
	Value      *string
	Identifier bool
}

// cover is one field's piece of a credential: field, and the runes [i, i+MinPiece) of its canonical view.
type cover struct{ field, i int }

// Pieces removes the pieces of a credential that the fields hold between
// them (issue 27: a key cut in five pieces, one in each of five fields).
// Each field has been cleaned already, so no field holds a Window-long run
// on its own; here every MinPiece-long run of a field's canonical view is
// placed on the credential's canonical form (and its reverse), and where
// the places found in all fields together cover a Window-long run of the
// credential, every piece covering it is removed: redacted in free text,
// the whole value digested in an identifier. A piece made only of a public
// vendor prefix (sk-test-) does not count. What is guaranteed: no
// Window-long run of a credential can be put together from pieces of
// MinPiece or more characters of the fields, each holding at least one
// character after the public prefix.
func (s *Scrubber) Pieces(fields ...Stored) {
	if s == nil || len(s.forms) == 0 {
		return
	}
	views := make([]views, len(fields))
	for f, field := range fields {
		if field.Value != nil {
			views[f] = canonicalise(*field.Value)
		}
	}
	marked := make([][]bool, len(fields))
	for _, form := range s.forms {
		c := []rune(form.text)
		// A piece made only of the public prefix (sk-test-, sk-proj-)
		// gives nothing away and does not count.
		grams := map[string][]int{}
		for p := 0; p+MinPiece <= len(c); p++ {
			if p+MinPiece <= form.head || p >= len(c)-form.tail {
				continue
			}
			grams[string(c[p:p+MinPiece])] = append(grams[string(c[p:p+MinPiece])], p)
		}
		covered := make([][]cover, len(c))
		for f := range fields {
			cv := &views[f].canonical
			for i := 0; i+MinPiece <= cv.runes(); i++ {
				for _, p := range grams[cv.text[cv.starts[i]:cv.starts[i+MinPiece]]] {
					for k := p; k < p+MinPiece; k++ {
						covered[k] = append(covered[k], cover{f, i})
					}
				}
			}
		}
		for q := 0; q+Window <= len(c); q++ {
			if slices.ContainsFunc(covered[q:q+Window], func(cs []cover) bool { return len(cs) == 0 }) {
				continue
			}
			for _, cs := range covered[q : q+Window] {
				for _, cv := range cs {
					if marked[cv.field] == nil {
						marked[cv.field] = make([]bool, views[cv.field].canonical.runes())
					}
					for k := cv.i; k < cv.i+MinPiece; k++ {
						marked[cv.field][k] = true
					}
				}
			}
		}
	}
	for f, m := range marked {
		if m == nil {
			continue
		}
		if fields[f].Identifier {
			*fields[f].Value = Digest(*fields[f].Value)
			continue
		}
		*fields[f].Value = replace(*fields[f].Value, views[f].canonical.spans(m))
	}
}
