package standin

import (
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// signInPage is what a captive portal or an SSO gateway answers instead of
// the API.
const signInPage = `<!DOCTYPE html>
<html><head><title>Sign in</title></head>
<body><h1>Sign in to continue</h1>
<form method="post" action="/login"><input name="user"><input name="password" type="password"><button>Sign in</button></form>
</body></html>
`

func writeHTML(w http.ResponseWriter) {
	writeBytes(w, http.StatusOK, "text/html; charset=utf-8", []byte(signInPage))
}

// writeMalformed sends the first half of the protocol's success body, so the
// response is complete at the HTTP level but its JSON is cut.
func writeMalformed(w http.ResponseWriter, p protocol) {
	c := completion{model: "standin", maxTokens: defaultMaxTokens}
	body := p.successBody(c, usageFor(Normal, c), true)
	if data, ok := encodeJSON(w, body); ok {
		writeBytes(w, http.StatusOK, "application/json", data[:len(data)/2])
	}
}

// hugeBodyBytes is the exact length of the HugeBody answer.
const hugeBodyBytes = 64 << 20

// writeHuge streams a 64 MiB JSON-looking body from a generator, so the
// stand-in never holds more than a copy buffer of it.
func writeHuge(w http.ResponseWriter) {
	const head, tail = `{"id":"huge","padding":"`, `"}`
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(hugeBodyBytes))
	w.WriteHeader(http.StatusOK)
	body := io.MultiReader(
		strings.NewReader(head),
		io.LimitReader(padding{}, hugeBodyBytes-int64(len(head)+len(tail))),
		strings.NewReader(tail),
	)
	_, _ = io.Copy(w, body) // a copy error means the client is gone
}

// padding reads as an endless run of 'x'.
type padding struct{}

func (padding) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

// partialResponse announces a 1 KiB JSON body and sends a few bytes of it.
const partialResponse = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1024\r\n\r\n{\"id\":\"chatcmpl-"

// resetConnection takes over the connection, writes the status line, the
// headers and part of the body, then resets the connection (RST, not FIN).
func resetConnection(w http.ResponseWriter) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		resetStream(w)
		return
	}
	defer conn.Close()
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0) // best effort: a plain close still cuts the body short
	}
	_, _ = buf.WriteString(partialResponse)
	_ = buf.Flush()
}

// resetStream is resetConnection over HTTP/2, where a connection cannot be
// taken over: the headers and part of the body, then the stream is reset
// (RST_STREAM INTERNAL_ERROR, which is how Go's server ends an aborted
// handler).
func resetStream(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", "1024")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, `{"id":"chatcmpl-`)
	_ = http.NewResponseController(w).Flush()
	panic(http.ErrAbortHandler)
}

// hugeHeaderBytes is the length of the HugeHeader answer's padding header.
const hugeHeaderBytes = 8 << 20

// hugeHeaderValue is built once, so that what a test measures of memory is
// the client's share.
var hugeHeaderValue = sync.OnceValue(func() string { return strings.Repeat("x", hugeHeaderBytes) })

// writeHugeHeader answers as Normal would, behind an 8 MiB header.
func writeHugeHeader(w http.ResponseWriter, x exchange) {
	w.Header().Set("X-Standin-Padding", hugeHeaderValue())
	answer(w, x)
}

// dropConnection takes over the connection and closes it without a word.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		http.Error(w, "costhandoff-standin: cannot take over the connection", http.StatusInternalServerError)
		return
	}
	_ = conn.Close()
}
