package probe

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptrace"
	"sync/atomic"
)

// How a path stays one request on the wire.
//
// The probe keeps HTTP/2 (a TLS endpoint is asked as a real client would ask
// it) and makes a resend impossible instead of avoiding the protocol: the
// request body can be read once and never rewound. net/http resends only
// what it can rewind, or what provably never left the client. In Go 1.26:
//
//   - h2_bundle.go, http2shouldRetryRequest: after a refused stream, a
//     PROTOCOL_ERROR reset from the peer or a GOAWAY (http2canRetryError), a
//     request with a body is resent only through req.GetBody; without it the
//     request is resent only on http2errClientConnUnusable, which
//     awaitOpenSlotForStreamLocked returns before a stream is opened, so
//     before any HEADERS frame is written. Everything else fails with
//     "cannot retry err [...] after Request.Body was written".
//   - transport.go, Transport.roundTrip: http2isNoCachedConnError means no
//     connection was found for the request at all (nothing written);
//     otherwise persistConn.shouldRetryRequest resends a nothingWrittenError
//     only when the request has no body or has GetBody, and anything else
//     only when Request.isReplayable, which a POST without GetBody (and
//     without an Idempotency-Key header) never is; rewindBody then refuses
//     a body already read without GetBody (errCannotRewind).
//
// http.NewRequest sets GetBody for the reader types it knows (bytes.Reader,
// bytes.Buffer, strings.Reader), so the body is handed over inside
// io.NopCloser, which it does not unwrap there, with the length set
// explicitly. (The transport still sees an in-memory body through the
// NopCloser, so it writes headers and body together, as before.)
//
// The count of requests written is measured, not assumed: an
// httptrace.ClientTrace on the request's context counts WroteHeaders, which
// both HTTP/1 (Request.write) and HTTP/2 (after the HEADERS frame) call once
// per request put on the wire. If any layer ever resends, Attempts says so,
// and the handoff stops with uncontrolled_retry.

// newSendOnceRequest builds a POST whose body can be sent exactly once.
func newSendOnceRequest(ctx context.Context, target string, payload []byte) (*http.Request, error) {
	httpReq, err := http.NewRequestWithContext(ctx, http.MethodPost, target, io.NopCloser(bytes.NewReader(payload)))
	if err != nil {
		return nil, err
	}
	httpReq.ContentLength = int64(len(payload))
	httpReq.GetBody = nil // NewRequest sets none for this type; stated so that no later change adds one
	return httpReq, nil
}

// countWrites returns ctx carrying a trace that counts the requests written
// under it, and the counter.
func countWrites(ctx context.Context) (context.Context, *atomic.Int32) {
	var written atomic.Int32
	trace := &httptrace.ClientTrace{WroteHeaders: func() { written.Add(1) }}
	return httptrace.WithClientTrace(ctx, trace), &written
}
