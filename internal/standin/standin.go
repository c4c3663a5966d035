// Package standin is the local AI API stand-in (DESIGN.md, The stand-in): one server
// that speaks the four AI API shapes the provider supports (OpenAI chat
// completions, OpenAI responses, Anthropic messages, Gemini generateContent)
// with key checking, usage objects, request-id headers and switchable failure
// behaviours. Go tests start it in-process with Start; `make demo` and the
// benchmarks run it as the costhandoff-standin command. It listens on
// loopback only and never makes outbound requests.
package standin

import (
	"cmp"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"
)

// Behaviour selects how the stand-in answers AI API requests.
type Behaviour string

// The behaviours. Every one except the key-, usage- and id-related ones
// answers every AI request the same way, whatever key it carries.
const (
	Normal          Behaviour = "normal"
	ServerError     Behaviour = "server_error"     // 500 with a vendor-shaped error body
	AcceptAnyKey    Behaviour = "accept_any_key"   // invalid or missing keys are accepted (the worst finding)
	NoUsage         Behaviour = "no_usage"         // 200 without a usage object
	ZeroUsage       Behaviour = "zero_usage"       // 200 with every token count 0
	NoRequestID     Behaviour = "no_request_id"    // no request-id header and no body id / responseId
	RateLimited     Behaviour = "rate_limited"     // 429 whose body speaks of a per-minute rate, never quota or credits
	QuotaExhausted  Behaviour = "quota_exhausted"  // 429 whose body speaks of quota or credits
	PaymentRequired Behaviour = "payment_required" // 402
	Redirect        Behaviour = "redirect"         // 302 to /_standin/elsewhere, which counts as an AI request if hit
	HTMLPage        Behaviour = "html"             // 200 text/html sign-in page
	MalformedJSON   Behaviour = "malformed_json"   // 200 application/json cut in half
	HugeBody        Behaviour = "huge_body"        // 200 streaming 64 MiB of JSON-ish bytes
	ConnectionReset Behaviour = "connection_reset" // headers and part of the body, then a TCP reset
	EchoKey         Behaviour = "echo_key"         // 401 whose body echoes the full key sent (for scrub tests)
	// HugeHeader answers 200 with an 8 MiB response header, over HTTP/1.1 and HTTP/2.
	HugeHeader Behaviour = "huge_header"
	// The HTTP/2 misbehaviours, answered by the HTTP/2 gate (h2gate.go) for
	// requests over TLS that negotiated h2: each stream is reset with
	// REFUSED_STREAM, or with PROTOCOL_ERROR, or the connection is sent a
	// GOAWAY naming an earlier stream as the last processed. Go's HTTP/2
	// client resends a request after each of these when it can rewind the
	// body. Over HTTP/1.1, where none of these exist, the stand-in closes the
	// connection without answering.
	H2RefusedStream Behaviour = "h2_refused_stream"
	H2ProtocolReset Behaviour = "h2_protocol_error"
	H2GoAway        Behaviour = "h2_goaway"
	// EchoApprovedKey answers a request carrying a wrong key with the
	// approved key in its X-Request-Id header and its error message: the
	// other path's key, in this path's answer.
	EchoApprovedKey Behaviour = "echo_approved_key"
	// EchoTrimmedKey echoes the key received, trimmed of surrounding space,
	// in X-Request-Id, and in the error message when the key is refused.
	EchoTrimmedKey Behaviour = "echo_trimmed_key"
)

// Behaviours lists every behaviour the stand-in knows, Normal first.
func Behaviours() []Behaviour {
	return []Behaviour{
		Normal, ServerError, AcceptAnyKey, NoUsage, ZeroUsage, NoRequestID,
		RateLimited, QuotaExhausted, PaymentRequired, Redirect, HTMLPage,
		MalformedJSON, HugeBody, ConnectionReset, EchoKey,
		HugeHeader, H2RefusedStream, H2ProtocolReset, H2GoAway,
		EchoApprovedKey, EchoTrimmedKey, EchoSplitFormat, EchoSplitControl,
		EchoStatusLine, EchoHeaderLine, EchoEncoded, EchoPieces,
		GatewayTokenDisabled, GatewayTokenExpired, GatewayTokenQuota, GatewayUserQuota,
		GatewayModelDenied, GatewayNoChannel, GatewayNoPrice, GatewayTokenExhausted,
	}
}

// defaultAPIKey is the approved key when Options.APIKeys is empty.
const defaultAPIKey = "sk-test-Rk4Qz8Wv2Nm7Xc5Jb9Lt"

// Gateway selects which one-api / new-api gateway the stand-in answers as
// (DESIGN.md, The one-api / new-api gateway family); GatewayNone answers as the vendor itself.
type Gateway string

// The gateway flavours.
const (
	GatewayNone   Gateway = ""
	GatewayOneAPI Gateway = "one_api"
	GatewayNewAPI Gateway = "new_api"
	// GatewayLiteLLM answers as a LiteLLM proxy and serves its spend logs.
	GatewayLiteLLM Gateway = "litellm"
	// GatewayOpenRouter answers as OpenRouter and serves its generation records.
	GatewayOpenRouter Gateway = "openrouter"
)

// Options configures a new Server.
type Options struct {
	Gateway   Gateway       // empty answers as the vendor; one_api or new_api answer as that gateway and serve its usage log
	APIKeys   []string      // accepted keys; empty means "sk-test-Rk4Qz8Wv2Nm7Xc5Jb9Lt"
	Behaviour Behaviour     // empty means Normal
	Latency   time.Duration // added before answering an AI request; abandoned when the client goes away
}

// Recorded is one AI request as the stand-in received it.
type Recorded struct {
	Protocol    string // openai_chat, openai_responses, anthropic_messages, gemini, or redirect_target
	Proto       string // HTTP/1.1 or HTTP/2.0, as the request arrived
	Path        string
	Key         string // the key the request carried, "" for none
	Header      http.Header
	Body        []byte
	KeyAccepted bool // whether the key counted as valid (approved, or AcceptAnyKey), whatever the behaviour answered
}

// Server is the stand-in. It is safe for concurrent use.
type Server struct {
	mu        sync.Mutex
	keys      map[string]bool
	keyNames  map[string]string // token names a gateway gives the keys, for its usage log
	approved  string            // the first approved key, which EchoApprovedKey echoes
	behaviour Behaviour
	gateway   Gateway
	latency   time.Duration
	pages     map[string]page
	inFlight  int
	counts    counters
	// lingering counts HTTP/2 connections the gate answered with a GOAWAY
	// and still reads (gate.goAway); settled is signalled, under mu, when it
	// drops to zero.
	lingering int
	settled   *sync.Cond

	// after is the clock that latency waits on; tests replace it.
	after   func(time.Duration) <-chan time.Time
	control *http.ServeMux
	ledger  ledgerBook
	usage   usageBook // the vendors' usage APIs (usage.go)
}

// counters are what ResetCounters clears.
type counters struct {
	aiRequests   int
	pageRequests int
	peakInFlight int
	requests     []Recorded
	pageHeaders  []http.Header
}

// New returns a stand-in with the four default pages loaded.
func New(opts Options) *Server {
	keys := opts.APIKeys
	if len(keys) == 0 {
		keys = []string{defaultAPIKey}
	}
	s := &Server{
		keys:      make(map[string]bool, len(keys)),
		behaviour: orNormal(opts.Behaviour),
		gateway:   opts.Gateway,
		latency:   opts.Latency,
		pages:     make(map[string]page),
		after:     time.After,
	}
	s.keyNames = make(map[string]string, len(keys))
	for i, k := range keys {
		if k != "" { // an empty key must never count as approved
			s.keys[k] = true
			s.keyNames[k] = fmt.Sprintf("standin-token-%d", i+1)
			s.approved = cmp.Or(s.approved, k)
		}
	}
	for kind, body := range DefaultPages() {
		s.pages[kind] = page{status: http.StatusOK, body: body}
	}
	s.settled = sync.NewCond(&s.mu)
	s.control = s.controlRoutes()
	return s
}

// settleLocked waits, holding mu between waits, until no connection is still
// being read after a GOAWAY. A client can write requests before it reads the
// GOAWAY and give up on them as soon as it does, so the gate may record them
// after the client has returned; every count waits for them, which takes
// until those clients hang up, at most goAwayLinger.
func (s *Server) settleLocked() {
	for s.lingering > 0 {
		s.settled.Wait()
	}
}

func orNormal(b Behaviour) Behaviour {
	if b == "" {
		return Normal
	}
	return b
}

// SetBehaviour switches the behaviour for requests that arrive from now on.
// An empty behaviour means Normal; one not in Behaviours answers 500 text/plain.
func (s *Server) SetBehaviour(b Behaviour) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.behaviour = orNormal(b)
}

// SetLatency sets the delay added before answering AI requests that arrive
// from now on; zero or negative means none.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// AIRequests counts AI API requests received, of every protocol, including
// hits on the redirect target; never pages or control endpoints.
func (s *Server) AIRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked()
	return s.counts.aiRequests
}

// PageRequests counts GET /pages/{kind} requests.
func (s *Server) PageRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts.pageRequests
}

// PeakInFlight is the highest number of AI requests in flight at once.
func (s *Server) PeakInFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts.peakInFlight
}

// ResetCounters clears the counters and the recorded requests, once the
// requests already sent have been read (settleLocked), so that none of them
// is counted after the reset. The peak restarts from the requests in flight
// now.
func (s *Server) ResetCounters() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked()
	s.counts = counters{peakInFlight: s.inFlight}
}

// Requests returns every AI request received, in arrival order.
func (s *Server) Requests() []Recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked()
	out := make([]Recorded, len(s.counts.requests))
	for i, r := range s.counts.requests {
		r.Header = r.Header.Clone()
		r.Body = slices.Clone(r.Body)
		out[i] = r
	}
	return out
}

// PageHeaders returns the headers of every page request, in arrival order.
func (s *Server) PageHeaders() []http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]http.Header, len(s.counts.pageHeaders))
	for i, h := range s.counts.pageHeaders {
		out[i] = h.Clone()
	}
	return out
}

// RequestsWithKey counts the AI requests received that carried key, over
// every transport: plain HTTP, TLS with HTTP/1.1 and HTTP/2, and the
// requests the HTTP/2 gate answered itself.
func (s *Server) RequestsWithKey(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked()
	n := 0
	for _, r := range s.counts.requests {
		if r.Key == key {
			n++
		}
	}
	return n
}

// ServeHTTP routes control and page paths to their handlers and everything
// else to the AI API. Control and page paths are matched before any path
// cleaning so that an AI base URL with a doubled slash reaches the AI API as
// it would at a vendor.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, controlPrefix) || strings.HasPrefix(r.URL.Path, pagePrefix) {
		s.control.ServeHTTP(w, r)
		return
	}
	if isUsagePath(r.URL.Path) { // no AI path ends so
		s.serveUsage(w, r)
		return
	}
	if r.URL.Path == spendLogsPath { // no AI path ends so
		s.serveSpendLogs(w, r)
		return
	}
	if _, ai := protocolFor(r); !ai && strings.HasPrefix(r.URL.Path, ledgerPrefix) {
		// AI paths win: a gateway's base URL may itself start with /api/.
		s.serveLedger(w, r)
		return
	}
	s.serveAI(w, r)
}

// Start serves the stand-in on 127.0.0.1 and returns its base URL (no
// trailing slash) and a stop function that may be called more than once.
// Stopping closes open connections and ends latency waits at once.
func (s *Server) Start() (baseURL string, stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	ts := httptest.NewUnstartedServer(s)
	ts.Config.BaseContext = func(net.Listener) context.Context { return ctx }
	ts.Start()
	return ts.URL, sync.OnceFunc(func() {
		ts.CloseClientConnections() // first, so no client sees an aborted wait's answer
		cancel()
		ts.Close()
	})
}
