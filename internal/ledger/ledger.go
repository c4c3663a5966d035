// Package ledger confirms one smoke request in the account's own ledger: a
// one-api / new-api gateway's usage log, a LiteLLM proxy's spend logs or
// OpenRouter's generation records. It only ever reads, and knows nothing of
// Terraform or handoffs.
//
// One Reader does what every ledger needs (polling with backoff, honouring
// rate limits, the bounds of time and memory, scrubbing what a server
// sent); each API is one small file that says how to ask and how to read
// the answer (newapi.go, litellm.go, openrouter.go). The gateway family's
// usage log, which a fleet's checks share, is read once for all of them
// (shared.go), and its smoke requests carry signatures where its rows carry
// no request id.
package ledger

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/sanitize"
)

// Status is what the ledger said about the smoke request.
type Status string

// Statuses, exactly as the product contract names them.
const (
	Confirmed   Status = "confirmed"   // the record was found and its tokens equal the response's usage
	Mismatch    Status = "mismatch"    // the record was found but its tokens differ (e.g. the gateway's own estimate)
	Ambiguous   Status = "ambiguous"   // several records could each be the smoke request; Message names them
	NotFound    Status = "not_found"   // no record within the wait
	Unavailable Status = "unavailable" // the ledger could not be read, or what it holds is no charge; Message says why
	// Pending: a usage API whose data arrives minutes late showed no bucket
	// within the wait; a refresh reads again (Reader.Recheck).
	Pending Status = "pending"
)

// How a record was matched.
const (
	MatchedByRequestID       = "request_id"
	MatchedByTimeModelTokens = "time_model_tokens"
	// MatchedByBucket: a usage API's minute bucket holds this one request.
	MatchedByBucket = "usage_bucket"
	// MatchedByBucketSum: the bucket equals the sum of this provider's smoke
	// requests of that key, model and minute; each is confirmed as one of N
	// (the message says N).
	MatchedByBucketSum = "bucket_sum"
)

// API names a ledger's API.
type API string

// The APIs, as ledger_api names them.
const (
	NewAPI     API = "new_api"    // the one-api / new-api family's usage log
	LiteLLM    API = "litellm"    // a LiteLLM proxy's spend logs
	OpenRouter API = "openrouter" // OpenRouter's generation records
)

// Query describes the smoke request to look for. Every field comes from
// the happy path's request and response.
type Query struct {
	// RequestID is the gateway's id of the request (X-Oneapi-Request-Id),
	// the one its usage log keeps; "" when none came back.
	RequestID string
	// BodyID is the response body's id: the id LiteLLM's spend row keeps,
	// and OpenRouter's generation id.
	BodyID string
	// CallID is a LiteLLM proxy's x-litellm-call-id header.
	CallID string
	// GenerationID is OpenRouter's X-Generation-Id header.
	GenerationID string
	Model        string
	// SentAt and ReceivedAt are when the request was sent and its answer
	// arrived, on this host's clock.
	SentAt, ReceivedAt time.Time
	// ServerDate is the answer's Date header. Gateways copy the upstream's,
	// so it is no clock of the gateway's: no window is placed by it (the
	// log API's own Date places them). Zero when none came.
	ServerDate       time.Time
	PromptTokens     int64 // the response's usage
	CompletionTokens int64
	// Key is the approved key as sent. It is scrubbed from everything the
	// ledger returns and sent only to OpenRouter, whose generation records
	// belong to the same API, when no ledger token is set.
	Key string
	// Secrets are further credentials to scrub (the invalid key).
	Secrets []string
	// Endpoint is the check's effective AI endpoint: the approved key goes
	// to a ledger only on that endpoint's host (OpenRouter).
	Endpoint string
	// Ticket is what Before returned; Find releases it.
	Ticket *Ticket
}

// Result is the ledger's answer. Every string a server sent has been
// through the sanitiser: normalised, every credential redacted, cut.
type Result struct {
	Status           Status
	MatchedBy        string // MatchedByRequestID, MatchedByTimeModelTokens, or "" when nothing matched
	LogID            int64  // the row's id; 0 when the ledger gives none (one-api, LiteLLM, OpenRouter)
	RequestID        string
	TokenName        string // the gateway token the row was charged to; "" when the ledger names none
	PromptTokens     int64
	CompletionTokens int64
	Quota            int64
	HasQuota         bool   // the ledger gives a quota (new_api only)
	ChargedUSD       string // a decimal string; "" when nothing matched
	Model            string // the model the ledger recorded; "" when unknown
	ProviderName     string // OpenRouter's upstream provider; "" otherwise
	CheckedAt        time.Time
	Message          string // why mismatch, ambiguous, not_found or unavailable
	// Recheck is what a refresh needs to read a pending record again; nil
	// unless Status is Pending.
	Recheck *Recheck
}

// Matched reports a status that means the smoke request's record was
// found, whether or not its tokens agree.
func (s Status) Matched() bool { return s == Confirmed || s == Mismatch }

// Matched reports whether the smoke request's record was found.
func (r Result) Matched() bool { return r.Status.Matched() }

// Options configure a Reader. Zero values mean the defaults.
type Options struct {
	API       API    // "" means NewAPI
	Endpoint  string // base URL of the ledger's API, e.g. https://gateway.example.com
	Token     string // the ledger's credential; "" for OpenRouter means the approved key
	UserID    string // new_api: sent as New-Api-User when non-empty; an identifier, never scrubbed
	TokenName string // new_api: read the rows of this gateway token only
	KeyID     string // openai_usage, anthropic_usage: the approved key's id at the vendor, an identifier
	Wait      time.Duration
	// PollInterval is the first pause between reads; each later pause
	// doubles it, up to MaxPollInterval. Zero or less means
	// DefaultPollInterval.
	PollInterval time.Duration
	QuotaPerUSD  float64           // quota units per US dollar; zero, negative or not finite means DefaultQuotaPerUSD
	Transport    http.RoundTripper // nil means a clone of http.DefaultTransport with bounded response headers
	Now          func() time.Time  // nil means time.Now
	// After is the clock the pause between reads waits on; nil means
	// time.After. Tests pass one that advances their fake Now.
	After func(time.Duration) <-chan time.Time
	// Skew moves the start of the request's time window back when the log
	// API sends no Date header, so that the window is this host's clock,
	// for clock skew between this host and the gateway; zero or less means
	// DefaultSkew.
	Skew time.Duration
	// ReadTimeout bounds one HTTP read; zero or less means
	// DefaultReadTimeout. The wait bounds it further.
	ReadTimeout time.Duration
	// LogRateLimit and LogRateWindow are the gateway log API's limit per
	// IP, of which a Reader uses half; zero means the gateways' defaults
	// (NewAPILogRateLimit per LogRateWindow until the log answers in
	// one-api's shape, then OneAPILogRateLimit).
	LogRateLimit  int
	LogRateWindow time.Duration
}

// Defaults of Options.
const (
	DefaultPollInterval = 500 * time.Millisecond
	DefaultQuotaPerUSD  = 500000
	DefaultSkew         = 30 * time.Second
	DefaultReadTimeout  = 10 * time.Second
	// MaxPollIntervalFactor caps the backoff: no pause is longer than
	// this many first pauses.
	MaxPollIntervalFactor = 16
)

const (
	// maxConcurrentLookups bounds the reads in flight at once, whatever the
	// number of checks in flight, so that the memory held is bounded.
	maxConcurrentLookups = 8
)

// Reader reads one ledger. It is safe for concurrent use: the checks of a
// provider share one.
type Reader struct {
	opts  Options
	http  *http.Client
	api   api        // a ledger read check by check (LiteLLM, OpenRouter, ...); nil for the gateway log
	log   *sharedLog // the one-api / new-api usage log, read once for every pending check; nil otherwise
	slots chan struct{}

	// carriesIDs is set once the log's rows are seen to carry request ids:
	// then each smoke request is told apart by its id and needs no
	// signature.
	carriesIDs atomic.Bool
	// newAPIShape is set once the log answered in new-api's paginated shape,
	// whose pages count from 1.
	newAPIShape atomic.Bool
	// oneAPIShape is set once the log answered in one-api's shape, whose
	// default rate limit is higher.
	oneAPIShape atomic.Bool
	// rowsLackIDs is set once new-api's rows were seen without request ids
	// (up to v0.10): a message then names no request id.
	rowsLackIDs atomic.Bool
}

// api is what differs between ledgers read check by check: each read asks
// for one record by an id the answer carried. An API whose records a fleet
// shares (the gateway log) is a sharedLog instead.
type api interface {
	// read looks once; decided is false when the record may still appear.
	read(ctx context.Context, c *Reader, q Query) (res Result, decided bool, err *readError)
	// notFound is the end of a wait that found nothing, after reads
	// (notFoundAfter: not_found, saying what was looked for).
	notFound(c *Reader, q Query, reads int) Result
}

// New returns a Reader with the defaults filled in.
func New(opts Options) *Reader {
	opts.Endpoint = strings.TrimRight(opts.Endpoint, "/")
	if opts.API == "" {
		opts.API = NewAPI
	}
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
	opts.Wait = max(opts.Wait, 0)
	transport := opts.Transport
	if transport == nil {
		transport = defaultTransport()
	}
	c := &Reader{
		opts: opts,
		http: &http.Client{
			Transport: transport,
			// A redirect would carry the credential to another place; it
			// is reported as the answer it is instead.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		slots: make(chan struct{}, maxConcurrentLookups),
	}
	switch opts.API {
	case LiteLLM:
		c.api = &liteLLM{}
	case OpenRouter:
		c.api = openRouter{}
	case OpenAIUsage:
		c.api = newUsageAPI(openAIUsage{})
	case AnthropicUsage:
		c.api = newUsageAPI(anthropicUsage{})
	default:
		c.log = newSharedLog(c)
	}
	return c
}

// Ticket is what a Reader holds for one smoke request between Before and
// Find: the signature its prompt carries (where the ledger's records may
// carry no request id) and the newest record read before it was sent.
// Release it if Find is not called.
type Ticket struct {
	once    sync.Once
	release func()
	// newestBefore is the newest row's created_at the shared log read
	// before the smoke request was sent; 0 when none.
	newestBefore int64
	// pad is the number of signature words the prompt is padded with; 0
	// when none is needed.
	pad int
}

// Release gives up what the ticket holds; it may be called more than once,
// and on a nil Ticket.
func (t *Ticket) Release() {
	if t != nil && t.release != nil {
		t.once.Do(t.release)
	}
}

// Sign returns the prompt to send: where the ledger's rows may carry no
// request id, the prompt followed by the ticket's signature, a run of
// SignatureWord words that makes its prompt token count unique among the
// requests in flight (DESIGN.md, One log reader per model and token); else the
// prompt as it is. Safe on a nil Ticket.
func (t *Ticket) Sign(prompt string) string {
	if t == nil || t.pad <= 0 {
		return prompt
	}
	return prompt + "\n" + strings.Repeat(SignatureWord, t.pad)
}

// SignatureTokens is the number of signature words the ticket's prompt
// carries; 0 when none.
func (t *Ticket) SignatureTokens() int {
	if t == nil {
		return 0
	}
	return t.pad
}

// Before is called before the smoke request of model is sent, and never
// delays it: it reads nothing. Where the ledger's records may carry no
// request id, the Ticket holds a signature for the prompt (Ticket.Sign),
// unique among this Reader's requests of the same model and token in flight
// and drawn at random from a wide range, so that other pipelines' requests
// rarely share it; and the newest row of the last read that completed
// before the send. A usage API counts the send for its minute's bucket. The
// Ticket goes into the Query given to Find; nil means nothing is held.
func (c *Reader) Before(_ context.Context, model string) *Ticket {
	if s, ok := c.api.(sendCounter); ok {
		return s.before(model)
	}
	if c.log == nil || c.carriesIDs.Load() {
		return nil
	}
	return c.log.ticket(model)
}

// Find looks for the record of the smoke request q until it is found or
// the wait runs out, then releases q's Ticket. The wait bounds the whole
// lookup, each read included: a ledger that hangs ends it within the wait
// (one read's timeout when the wait is zero, which reads once).
//
// The gateway log is read once for every pending check of a (model, token)
// (sharedLog); other ledgers are read check by check: at once (records
// appear within seconds), then with growing pauses, and once more just
// before the wait runs out, honouring a rate limit's Retry-After.
func (c *Reader) Find(ctx context.Context, q Query) Result {
	defer q.Ticket.Release()
	if s, ok := c.api.(sendCounter); ok {
		s.sent(c, q)
	}
	var res Result
	if c.log != nil {
		res = c.log.find(ctx, q)
	} else {
		res = c.find(ctx, q)
	}
	return c.scrub(res, q)
}

// scrub stamps res and passes its strings through the sanitiser.
func (c *Reader) scrub(res Result, q Query) Result {
	res.CheckedAt = c.opts.Now().UTC()
	// A user id and token names are identifiers, not secrets: each is kept
	// in its shape (sanitize.Identifier), else stored as a digest, so no
	// credential and no line break reaches state.
	s := sanitize.New(append([]string{c.opts.Token, q.Key}, q.Secrets...)...)
	res.RequestID = s.Identifier(sanitize.RequestID, res.RequestID)
	res.TokenName = s.Identifier(sanitize.Name, res.TokenName)
	res.Model = s.Identifier(sanitize.Model, res.Model)
	res.ProviderName = s.Identifier(sanitize.Name, res.ProviderName)
	res.Message = s.Text(res.Message, sanitize.MaxMessageRunes)
	return res
}

func (c *Reader) find(ctx context.Context, q Query) Result {
	// The last read starts early enough to finish inside the wait, which
	// bounds it in real time too.
	readBy := c.opts.Now().Add(c.opts.Wait - min(c.opts.ReadTimeout, c.opts.Wait/10))
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, c.bound())
	defer cancel()
	pause := c.opts.PollInterval
	answered := false // a read came back, so the ledger could be read
	for reads := 1; ; reads++ {
		// A slot is held for the read only, never across a pause, so that
		// a lookup waiting for a late record holds up no other.
		if !c.acquire(ctx) {
			return c.stopped(parent, reads-1, answered, q)
		}
		res, decided, err := c.api.read(ctx, c, q)
		<-c.slots
		switch {
		case err == nil && decided:
			return res
		case err != nil && !err.transient:
			return unavailable(err.Error())
		case ctx.Err() != nil:
			return c.stopped(parent, reads, answered, q)
		}
		answered = answered || err == nil
		remaining := readBy.Sub(c.opts.Now())
		if remaining <= 0 {
			if err != nil {
				return unavailable(err.Error())
			}
			return c.api.notFound(c, q, reads)
		}
		next := pause
		if err != nil && err.retryAfter > next {
			if err.retryAfter > remaining {
				return unavailable(err.waitTooLong(remaining))
			}
			next = err.retryAfter
		}
		pause = min(pause*2, c.opts.PollInterval*MaxPollIntervalFactor)
		select {
		case <-ctx.Done():
			return c.stopped(parent, reads, answered, q)
		case <-c.opts.After(min(next, remaining)):
		}
	}
}

// notFoundAfter is not_found after reads, saying what was looked for.
func (c *Reader) notFoundAfter(what string, reads int) Result {
	return Result{Status: NotFound, Message: fmt.Sprintf("%s after %s over %s", what, plural(reads, "read"), c.opts.Wait)}
}

// stopped is the Result of a lookup cut short: by the caller, or by the
// wait, which bounds every read too. A ledger that answered and never held
// the record is not_found, however the last read ended.
func (c *Reader) stopped(parent context.Context, reads int, answered bool, q Query) Result {
	if parent.Err() != nil {
		return cancelledAfter(reads)
	}
	if answered {
		return c.api.notFound(c, q, reads)
	}
	return c.noAnswerAfter(reads)
}

// cancelledAfter is a lookup its caller cancelled after reads.
func cancelledAfter(reads int) Result {
	return unavailable(fmt.Sprintf("the lookup was cancelled after %s", plural(reads, "read")))
}

// noAnswerAfter is a ledger that never answered within the wait.
func (c *Reader) noAnswerAfter(reads int) Result {
	return unavailable(fmt.Sprintf("the ledger did not answer within ledger_wait (%s) after %s", c.opts.Wait, plural(reads, "read")))
}

// bound is how long a lookup may take in real time, every read included:
// the wait, or one read's timeout when the wait is zero (it reads once).
func (c *Reader) bound() time.Duration {
	if c.opts.Wait > 0 {
		return c.opts.Wait
	}
	return c.opts.ReadTimeout
}

// acquire takes one of the lookup slots, preferring a free slot to an
// ended context so that a lookup always says how far it got.
func (c *Reader) acquire(ctx context.Context) bool {
	select {
	case c.slots <- struct{}{}:
		return true
	default:
	}
	select {
	case c.slots <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

func unavailable(why string) Result { return Result{Status: Unavailable, Message: why} }

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// quoted names a value in a message. Server strings are not escaped here:
// the sanitiser removes what must not print, after redacting.
func quoted(s string) string { return "\u201c" + s + "\u201d" }
