package standin

import (
	"net/http"
	"strings"
)

// Hostile echoes: a server that hides the keys it was sent in what it
// answers, with characters that print as nothing or that a sanitiser
// removing them after redaction would join back together.
const (
	// EchoSplitFormat answers a refused key with a 401 whose message holds
	// the key received and the approved key, each with U+200B every three
	// bytes; an accepted key with a 200 whose model and body id are the
	// approved key so split, without a request-id header.
	EchoSplitFormat Behaviour = "echo_split_format"
	// EchoSplitControl is EchoSplitFormat with U+0001 between every two
	// characters.
	EchoSplitControl Behaviour = "echo_split_control"
)

// hostileSplits is how each hostile behaviour splits a key: the separator
// and every how many bytes it goes.
var hostileSplits = map[Behaviour]struct {
	sep   string
	every int
}{
	EchoSplitFormat:  {"\u200b", 3},
	EchoSplitControl: {"\x01", 1},
}

// splitKey inserts sep into key every n bytes.
func splitKey(key, sep string, n int) string {
	var b strings.Builder
	for i := 0; i < len(key); i += n {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(key[i:min(i+n, len(key))])
	}
	return b.String()
}

// answerHostile answers x as its hostile behaviour says.
func (s *Server) answerHostile(w http.ResponseWriter, x exchange) {
	split := hostileSplits[x.behaviour]
	hide := func(key string) string { return splitKey(key, split.sep, split.every) }
	w.Header().Del(x.protocol.requestIDHeader)
	if !x.accepted {
		x.protocol.writeFailure(w, failure{kind: echoedKey, key: hide(x.key) + " (the approved key is " + hide(s.approved) + ")"})
		return
	}
	c, f, ok := x.protocol.parse(x.path, x.body)
	if !ok {
		x.protocol.writeFailure(w, f)
		return
	}
	c.model = hide(s.approved)
	body := x.protocol.successBody(c, usageFor(Normal, c), false)
	body[x.protocol.idField] = hide(s.approved)
	writeJSON(w, http.StatusOK, body)
}
