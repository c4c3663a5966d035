package standin

import (
	"encoding/base64"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
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
	// EchoStatusLine answers every request (over HTTP/1.1) with a raw
	// status line that is not one: "HTTP/1.1 X" followed by the key
	// received and the approved key, each with U+200B between every two
	// characters, which Go's client quotes with %q into its error (U+200B
	// becomes the six characters \u200b). Over HTTP/2, where a status line
	// cannot be written, it answers a 401 whose message is the same text
	// quoted.
	EchoStatusLine Behaviour = "echo_status_line"
	// EchoHeaderLine answers every request (over HTTP/1.1) with a 200
	// whose Location header line holds both keys with U+0001 between every
	// two characters: Go's client refuses the line and quotes it (\x01).
	// Over HTTP/2, a 401 whose message is the same text quoted.
	EchoHeaderLine Behaviour = "echo_header_line"
	// EchoEncoded answers with both keys encoded as a server may: a
	// refused key gets a 401 whose message holds the key received
	// percent-encoded, as HTML entities (decimal and hex), as JSON \u
	// escapes written out, fullwidth and in mathematical bold, and an
	// X-Request-Id holding the approved key percent-encoded; an accepted
	// key gets a 200 whose model is the approved key in Cyrillic
	// look-alikes, whose body id is its base64, and whose X-Request-Id is
	// it reversed and split by "/" every 8 characters.
	EchoEncoded Behaviour = "echo_encoded"
	// EchoPieces cuts the approved key into pieces of 7 characters (one
	// short of the sanitiser's window) and sends one in each field a
	// server controls: the message of a refusal, and the model, the body
	// id, X-Request-Id and the gateway's request-id header of an answer.
	EchoPieces Behaviour = "echo_pieces"
)

// PieceLength is how long EchoPieces' pieces of the key are.
const PieceLength = 7

// chunks cuts s into runs of n bytes, the last one shorter.
func chunks(s string, n int) []string {
	var out []string
	for len(s) > n {
		out, s = append(out, s[:n]), s[n:]
	}
	return append(out, s)
}

// piece is the i-th piece of PieceLength bytes of key, "" past its end.
func piece(key string, i int) string {
	if p := chunks(key, PieceLength); i < len(p) {
		return p[i]
	}
	return ""
}

// everyChar puts sep between every two characters of s.
func everyChar(s, sep string) string { return strings.Join(strings.Split(s, ""), sep) }

// rawAnswer takes over an HTTP/1.1 connection and writes head (a status
// line and header lines of the caller's making) and an empty body; over
// HTTP/2 it answers a 401 whose message is quoted (Go's %q) instead.
func rawAnswer(w http.ResponseWriter, x exchange, head string) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		x.protocol.writeFailure(w, failure{kind: echoedKey, key: strconv.Quote(head)})
		return
	}
	defer conn.Close()
	_, _ = buf.WriteString(head + "\r\n")
	_ = buf.Flush()
}

// encodedEcho is key in every free-text encoding EchoEncoded sends.
func encodedEcho(key string) string {
	var dec, hexEnt, jsonEsc strings.Builder
	for _, r := range key {
		fmt.Fprintf(&dec, "&#%d;", r)
		fmt.Fprintf(&hexEnt, "&#x%x;", r)
		fmt.Fprintf(&jsonEsc, `\u%04x`, r)
	}
	fullwidth := strings.Map(func(r rune) rune {
		if r > ' ' && r <= '~' {
			return r + 0xFF01 - '!'
		}
		return r
	}, key)
	bold := strings.Map(func(r rune) rune {
		switch {
		case r >= 'A' && r <= 'Z':
			return 0x1D400 + r - 'A'
		case r >= 'a' && r <= 'z':
			return 0x1D41A + r - 'a'
		case r >= '0' && r <= '9':
			return 0x1D7CE + r - '0'
		}
		return r
	}, key)
	return strings.Join([]string{url.PathEscape(everyChar(key, "\u200b")), dec.String(), hexEnt.String(), jsonEsc.String(), fullwidth, bold}, " ")
}

// lookAlike is key with Latin letters replaced by Cyrillic ones that look the same.
var lookAlike = strings.NewReplacer("a", "а", "e", "е", "o", "о", "p", "р", "c", "с", "x", "х", "y", "у", "i", "і", "s", "ѕ")

// hiddenAnswer is how a hostile answer hides the keys: in a refusal, the
// key it echoes (refused) and its headers; in a success, the body's model
// and id and the headers.
type hiddenAnswer struct {
	refused       string
	refusedHeader http.Header
	model, id     string
	header        http.Header
}

// answerHidden answers x, refused or accepted, as h hides the keys, never
// with the protocol's own request-id header.
func (s *Server) answerHidden(w http.ResponseWriter, x exchange, h hiddenAnswer) {
	w.Header().Del(x.protocol.requestIDHeader)
	if !x.accepted {
		maps.Copy(w.Header(), h.refusedHeader)
		x.protocol.writeFailure(w, failure{kind: echoedKey, key: h.refused})
		return
	}
	c, f, ok := x.protocol.parse(x.path, x.body)
	if !ok {
		x.protocol.writeFailure(w, f)
		return
	}
	maps.Copy(w.Header(), h.header)
	c.model = h.model
	body := x.protocol.successBody(c, usageFor(Normal, c), false)
	body[x.protocol.idField] = h.id
	writeJSON(w, http.StatusOK, body)
}

// echoBoth is a refusal's echo of the key received and the approved key,
// each hidden by hide.
func (s *Server) echoBoth(x exchange, hide func(string) string) string {
	return hide(x.key) + " (the approved key is " + hide(s.approved) + ")"
}

// answerEncoded answers x as EchoEncoded and EchoPieces say.
func (s *Server) answerEncoded(w http.ResponseWriter, x exchange) {
	if x.behaviour == EchoPieces {
		pieceOf := func(i int) string { return piece(s.approved, i) }
		s.answerHidden(w, x, hiddenAnswer{refused: pieceOf(0), model: pieceOf(1), id: pieceOf(4),
			header: http.Header{"X-Request-Id": {pieceOf(2)}, "X-Oneapi-Request-Id": {pieceOf(3)}}})
		return
	}
	reversed := []rune(s.approved)
	slices.Reverse(reversed)
	s.answerHidden(w, x, hiddenAnswer{
		refused:       s.echoBoth(x, encodedEcho),
		refusedHeader: http.Header{"X-Request-Id": {url.PathEscape(s.approved)}},
		model:         lookAlike.Replace(s.approved),
		id:            base64.StdEncoding.EncodeToString([]byte(s.approved)),
		header:        http.Header{"X-Request-Id": {splitKey(string(reversed), "/", 8)}},
	})
}

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
func splitKey(key, sep string, n int) string { return strings.Join(chunks(key, n), sep) }

// answerHostile answers x as its hostile behaviour says.
func (s *Server) answerHostile(w http.ResponseWriter, x exchange) {
	switch x.behaviour {
	case EchoStatusLine:
		rawAnswer(w, x, "HTTP/1.1 X"+everyChar(x.key, "\u200b")+"\u200b"+everyChar(s.approved, "\u200b")+"\r\n")
		return
	case EchoHeaderLine:
		rawAnswer(w, x, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nLocation: "+everyChar(x.key, "\x01")+"\x01"+everyChar(s.approved, "\x01")+"\r\n")
		return
	case EchoEncoded, EchoPieces:
		s.answerEncoded(w, x)
		return
	}
	split := hostileSplits[x.behaviour]
	hide := func(key string) string { return splitKey(key, split.sep, split.every) }
	s.answerHidden(w, x, hiddenAnswer{refused: s.echoBoth(x, hide), model: hide(s.approved), id: hide(s.approved)})
}
