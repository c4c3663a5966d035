// Package ledger reads the usage log of a one-api / new-api gateway to find
// the row of one smoke request (SPEC section 9). It only ever reads, never
// with the AI API key, and knows nothing of Terraform or handoffs.
package ledger

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"
)

// Status is what the ledger said about the smoke request.
type Status string

// Statuses, exactly as the product contract names them.
const (
	Confirmed   Status = "confirmed"   // the row was found and its tokens equal the response's usage
	Mismatch    Status = "mismatch"    // the row was found but its tokens differ (e.g. the gateway's own estimate)
	NotFound    Status = "not_found"   // no row within the wait, or several rows that could each be it
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

// Result is the ledger's answer. String fields hold what the gateway wrote,
// except that the access token and the user id are scrubbed from every one
// of them; callers still apply their own sanitizing rules before storing.
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
	Message          string // why mismatch, not_found or unavailable; never holds the token or the user id
}

// Options configure a Client. Zero values mean the defaults.
type Options struct {
	Endpoint     string            // base URL of the management API, e.g. https://gateway.example.com
	Token        string            // the gateway's access (system) token, sent as Authorization
	UserID       string            // sent as New-Api-User when non-empty
	Wait         time.Duration     // how long to look for the row; zero reads once
	PollInterval time.Duration     // between reads; zero or less means DefaultPollInterval
	QuotaPerUSD  float64           // quota units per US dollar; zero, negative or not finite means DefaultQuotaPerUSD
	Transport    http.RoundTripper // nil means a clone of http.DefaultTransport with bounded response headers
	Now          func() time.Time  // nil means time.Now

	// After is the clock the pause between reads waits on; nil means
	// time.After. Tests pass one that advances their fake Now.
	After func(time.Duration) <-chan time.Time
	// Skew pads the request's time window on both sides, for clock skew
	// between this host and the gateway; zero or less means DefaultSkew.
	Skew time.Duration
	// ReadTimeout bounds one read of one page; zero or less means
	// DefaultReadTimeout.
	ReadTimeout time.Duration
}

// Defaults of Options.
const (
	DefaultPollInterval = time.Second
	DefaultQuotaPerUSD  = 500000
	DefaultSkew         = 30 * time.Second
	DefaultReadTimeout  = 10 * time.Second
)

// Client reads one gateway's usage log. It is safe for concurrent use.
type Client struct {
	opts   Options
	http   *http.Client
	scrubs func(string) string
}

// New returns a Client with the defaults filled in.
func New(opts Options) *Client {
	opts.Endpoint = strings.TrimRight(opts.Endpoint, "/")
	if opts.PollInterval <= 0 {
		opts.PollInterval = DefaultPollInterval
	}
	if opts.QuotaPerUSD <= 0 || math.IsInf(opts.QuotaPerUSD, 0) || math.IsNaN(opts.QuotaPerUSD) {
		opts.QuotaPerUSD = DefaultQuotaPerUSD
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.After == nil {
		opts.After = time.After
	}
	if opts.Skew <= 0 {
		opts.Skew = DefaultSkew
	}
	if opts.ReadTimeout <= 0 {
		opts.ReadTimeout = DefaultReadTimeout
	}
	if opts.Wait < 0 {
		opts.Wait = 0
	}
	transport := opts.Transport
	if transport == nil {
		transport = defaultTransport()
	}
	return &Client{
		opts: opts,
		http: &http.Client{
			Transport: transport,
			// A redirect would carry the access token to another place;
			// it is reported as the answer it is instead.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		scrubs: scrubber(opts.Token, opts.UserID),
	}
}

// Find looks for the row of the smoke request q until it is found or the
// wait runs out. It reads at once, then every PollInterval, and once more
// when the wait runs out, so that a row written late inside the wait counts.
func (c *Client) Find(ctx context.Context, q Query) Result {
	res := c.find(ctx, q)
	res.CheckedAt = c.opts.Now().UTC()
	res.RequestID = c.scrubs(res.RequestID)
	res.TokenName = c.scrubs(res.TokenName)
	res.Message = c.scrubs(res.Message)
	return res
}

func (c *Client) find(ctx context.Context, q Query) Result {
	w := c.window(q)
	deadline := c.opts.Now().Add(c.opts.Wait)
	for reads := 1; ; reads++ {
		rows, err := c.readLog(ctx, q, w)
		if err == nil {
			if res, decided := c.match(q, w, rows); decided {
				return res
			}
		} else if !err.transient {
			return unavailable(err.Error())
		}
		if ctx.Err() != nil {
			return unavailable(fmt.Sprintf("the lookup was cancelled after %s", plural(reads, "read")))
		}
		remaining := deadline.Sub(c.opts.Now())
		if remaining <= 0 {
			if err != nil {
				return unavailable(err.Error())
			}
			return Result{Status: NotFound, Message: c.notFound(q, w, reads)}
		}
		select {
		case <-ctx.Done():
			return unavailable(fmt.Sprintf("the lookup was cancelled after %s", plural(reads, "read")))
		case <-c.opts.After(min(c.opts.PollInterval, remaining)):
		}
	}
}

func unavailable(why string) Result { return Result{Status: Unavailable, Message: why} }

func (c *Client) notFound(q Query, w window, reads int) string {
	what := "no row of model " + quoteShort(q.Model)
	if q.RequestID != "" {
		what = "no row with request id " + quoteShort(q.RequestID) + " and no single row of model " + quoteShort(q.Model)
	}
	return fmt.Sprintf("%s with %d prompt and %d completion tokens %s in the gateway's log after %s over %s",
		what, q.PromptTokens, q.CompletionTokens, w, plural(reads, "read"), c.opts.Wait)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
