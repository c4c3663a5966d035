package probe

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptrace"
	"sync/atomic"
)

// How a path stays one request on the wire.
//
// The probe keeps HTTP/2 (a TLS endpoint is asked as a real client would ask
// it) and makes a resend impossible instead of avoiding the protocol. Every
// place where net/http would send a request with a body again goes through
// Request.GetBody (HTTP/2) or rewinds the body through it (HTTP/1.1 and the
// no-cached-connection path), unless nothing of the request was written. In
// Go 1.26:
//
//   - h2_bundle.go, http2shouldRetryRequest: after a refused stream, a
//     PROTOCOL_ERROR reset from the peer or a GOAWAY (http2canRetryError), a
//     request with a body is sent again only with a body from req.GetBody;
//     without GetBody only on http2errClientConnUnusable, which
//     awaitOpenSlotForStreamLocked returns before a stream is opened.
//   - transport.go, Transport.roundTrip: http2isNoCachedConnError means no
//     connection was found for the request (nothing written);
//     persistConn.shouldRetryRequest sends a nothingWrittenError again only
//     when the request has no body or has GetBody, and anything else only
//     when Request.isReplayable, which a POST without an Idempotency-Key
//     header never is; rewindBody then asks GetBody for a body already read
//     or closed.
//   - client.go, Client.Do: a 307 or 308 asks GetBody for the next hop
//     before CheckRedirect is consulted, which is one reason the probe calls
//     the transport directly (Client.transport).
//
// So the decision is the probe's: GetBody hands out the body again only
// while no request of the path has been written (firstSendOnly). That lets
// net/http send a request that never left the client, such as a stream a
// GOAWAY on a shared connection aborted before its HEADERS were written (a
// fleet's other checks, or the other path of the same check), on a fresh
// connection: the first send, not a resend. Once anything was written,
// GetBody refuses, and the path fails.
//
// http.NewRequest sets an unguarded GetBody for the reader types it knows
// (bytes.Reader, bytes.Buffer, strings.Reader); the body is handed over
// inside io.NopCloser, which it does not unwrap there, so that the guard is
// the only GetBody there ever is, with the length set explicitly.
//
// The count of requests written is measured, not assumed: an
// httptrace.ClientTrace on the request's context counts WroteHeaders, which
// both HTTP/1 (Request.write) and HTTP/2 (after the HEADERS frame) call once
// per request handed to the connection. HTTP/2's RoundTrip returns an
// abort only after the stream's writer has finished, so the count GetBody
// reads is final for the attempt that failed; the one exception is a
// request whose context ended meanwhile, and a send under an ended context
// writes nothing (encodeAndWriteHeaders checks it under the write lock). If
// any layer ever resends, Attempts says so, and the handoff stops with
// uncontrolled_retry.

// errNotResent is the failure of a path whose request was written when the
// transport wanted to send it again.
var errNotResent = errors.New("the connection failed after the request was handed to it " +
	"(the server refused or reset the stream, sent GOAWAY, or closed the connection); not sent again: each path is one request on the wire")

// newSendOnceRequest builds a POST whose body is handed out again only while
// written, the path's count of requests written, is zero.
func newSendOnceRequest(ctx context.Context, target string, payload []byte, written *atomic.Int32) (*http.Request, error) {
	httpReq, err := http.NewRequestWithContext(ctx, http.MethodPost, target, io.NopCloser(bytes.NewReader(payload)))
	if err != nil {
		return nil, err
	}
	httpReq.ContentLength = int64(len(payload))
	httpReq.GetBody = firstSendOnly(payload, written)
	return httpReq, nil
}

// firstSendOnly is a GetBody that answers with payload while nothing has
// been written and with errNotResent after.
func firstSendOnly(payload []byte, written *atomic.Int32) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) {
		if written.Load() > 0 {
			return nil, errNotResent
		}
		return io.NopCloser(bytes.NewReader(payload)), nil
	}
}

// countWrites returns ctx carrying a trace that counts the requests written
// under it, and the counter.
func countWrites(ctx context.Context) (context.Context, *atomic.Int32) {
	var written atomic.Int32
	trace := &httptrace.ClientTrace{WroteHeaders: func() { written.Add(1) }}
	return httptrace.WithClientTrace(ctx, trace), &written
}
