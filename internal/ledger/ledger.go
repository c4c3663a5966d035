// Package ledger reads the usage log of a one-api / new-api gateway to find
// the row of one smoke request (SPEC section 9). It only ever reads, never
// with the AI API key, and knows nothing of Terraform or handoffs.
package ledger

import (
	"context"
	"net/http"
	"time"
)

// Status is what the ledger said about the smoke request.
type Status string

// Statuses, exactly as the product contract names them.
const (
	Confirmed   Status = "confirmed"   // the row was found and its tokens equal the response's usage
	Mismatch    Status = "mismatch"    // the row was found but its tokens differ (e.g. the gateway's own estimate)
	NotFound    Status = "not_found"   // no row within the wait
	Unavailable Status = "unavailable" // the log could not be read; Message says why
)

// How a row was matched.
const (
	MatchedByRequestID       = "request_id"
	MatchedByTimeModelTokens = "time_model_tokens"
)

// Query describes the smoke request to look for.
type Query struct {
	RequestID        string    // the gateway's id of the request (X-Oneapi-Request-Id); "" when none came back
	Model            string    // the model the request named
	Start, End       time.Time // when the request was sent and when its answer arrived
	PromptTokens     int64     // the response's usage
	CompletionTokens int64
}

// Result is the ledger's answer. Every string field is taken from the
// gateway's answer and is already sanitized by the caller's rules? No: the
// ledger package stores what it read; callers scrub.
type Result struct {
	Status           Status
	MatchedBy        string // MatchedByRequestID, MatchedByTimeModelTokens, or "" when nothing matched
	LogID            int64
	RequestID        string
	TokenName        string
	PromptTokens     int64
	CompletionTokens int64
	Quota            int64
	ChargedUSD       string // Quota / QuotaPerUSD as a decimal string; "" when nothing matched
	CheckedAt        time.Time
	Message          string // why unavailable or not found; never holds the token
}

// Options configure a Client.
type Options struct {
	Endpoint     string            // base URL of the management API, e.g. https://gateway.example.com
	Token        string            // the gateway's access (system) token, sent as Authorization
	UserID       string            // sent as New-Api-User when non-empty
	Wait         time.Duration     // how long to look for the row
	PollInterval time.Duration     // between reads; zero means a default
	QuotaPerUSD  float64           // quota units per US dollar; zero means 500000
	Transport    http.RoundTripper // nil means a default transport
	Now          func() time.Time  // nil means time.Now
}

// Client reads one gateway's usage log. It is safe for concurrent use.
type Client struct {
	opts Options
}

// New returns a Client with the defaults filled in.
func New(opts Options) *Client { return &Client{opts: opts} }

// Find looks for the row of the smoke request q until it is found or the
// wait runs out.
func (c *Client) Find(ctx context.Context, q Query) Result {
	return Result{Status: Unavailable, Message: "not implemented", CheckedAt: time.Now()}
}
