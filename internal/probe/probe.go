// Package probe sends one smoke-test request to an AI API and classifies what
// came back. It knows nothing of Terraform or of handoffs: callers give it a
// Request and credentials, and get back a Result per path.
//
// Each path is exactly one request on the wire, over HTTP/1.1 and HTTP/2
// alike. HTTP/2 is kept; resends are made impossible by a request body
// net/http cannot rewind, and the requests written are counted with
// net/http/httptrace rather than assumed (wire.go gives the reasoning from
// Go's own retry rules). A refused stream, a reset or a GOAWAY is therefore a
// network_error of that path, never a second request.
package probe

import (
	"net/http"
	"time"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/sanitize"
)

// MaxMessageLength bounds a Result's Message and every other text field of
// a Result, in characters: the sanitiser's one bound for stored messages.
const MaxMessageLength = sanitize.MaxMessageRunes

// Protocol names an AI API request shape.
type Protocol string

// The supported API shapes; see protocols.go for the table that describes each.
const (
	OpenAIChat        Protocol = "openai_chat"
	OpenAIResponses   Protocol = "openai_responses"
	AnthropicMessages Protocol = "anthropic_messages"
	Gemini            Protocol = "gemini"
)

// Category classifies the outcome of one attempt.
type Category string

// Categories, exactly as the product contract names them.
const (
	CategoryOK             Category = "ok"
	CategoryAuthFailure    Category = "auth_failure"
	CategoryRateLimited    Category = "rate_limited"
	CategoryQuotaExhausted Category = "quota_exhausted"
	// CategoryModelUnavailable: the endpoint has no route, channel or price
	// for the model (a gateway's 503 no channel, 500 no price; a vendor's 404).
	CategoryModelUnavailable Category = "model_unavailable"
	CategoryClientError      Category = "client_error"
	CategoryServerError      Category = "server_error"
	CategoryTimeout          Category = "timeout"
	CategoryNetworkError     Category = "network_error"
	CategoryRedirect         Category = "redirect"
	CategoryInvalidResponse  Category = "invalid_response"
)

// Request is the minimal request both paths send; only the key differs.
type Request struct {
	Endpoint        string // base URL, e.g. https://api.cometapi.com/v1 (no trailing slash needed)
	Protocol        Protocol
	Model           string
	Prompt          string
	MaxOutputTokens int64
	// ExtraBody is a JSON object merged over the default body: top-level keys
	// replace, and a null value removes the default field.
	ExtraBody map[string]any
	// Credentials are other secrets a server may echo (the ledger token):
	// never sent, only scrubbed from the Result with both keys.
	Credentials []string
}

// Usage is the token evidence found in a successful response.
type Usage struct {
	Found        bool // a usage object was present and every count in it was in range
	InputTokens  int64
	OutputTokens int64
	TotalTokens  int64
	// Invalid says why a usage object that was present was refused as
	// evidence (a count negative, fractional, not a number or past
	// MaxTokenCount); "" otherwise. Found is false and the counts are 0.
	Invalid string
}

// Result is the outcome of one path: at most one request on the wire, unless
// some layer below the probe resent it, which Attempts then shows.
type Result struct {
	Category   Category
	StatusCode int // 0 when no response arrived
	Attempts   int // requests written to the wire for this path, counted
	Latency    time.Duration
	RequestID  string // the id the account's own log shows: a gateway's id first, then the vendor's
	// UpstreamRequestID is the vendor's id a gateway passed through; "" when none.
	UpstreamRequestID string
	Message           string // sanitized, at most MaxMessageLength characters
	Model             string // model named in the response, else the requested one
	Usage             Usage

	// What an account's ledger looks the request up by. The ids are
	// sanitised as RequestID is; each is "" when the answer had none.
	SentAt       time.Time // when the request was sent, on the client's clock
	ServerDate   time.Time // the answer's Date header: the server's own clock; zero when none or unreadable
	BodyID       string    // the response body's id (chatcmpl-..., msg_..., gen-...)
	CallID       string    // a LiteLLM proxy's x-litellm-call-id header
	GenerationID string    // OpenRouter's X-Generation-Id header
}

// Outcome holds both paths of one smoke test.
type Outcome struct {
	HappyPath Result
	ErrorPath Result
}

// Client sends smoke tests. It is safe for concurrent use; the limit on smoke
// tests in flight is shared by every caller of the same Client.
type Client struct {
	// transport is called directly, never through an http.Client: a redirect
	// is the answer (reported, never followed, as following it would send the
	// key elsewhere), and a client's redirect handling would ask the request
	// for its body again before it even looked at the redirect.
	transport http.RoundTripper
	timeout   time.Duration
	slots     chan struct{}
	now       func() time.Time // the clock Latency is measured with; tests inject one
}

// Options configure a Client.
type Options struct {
	// Transport carries the requests; nil means a default transport.
	Transport http.RoundTripper
	// Timeout bounds each attempt; zero means 30s.
	Timeout time.Duration
	// MaxConcurrent bounds smoke tests in flight at once; < 1 means 1.
	MaxConcurrent int
}
