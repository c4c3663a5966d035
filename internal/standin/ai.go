package standin

import (
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"strings"
	"time"
)

// maxRequestBytes bounds what the stand-in reads of a request body; a longer
// body is cut and so fails to parse.
const maxRequestBytes = 1 << 20

// exchange is one AI request with what was decided about it on arrival.
type exchange struct {
	gateway   Gateway
	protocol  protocol
	behaviour Behaviour
	key       string
	accepted  bool
	path      string
	header    http.Header
	body      []byte
}

func (s *Server) serveAI(w http.ResponseWriter, r *http.Request) {
	p, ok := protocolFor(r)
	if !ok {
		http.NotFound(w, r)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBytes))
	if err != nil {
		return // the client is gone
	}
	x, latency := s.arrive(p, r, body)
	defer s.depart()
	if !s.wait(r.Context(), latency) {
		// Without an answer net/http would send an empty 200; this reaches
		// only a client still there, when the server is shutting down.
		http.Error(w, "costhandoff-standin: shutting down", http.StatusServiceUnavailable)
		return
	}
	s.respond(w, r, x)
}

// arrive counts and records the request, snapshotting the behaviour and
// latency in force so that a switch mid-request does not change its answer.
func (s *Server) arrive(p protocol, r *http.Request, body []byte) (exchange, time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	x := exchange{
		gateway:   s.gateway,
		protocol:  p,
		behaviour: s.behaviour,
		key:       p.keyOf(r.Header),
		path:      r.URL.Path,
		header:    r.Header,
		body:      body,
	}
	x.accepted = x.behaviour == AcceptAnyKey || s.keys[x.key]
	s.inFlight++
	s.counts.peakInFlight = max(s.counts.peakInFlight, s.inFlight)
	s.record(Recorded{Protocol: p.name, Proto: r.Proto, Path: x.path, Key: x.key, Header: r.Header.Clone(), Body: body, KeyAccepted: x.accepted})
	return x, s.latency
}

// record counts one AI request; the caller holds s.mu.
func (s *Server) record(r Recorded) {
	s.counts.aiRequests++
	s.counts.requests = append(s.counts.requests, r)
}

func (s *Server) depart() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inFlight--
}

// wait sleeps for the latency and reports whether the request should still
// be answered: false when the client went away (or the server is stopping).
func (s *Server) wait(ctx context.Context, latency time.Duration) bool {
	if latency <= 0 {
		return true
	}
	select {
	case <-s.after(latency):
		return true
	case <-ctx.Done():
		return false
	}
}

// failureBehaviours answer every request with one vendor-shaped error.
var failureBehaviours = map[Behaviour]failureKind{
	ServerError:     serverFailure,
	RateLimited:     rateLimit,
	QuotaExhausted:  quotaExhausted,
	PaymentRequired: paymentRequired,
	EchoKey:         echoedKey,
}

func (s *Server) respond(w http.ResponseWriter, r *http.Request, x exchange) {
	if _, refusal := gatewayRefusalBehaviours[x.behaviour]; refusal && x.gateway == GatewayNone {
		x.gateway = GatewayOneAPI // only a gateway refuses this way
	}
	if x.gateway != GatewayNone {
		s.respondAsGateway(w, r, x)
		return
	}
	s.respondAsVendor(w, r, x)
}

// respondAsVendor answers x as the vendor of its protocol would.
func (s *Server) respondAsVendor(w http.ResponseWriter, r *http.Request, x exchange) {
	if x.protocol.requestIDHeader != "" && x.behaviour != NoRequestID {
		w.Header().Set(x.protocol.requestIDHeader, "req_"+newID())
	}
	if kind, ok := failureBehaviours[x.behaviour]; ok {
		x.protocol.writeFailure(w, failure{kind: kind, key: x.key})
		return
	}
	switch x.behaviour {
	case Normal, AcceptAnyKey, NoUsage, ZeroUsage, NoRequestID:
		if c, u, ok := answer(w, x); ok {
			s.countUsage(x.key, c.model, u)
		}
	case Redirect:
		http.Redirect(w, r, redirectTargetPath, http.StatusFound)
	case HTMLPage:
		writeHTML(w)
	case MalformedJSON:
		writeMalformed(w, x.protocol)
	case HugeBody:
		writeHuge(w)
	case ConnectionReset:
		resetConnection(w)
	case HugeHeader:
		writeHugeHeader(w, x)
	case EchoApprovedKey, EchoTrimmedKey:
		s.answerEchoing(w, x)
	case EchoSplitFormat, EchoSplitControl, EchoStatusLine, EchoHeaderLine, EchoEncoded, EchoPieces:
		s.answerHostile(w, x)
	case H2RefusedStream, H2ProtocolReset, H2GoAway:
		// Over HTTP/2 the gate answered already; over HTTP/1.1 the nearest
		// thing is a connection closed without an answer.
		dropConnection(w)
	default:
		http.Error(w, "costhandoff-standin: unknown behaviour", http.StatusInternalServerError)
	}
}

// answer is the vendor's answer to a well-behaved request: the key, the
// required header and the body are checked in that order. ok reports an
// answered request, with its completion and usage, which the vendor counts.
func answer(w http.ResponseWriter, x exchange) (completion, *tokenUsage, bool) {
	if f, failed := x.authFailure(); failed {
		x.protocol.writeFailure(w, f)
		return completion{}, nil, false
	}
	if h := x.protocol.requiredHeader; h != "" && x.header.Get(h) == "" {
		x.protocol.writeFailure(w, failure{kind: badRequest, detail: h + ": header is required"})
		return completion{}, nil, false
	}
	c, f, ok := x.protocol.parse(x.path, x.body)
	if !ok {
		x.protocol.writeFailure(w, f)
		return completion{}, nil, false
	}
	u := usageFor(x.behaviour, c)
	writeJSON(w, http.StatusOK, x.protocol.successBody(c, u, x.behaviour != NoRequestID))
	return c, u, true
}

// answerEchoing answers as Normal does, but echoes a key: the approved one
// (EchoApprovedKey) or the one received, trimmed (EchoTrimmedKey).
func (s *Server) answerEchoing(w http.ResponseWriter, x exchange) {
	echo := s.approved
	if x.behaviour == EchoTrimmedKey {
		echo = strings.TrimSpace(x.key)
	}
	w.Header().Set("X-Request-Id", "req_"+echo)
	if x.accepted {
		answer(w, x)
		return
	}
	x.protocol.writeFailure(w, failure{kind: echoedKey, key: echo})
}

func (x exchange) authFailure() (failure, bool) {
	switch {
	case x.accepted:
		return failure{}, false
	case x.key == "":
		return failure{kind: missingKey}, true
	default:
		return failure{kind: invalidKey, key: x.key}, true
	}
}

// newID returns a random identifier for response and request ids.
func newID() string {
	return rand.Text()
}
