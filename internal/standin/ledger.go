package standin

import (
	"cmp"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ledgerPrefix is where a one-api / new-api gateway serves its management
// API, the usage log among it (DESIGN.md, Ledger: the new-api usage log).
const ledgerPrefix = "/api/"

const (
	// ledgerLogPath is the user's own usage log, the one read the provider makes.
	ledgerLogPath = ledgerPrefix + "log/self"
	// DefaultLedgerAccessToken is the access token the log API accepts when
	// LedgerOptions.AccessToken is empty. It is deliberately not shaped
	// like an API key, so a test that finds it where a key belongs fails,
	// and spells no word: the sanitiser removes any 8 characters of a
	// credential, and pieces of 4 spread across a run's fields.
	DefaultLedgerAccessToken = "lt-9Qx7Zk2MwT4rLp3VbN"
	// ledgerPageSize is both gateways' page size of the usage log.
	ledgerPageSize = 10
	// logTypeConsume is the log type of a charged request in both gateways.
	logTypeConsume = 2
	// ledgerUserID is the id of the stand-in's only user, as the rows show it.
	ledgerUserID = 1
	// The ratios the stand-in's gateway charges with, as a gateway's model
	// and completion ratios: quota = (prompt + completion × completion
	// ratio) × model ratio. They are made up and price nothing.
	ledgerModelRatio      = 1.5
	ledgerCompletionRatio = 4
	// ledgerEstimateExtra is how far the gateway's own estimate of the
	// prompt tokens is off when the Estimate switch is on.
	ledgerEstimateExtra = 3
)

// The refusals of the log API, in the gateways' own words. Both gateways
// answer an access-token refusal with HTTP 200 and success false.
const (
	refusedNoToken      = "无权进行此操作，未登录且未提供 access token"
	refusedBadToken     = "无权进行此操作，access token 无效"
	refusedNoUser       = "无权进行此操作，未提供 New-Api-User"
	refusedUserMismatch = "无权进行此操作，New-Api-User 与登录用户不匹配"
)

// LedgerRow is one successful gateway-mode AI request, as the gateway's usage
// log (or the proxy's spend log, or OpenRouter's generation record) keeps it.
type LedgerRow struct {
	RequestID        string // the gateway's id (X-Oneapi-Request-Id); LiteLLM's body id; OpenRouter's generation id
	CallID           string // LiteLLM's x-litellm-call-id; "" otherwise
	Model            string
	TokenName        string // "" is written as "default"
	PromptTokens     int
	CompletionTokens int
	CreatedAt        time.Time // zero means now, on the log's clock
}

// The gateways' default global API rate limits, which cover their log
// APIs: this many requests per window per IP. Neither sends Retry-After
// (LedgerOptions.NoRetryAfter).
const (
	OneAPIRateLimit  = 480
	OneAPIRateWindow = 180 * time.Second
	NewAPIRateLimit  = 180
	NewAPIRateWindow = 180 * time.Second
)

// BusyLedger is the log API of a gateway's default build under load, as
// production runs it (DESIGN.md, Ledger: the new-api usage log): the flavour's rate limit
// without Retry-After, rows stamped stampDelay after the answer, and the
// answer's Date the upstream's clock, skew off the gateway's.
func BusyLedger(g Gateway, stampDelay, skew time.Duration) LedgerOptions {
	o := LedgerOptions{RateLimit: NewAPIRateLimit, RateWindow: NewAPIRateWindow, NoRetryAfter: true,
		StampDelay: stampDelay, UpstreamDateSkew: skew}
	if g == GatewayOneAPI {
		o.RateLimit, o.RateWindow = OneAPIRateLimit, OneAPIRateWindow
	}
	return o
}

// LedgerOptions are the switches of the stand-in's usage log. The zero value
// is a log that writes every row at once and accepts the default token.
type LedgerOptions struct {
	AccessToken string        // accepted as Authorization, bare or after "Bearer "; "" means DefaultLedgerAccessToken
	UserID      string        // when set, the new_api flavour requires New-Api-User to equal it
	Late        time.Duration // rows written from now on show in the log this long after they were written
	NeverWrite  bool          // requests from now on leave no row
	Estimate    bool          // rows written from now on hold the gateway's own estimate of the prompt tokens, not the answered usage
	RefuseToken bool          // every access token is refused
	// NoRequestID serves rows without request_id, as new-api up to v0.10
	// does (its rows carry increasing ids instead).
	NoRequestID bool
	// TwinToken, when set, writes a second row for every request: the same
	// model and tokens, charged to this other token of the same user, as
	// another workload's traffic would be.
	TwinToken string
	// RateLimit, when positive, answers the log API's requests beyond this
	// many per RateWindow with 429 and Retry-After, as one-api's global API
	// rate limit does (OneAPIRateLimit per OneAPIRateWindow by default).
	RateLimit  int
	RateWindow time.Duration
	// NoRetryAfter answers the rate limit's 429 without Retry-After, as
	// both gateways' builds do.
	NoRetryAfter bool
	// StampDelay stamps each row's created_at this long after the answer,
	// and writes it then, as one-api does after a database update that
	// follows the answer on a contended database.
	StampDelay time.Duration
	// UpstreamDateSkew moves the AI answers' Date by this much off the
	// gateway's clock: both gateways copy the upstream's headers, Date
	// included. The log API's own Date stays the gateway's clock.
	UpstreamDateSkew time.Duration
	// Latency delays every answer of the ledger's API, in real time; a
	// client that gives up ends the wait.
	Latency time.Duration
	// CallIDOnly: LiteLLM's spend rows carry the proxy's call id, not the
	// body id, as newer releases may.
	CallIDOnly bool
	// Traffic writes this many rows of other requests after each request's
	// own: the same model through another token, with other tokens counts
	// and their own request ids, as a busy account's log shows, so that the
	// request's row is on a later page.
	Traffic int
	// Quota, when set, overrides the quota every new row holds.
	Quota *int64
	// NoQuota serves rows without a quota field.
	NoQuota bool
	// HostileRows write every row's request_id and token_name with escapes,
	// a newline and a key shape, as a hostile gateway would.
	HostileRows bool
	// EchoToken answers a refused log read with a message holding the
	// access token received after a long run of spaces.
	EchoToken bool
	// EchoSplit answers a refused log read with a message holding the
	// access token received and the approved API key, each split by U+200B
	// every 3 bytes, as a hostile gateway hides them.
	EchoSplit bool
	// Now is the log's clock, for when rows are written and become visible,
	// the Date header and the rate limit; nil means time.Now. Tests share a
	// fake clock with the reader.
	Now func() time.Time
}

// HostileText is what HostileRows write into a row's strings: a terminal
// escape, a newline and an Anthropic-shaped key.
const HostileText = "\x1b[31mred\x1b[0m\nnext-line sk-ant-api03-hostileAAAAbbbbCCCCddddEEEEffff"

// ledgerEntry is a row as the log stores it.
type ledgerEntry struct {
	LedgerRow
	id        int64
	quota     int64
	visibleAt time.Time
}

// ledgerBook is the stand-in's usage log, with its own lock.
type ledgerBook struct {
	mu        sync.Mutex
	opts      LedgerOptions
	rows      []ledgerEntry
	lastID    int64
	requests  int
	throttled int
	recent    []time.Time // the log API's requests inside the rate window
	headers   []http.Header
	urls      []url.URL
}

// clock is the log's clock, taken under the lock.
func (b *ledgerBook) clock() time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.now()
}

// options are the switches in force, taken under the lock.
func (b *ledgerBook) options() LedgerOptions {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.opts
}

// now is the log's clock; the caller holds b.mu.
func (b *ledgerBook) now() time.Time { return nowOn(b.opts.Now) }

// nowOn is the time on clock, the Now of the stand-in's options (of the
// log, of the usage APIs): nil means time.Now.
func nowOn(clock func() time.Time) time.Time {
	if clock == nil {
		return time.Now()
	}
	return clock()
}

// SetLedger replaces the usage log's switches; rows already written keep
// how they were written (late, estimated).
func (s *Server) SetLedger(opts LedgerOptions) {
	s.ledger.mu.Lock()
	defer s.ledger.mu.Unlock()
	s.ledger.opts = opts
}

// AddLedgerRow writes a row as a gateway-mode request would, under the same
// switches; tests use it for rows of requests made elsewhere.
func (s *Server) AddLedgerRow(row LedgerRow) { s.recordLedgerRow(row) }

// recordLedgerRow writes the row of one successful gateway-mode request.
func (s *Server) recordLedgerRow(row LedgerRow) {
	b := &s.ledger
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.opts.NeverWrite {
		return
	}
	now := b.now()
	if row.CreatedAt.IsZero() {
		row.CreatedAt = now
	}
	row.CreatedAt = row.CreatedAt.Add(b.opts.StampDelay)
	if row.TokenName == "" {
		row.TokenName = "default"
	}
	if b.opts.Estimate {
		row.PromptTokens += ledgerEstimateExtra
	}
	if b.opts.HostileRows {
		row.RequestID, row.TokenName = row.RequestID+HostileText, HostileText
	}
	rows := []LedgerRow{row}
	if b.opts.TwinToken != "" {
		twin := row
		twin.TokenName = b.opts.TwinToken
		if twin.RequestID != "" {
			twin.RequestID = newGatewayID(GatewayNewAPI, now)
		}
		rows = append(rows, twin)
	}
	for i := range b.opts.Traffic {
		other := LedgerRow{Model: row.Model, TokenName: "busy-traffic", PromptTokens: 40 + i, CompletionTokens: 7, CreatedAt: row.CreatedAt}
		if row.RequestID != "" {
			other.RequestID = newGatewayID(GatewayOneAPI, now)
		}
		rows = append(rows, other)
	}
	for _, r := range rows {
		b.lastID++
		// A row stamped late is written then: it shows from its stamp on.
		visible := now.Add(b.opts.Late)
		if r.CreatedAt.After(visible) {
			visible = r.CreatedAt
		}
		e := ledgerEntry{LedgerRow: r, id: b.lastID, quota: ledgerQuota(r.PromptTokens, r.CompletionTokens), visibleAt: visible}
		if b.opts.Quota != nil {
			e.quota = *b.opts.Quota
		}
		b.rows = append(b.rows, e)
	}
}

// ledgerQuota is what the stand-in's gateway charges for the tokens.
func ledgerQuota(prompt, completion int) int64 {
	return int64(math.Round(float64(prompt+completion*ledgerCompletionRatio) * ledgerModelRatio))
}

// ledgerOther is the JSON string a row's other field holds, as the gateways
// store their ratios.
var ledgerOther = fmt.Sprintf(`{"model_ratio":%g,"completion_ratio":%d,"group_ratio":1,"model_price":-1}`,
	ledgerModelRatio, ledgerCompletionRatio)

// LedgerRows returns every row written, visible yet or not, oldest first.
func (s *Server) LedgerRows() []LedgerRow {
	s.ledger.mu.Lock()
	defer s.ledger.mu.Unlock()
	out := make([]LedgerRow, len(s.ledger.rows))
	for i, e := range s.ledger.rows {
		out[i] = e.LedgerRow
	}
	return out
}

// LedgerRequests counts requests to the management API (every path under
// /api/), allowed or not.
func (s *Server) LedgerRequests() int {
	s.ledger.mu.Lock()
	defer s.ledger.mu.Unlock()
	return s.ledger.requests
}

// LedgerHeaders returns the headers of every management API request, in
// arrival order, so tests can assert the API key never reached the log.
func (s *Server) LedgerHeaders() []http.Header {
	s.ledger.mu.Lock()
	defer s.ledger.mu.Unlock()
	out := make([]http.Header, len(s.ledger.headers))
	for i, h := range s.ledger.headers {
		out[i] = h.Clone()
	}
	return out
}

// LedgerURLs returns the path and query of every management API request,
// in arrival order, so tests can assert what the reader asked the log for
// (the filters it sent), not only what it made of the answers.
func (s *Server) LedgerURLs() []url.URL {
	s.ledger.mu.Lock()
	defer s.ledger.mu.Unlock()
	return slices.Clone(s.ledger.urls)
}

// LedgerThrottled counts the ledger requests answered 429 by the rate limit.
func (s *Server) LedgerThrottled() int {
	s.ledger.mu.Lock()
	defer s.ledger.mu.Unlock()
	return s.ledger.throttled
}

// ClearLedger removes every row and clears the management API's counters;
// the switches stay.
func (s *Server) ClearLedger() {
	s.ledger.mu.Lock()
	defer s.ledger.mu.Unlock()
	s.ledger.rows, s.ledger.requests, s.ledger.headers, s.ledger.throttled, s.ledger.recent = nil, 0, nil, 0, nil
	s.ledger.urls = nil
}

// ledgerRead is one request to a ledger's API as it arrived: counted, its
// headers kept, the switches and rows of that moment.
type ledgerRead struct {
	opts LedgerOptions
	now  time.Time
	rows []ledgerEntry
}

// arriveAtLedger counts a ledger request and applies the rate limit and
// the latency; ok false means it was answered already.
func (s *Server) arriveAtLedger(w http.ResponseWriter, r *http.Request) (ledgerRead, bool) {
	b := &s.ledger
	b.mu.Lock()
	b.requests++
	b.headers = append(b.headers, r.Header.Clone())
	b.urls = append(b.urls, url.URL{Path: r.URL.Path, RawQuery: r.URL.RawQuery})
	in := ledgerRead{opts: b.opts, now: b.now(), rows: slices.Clone(b.rows)}
	retry, limited := b.limit(in.now)
	b.mu.Unlock()
	w.Header().Set("Date", in.now.UTC().Format(http.TimeFormat))
	if limited {
		if !in.opts.NoRetryAfter {
			w.Header().Set("Retry-After", strconv.Itoa(retry))
		}
		writeBytes(w, http.StatusTooManyRequests, "text/plain; charset=utf-8", nil)
		return in, false
	}
	if d := in.opts.Latency; d > 0 {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
			return in, false
		}
	}
	return in, true
}

// limit applies the rate limit to a request at now; the caller holds b.mu.
// retry is the whole seconds until a request would be let through.
func (b *ledgerBook) limit(now time.Time) (retry int, limited bool) {
	if b.opts.RateLimit <= 0 {
		return 0, false
	}
	window := cmp.Or(b.opts.RateWindow, OneAPIRateWindow)
	b.recent = slices.DeleteFunc(b.recent, func(t time.Time) bool { return !t.After(now.Add(-window)) })
	if len(b.recent) < b.opts.RateLimit {
		b.recent = append(b.recent, now)
		return 0, false
	}
	b.throttled++
	wait := b.recent[0].Add(window).Sub(now)
	return max(1, int(math.Ceil(wait.Seconds()))), true
}

// serveLedger serves the gateway's management API under ledgerPrefix: only
// the usage log, and only when the stand-in answers as a gateway.
func (s *Server) serveLedger(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	gateway := s.gateway
	s.mu.Unlock()
	switch gateway {
	case GatewayNone, GatewayLiteLLM:
		http.NotFound(w, r) // a vendor has no management API
		return
	case GatewayOpenRouter:
		s.serveGeneration(w, r)
		return
	}
	in, ok := s.arriveAtLedger(w, r)
	if !ok {
		return
	}
	opts, now := in.opts, in.now
	if r.Method != http.MethodGet || r.URL.Path != ledgerLogPath {
		writeJSON(w, http.StatusNotFound, map[string]any{"success": false, "message": "costhandoff-standin: no such management API"})
		return
	}
	if refusal := refuseLogRead(gateway, opts, r.Header); refusal != "" {
		if opts.EchoToken {
			refusal += " token" + strings.Repeat(" ", 264) + r.Header.Get("Authorization")
		}
		if opts.EchoSplit {
			split := hostileSplits[EchoSplitFormat]
			refusal += " (token " + splitKey(r.Header.Get("Authorization"), split.sep, split.every) + ", key " + splitKey(s.approved, split.sep, split.every) + ")"
		}
		writeJSON(w, http.StatusOK, map[string]any{"success": false, "message": refusal})
		return
	}
	q := r.URL.Query()
	found := filterLog(in.rows, now, q)
	p, _ := strconv.Atoi(q.Get("p")) // the gateways read a bad p as 0 too
	if gateway == GatewayNewAPI {
		page := max(p, 1)
		writeJSON(w, http.StatusOK, map[string]any{"success": true, "message": "", "data": map[string]any{
			"page": page, "page_size": ledgerPageSize, "total": len(found),
			"items": renderRows(gateway, pageOf(found, page-1), opts),
		}})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"success": true, "message": "", "data": renderRows(gateway, pageOf(found, max(p, 0)), opts)})
}

// accessToken is the token the ledger's API accepts.
func (o LedgerOptions) accessToken() string { return cmp.Or(o.AccessToken, DefaultLedgerAccessToken) }

// acceptsToken reports whether tok may read the ledger.
func (o LedgerOptions) acceptsToken(tok string) bool { return !o.RefuseToken && tok == o.accessToken() }

// refuseLogRead checks the access token (and for new_api the user header)
// and returns the gateway's refusal, or "" when the read is allowed.
func refuseLogRead(gateway Gateway, opts LedgerOptions, h http.Header) string {
	auth := h.Get("Authorization")
	if auth == "" {
		return refusedNoToken
	}
	if !opts.acceptsToken(bearer(h)) {
		return refusedBadToken
	}
	if gateway == GatewayNewAPI && opts.UserID != "" {
		switch h.Get("New-Api-User") {
		case "":
			return refusedNoUser
		case opts.UserID:
		default:
			return refusedUserMismatch
		}
	}
	return ""
}

// filterLog returns the visible rows the query asks for, newest first, as
// the gateways filter: type, exact model name, and both timestamps inclusive.
func filterLog(rows []ledgerEntry, now time.Time, q map[string][]string) []ledgerEntry {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	logType, _ := strconv.Atoi(get("type"))
	model, tokenName := get("model_name"), get("token_name")
	start, _ := strconv.ParseInt(get("start_timestamp"), 10, 64)
	end, _ := strconv.ParseInt(get("end_timestamp"), 10, 64)
	var out []ledgerEntry
	for _, e := range rows {
		created := e.CreatedAt.Unix()
		switch {
		case e.visibleAt.After(now),
			logType != 0 && logType != logTypeConsume,
			model != "" && e.Model != model,
			tokenName != "" && e.TokenName != tokenName,
			start != 0 && created < start,
			end != 0 && created > end:
			continue
		}
		out = append(out, e)
	}
	slices.SortStableFunc(out, func(a, b ledgerEntry) int {
		if c := cmp.Compare(b.CreatedAt.Unix(), a.CreatedAt.Unix()); c != 0 {
			return c
		}
		return cmp.Compare(b.id, a.id)
	})
	return out
}

// pageOf is the index-th page of rows (from 0), empty past the end.
func pageOf(rows []ledgerEntry, index int) []ledgerEntry {
	from := index * ledgerPageSize
	if from >= len(rows) {
		return nil
	}
	return rows[from:min(from+ledgerPageSize, len(rows))]
}

// renderRows is the JSON of rows as both gateways serve them; never null,
// so an empty page is an empty list. one-api's /api/log/self leaves the id
// column out, so every row reads "id": 0.
func renderRows(gateway Gateway, rows []ledgerEntry, opts LedgerOptions) []map[string]any {
	out := make([]map[string]any, 0, len(rows))
	for _, e := range rows {
		id := e.id
		if gateway == GatewayOneAPI {
			id = 0
		}
		row := map[string]any{
			"id":                id,
			"user_id":           ledgerUserID,
			"created_at":        e.CreatedAt.Unix(),
			"type":              logTypeConsume,
			"content":           fmt.Sprintf("模型倍率 %.2f，补全倍率 %.2f", ledgerModelRatio, float64(ledgerCompletionRatio)),
			"username":          "standin",
			"token_name":        e.TokenName,
			"model_name":        e.Model,
			"quota":             e.quota,
			"prompt_tokens":     e.PromptTokens,
			"completion_tokens": e.CompletionTokens,
			"use_time":          1,
			"is_stream":         false,
			"channel":           1,
			"group":             "default",
			"other":             ledgerOther,
		}
		if !opts.NoRequestID {
			row["request_id"] = e.RequestID
		}
		if opts.NoQuota {
			delete(row, "quota")
		}
		out = append(out, row)
	}
	return out
}
