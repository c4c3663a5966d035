package probe

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/sanitize"
)

const (
	// DefaultTimeout bounds an attempt when Options.Timeout is zero.
	DefaultTimeout = 30 * time.Second
	// MaxBodyBytes is the most of a response body that is read.
	MaxBodyBytes = 1 << 20
	// MaxHeaderBytes is the most of a response's headers that is read, over
	// HTTP/1.1 and HTTP/2 alike (Go's HTTP/2 transport takes its limit from
	// Transport.MaxResponseHeaderBytes).
	MaxHeaderBytes = 64 << 10
)

// NewClient returns a Client that never follows redirects and never retries.
func NewClient(opts Options) *Client {
	transport := opts.Transport
	if transport == nil {
		transport = defaultTransport()
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &Client{
		transport: transport,
		timeout:   timeout,
		slots:     make(chan struct{}, max(opts.MaxConcurrent, 1)),
		now:       time.Now,
	}
}

// Run performs one smoke test: once a slot is free, the happy path (with
// approvedKey) and the error path (with invalidKey) are sent concurrently,
// one attempt each.
func (c *Client) Run(ctx context.Context, req Request, approvedKey, invalidKey string) Outcome {
	// Each path scrubs both keys: a server may echo either in either answer.
	scrub := sanitize.New(append([]string{approvedKey, invalidKey}, req.Credentials...)...)
	if !c.acquireSlot(ctx) {
		notSent := c.notSent(req, fmt.Errorf("check cancelled before sending: %w", ctx.Err()), scrub)
		return Outcome{HappyPath: notSent, ErrorPath: notSent}
	}
	defer func() { <-c.slots }()

	var out Outcome
	var wg sync.WaitGroup
	wg.Go(func() { out.ErrorPath = c.send(ctx, req, invalidKey, scrub) })
	out.HappyPath = c.send(ctx, req, approvedKey, scrub)
	wg.Wait()
	return out
}

// acquireSlot waits for room under MaxConcurrent; false means ctx ended first.
func (c *Client) acquireSlot(ctx context.Context) bool {
	if ctx.Err() != nil {
		return false
	}
	select {
	case c.slots <- struct{}{}:
	case <-ctx.Done():
		return false
	}
	if ctx.Err() != nil { // both were ready and select chose the slot
		<-c.slots
		return false
	}
	return true
}

// send makes exactly one attempt with key and classifies it, scrubbing
// every credential scrub knows from the Result.
func (c *Client) send(ctx context.Context, req Request, key string, scrub *sanitize.Scrubber) Result {
	spec, ok := protocols[req.Protocol]
	if !ok {
		return c.notSent(req, fmt.Errorf("request not sent: unsupported protocol %q", req.Protocol), scrub)
	}
	// The clock starts before the deadline does, so an attempt cut off by
	// the timeout never reports less than the timeout.
	start := c.now()
	attemptCtx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	attemptCtx, written := countWrites(attemptCtx)
	httpReq, err := spec.newRequest(attemptCtx, req, key, written)
	if err != nil {
		return c.notSent(req, fmt.Errorf("request not sent: %w", err), scrub)
	}

	status, header, body, err := c.attempt(httpReq)
	latency := c.now().Sub(start)
	if err != nil {
		err = c.explain(ctx, err)
	}

	verdict := classify(status, body, err)
	facts := spec.parseResponse(header, body)
	// What the result says, in plain words first; each is scrubbed once.
	message, model := withLocation(verdict, header), req.Model
	if verdict.Category == CategoryOK {
		if facts.Usage.Invalid != "" {
			message = verdict.Message + "; usage not taken as evidence: " + facts.Usage.Invalid
		}
		model = cmp.Or(facts.Model, req.Model)
	}
	result := Result{
		Category:          verdict.Category,
		StatusCode:        status,
		Attempts:          int(written.Load()),
		Latency:           latency,
		RequestID:         scrub.Identifier(sanitize.RequestID, facts.RequestID),
		UpstreamRequestID: scrub.Identifier(sanitize.RequestID, facts.UpstreamRequestID),
		Message:           scrub.Text(message, MaxMessageLength),
		Model:             scrub.Identifier(sanitize.Model, model),
	}
	result.SentAt, result.ServerDate = start, facts.ServerDate
	result.BodyID = scrub.Identifier(sanitize.RequestID, facts.BodyID)
	result.CallID = scrub.Identifier(sanitize.RequestID, facts.CallID)
	result.GenerationID = scrub.Identifier(sanitize.RequestID, facts.GenerationID)
	if verdict.Category == CategoryOK {
		result.Usage = facts.Usage
	}
	return result
}

// attempt sends httpReq once and reads at most MaxBodyBytes+1 of the body, the
// extra byte telling a body of exactly 1 MiB from a larger one.
func (c *Client) attempt(httpReq *http.Request) (status int, header http.Header, body []byte, err error) {
	resp, err := c.transport.RoundTrip(httpReq)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(io.LimitReader(resp.Body, MaxBodyBytes+1))
	if err != nil {
		err = fmt.Errorf("reading response body: %w", err)
	}
	return resp.StatusCode, resp.Header, body, err
}

// explain rewords a transport error for a person: a context error says
// which deadline or cancellation hit.
func (c *Client) explain(parent context.Context, err error) error {
	// What http.Client would have said (the transport is called directly):
	// an https:// endpoint that answers in plain HTTP.
	var record tls.RecordHeaderError
	if errors.As(err, &record) && string(record.RecordHeader[:]) == "HTTP/" {
		return fmt.Errorf("%w: the endpoint speaks plain HTTP, not TLS", http.ErrSchemeMismatch)
	}
	switch {
	case errors.Is(err, io.EOF):
		return fmt.Errorf("server closed the connection without responding: %w", err)
	case !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled):
		return err
	case parent.Err() != nil:
		return fmt.Errorf("check cancelled before a response arrived: %w", err)
	default:
		return fmt.Errorf("no complete response within %s: %w", c.timeout, err)
	}
}

// notSent is the Result of a path that never reached the network.
func (c *Client) notSent(req Request, err error, scrub *sanitize.Scrubber) Result {
	verdict := classify(0, nil, err)
	return Result{Category: verdict.Category, Message: scrub.Text(verdict.Message, MaxMessageLength), Model: scrub.Identifier(sanitize.Model, req.Model)}
}

// withLocation adds a redirect's target to its message, so the operator can
// fix the endpoint.
func withLocation(v verdict, header http.Header) string {
	if location := header.Get("Location"); v.Category == CategoryRedirect && location != "" {
		return v.Message + " to " + location
	}
	return v.Message
}
