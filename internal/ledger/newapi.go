package ledger

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// newAPI reads the usage log of a one-api / new-api gateway:
// GET {endpoint}/api/log/self with the access token as Authorization.
//
// What real builds do shapes the reader: one-api's rows all have id 0 (the
// column is left out), so rows are told apart by request_id, never by id;
// new-api up to v0.10 writes no request_id at all, so its smoke requests are
// sent one at a time per (model, token) and only rows written after the
// newest one read before the send can be this request's; created_at is
// whole seconds on the gateway's clock, which its Date header also shows.
type newAPI struct{}

const (
	logPath = "/api/log/self"
	// consumeType is the log type of a charged request in both gateways.
	consumeType = 2
	// maxPages bounds the pages one read follows, so that a busy account or
	// a gateway that ignores the filters cannot keep the reader paging.
	maxPages = 20
	// onePageSize is one-api's fixed page size, which its answer does not state.
	onePageSize = 10
	// maxNamedCandidates bounds the candidate rows kept to name them in a
	// message; the rest are only counted.
	maxNamedCandidates = 2
	// dateSlack widens a window taken from the gateway's own clock: one-api
	// stamps a row just after the answer, in the same or the next second.
	dateSlack = 2 * time.Second
	// maxPlausibleQuota bounds the quota a row may hold and still be the
	// charge of a smoke request.
	maxPlausibleQuota = 1 << 40
)

// The new-api family orders its sends: a missing method would silently
// stop fleets being told apart.
var _ sendOrderer = newAPI{}

func (newAPI) ordersSends(c *Reader) bool { return !c.carriesIDs.Load() }

// window is the request's time span in the gateway's whole seconds, both
// ends inclusive as the gateways filter them.
type window struct{ start, end int64 }

func (w window) contains(sec int64) bool { return sec >= w.start && sec <= w.end }

// String names the window in a message.
func (w window) String() string {
	return "between " + time.Unix(w.start, 0).UTC().Format(time.RFC3339) + " and " + time.Unix(w.end, 0).UTC().Format(time.RFC3339)
}

// window is where the smoke request's row can be. On the gateway's own
// clock when its Date headers came: from the pre-read before the send (or
// the answer's date less the time the request took) to just after the
// answer. Without them, this host's times padded by the skew.
func (c *Reader) window(q Query, b baseline) window {
	if !q.ServerDate.IsZero() {
		start := b.serverDate
		if start.IsZero() || start.After(q.ServerDate) {
			start = q.ServerDate.Add(-max(q.ReceivedAt.Sub(q.SentAt), 0) - dateSlack)
		}
		return window{start: floorUnix(start), end: ceilUnix(q.ServerDate.Add(dateSlack))}
	}
	start, end := q.SentAt, q.ReceivedAt
	if start.IsZero() {
		start = end
	}
	if start.IsZero() {
		start = c.opts.Now()
	}
	if end.Before(start) {
		end = start
	}
	return window{start: floorUnix(start.Add(-c.opts.Skew)), end: ceilUnix(end.Add(c.opts.Skew))}
}

func floorUnix(t time.Time) int64 {
	s := t.Unix()
	if time.Unix(s, 0).After(t) {
		s--
	}
	return s
}

func ceilUnix(t time.Time) int64 {
	s := floorUnix(t)
	if !t.Equal(time.Unix(s, 0)) {
		s++
	}
	return s
}

// row is one log row, in the fields both gateways share.
type row struct {
	ID               int64  `json:"id"`
	CreatedAt        int64  `json:"created_at"`
	Type             int    `json:"type"`
	ModelName        string `json:"model_name"`
	TokenName        string `json:"token_name"`
	Quota            int64  `json:"quota"`
	PromptTokens     int64  `json:"prompt_tokens"`
	CompletionTokens int64  `json:"completion_tokens"`
	RequestID        string `json:"request_id"`
}

// page is one answer of the log API, in either shape.
type page struct {
	rows []row
	last bool // the answer says no page follows
	next int  // the p to ask for the page after this one
	date time.Time
}

func (c *Reader) firstPage() int {
	if c.newAPIShape.Load() {
		return 1 // new-api counts pages from 1
	}
	return 0 // one-api counts from 0, and new-api reads 0 as 1
}

func (c *Reader) pageURL(model string, w *window, p int) string {
	v := url.Values{}
	v.Set("type", strconv.Itoa(consumeType))
	v.Set("model_name", model)
	if c.opts.TokenName != "" {
		v.Set("token_name", c.opts.TokenName)
	}
	if w != nil {
		v.Set("start_timestamp", strconv.FormatInt(w.start, 10))
		v.Set("end_timestamp", strconv.FormatInt(w.end, 10))
	}
	v.Set("p", strconv.Itoa(p))
	return c.opts.Endpoint + logPath + "?" + v.Encode()
}

func (c *Reader) readPage(ctx context.Context, model string, w *window, p int) (page, *readError) {
	h := http.Header{}
	h.Set("Authorization", c.opts.Token)
	if c.opts.UserID != "" {
		h.Set("New-Api-User", c.opts.UserID)
	}
	r, err := c.get(ctx, c.pageURL(model, w, p), h)
	if err != nil {
		return page{}, err
	}
	pg, err := c.parsePage(r, p)
	pg.date = r.date
	return pg, err
}

// envelope is the answer both gateways wrap every management reply in.
type envelope struct {
	Success bool            `json:"success"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data"`
}

// newAPIPage is new-api's paginated data object.
type newAPIPage struct {
	Items    []row `json:"items"`
	Total    int64 `json:"total"`
	Page     int   `json:"page"`
	PageSize int   `json:"page_size"`
}

const logAPI = "the log API"

func (c *Reader) parsePage(r reply, p int) (page, *readError) {
	if r.status < 200 || r.status > 299 {
		return page{}, r.failure(logAPI)
	}
	var env envelope
	if json.Unmarshal(r.body, &env) != nil {
		return page{}, r.notJSON(logAPI, "is ledger_endpoint the gateway's base URL, without /v1?")
	}
	if !env.Success {
		if env.Message == "" {
			return page{}, permanent("the gateway refused the log read without saying why")
		}
		return page{}, permanent("the gateway refused the log read: %s", env.Message)
	}
	data := bytesOf(env.Data)
	switch {
	case len(data) == 0 || bytes.Equal(data, []byte("null")):
		return page{last: true}, nil
	case data[0] == '[':
		var rows []row
		if err := json.Unmarshal(data, &rows); err != nil {
			return page{}, permanent("the log API's rows are not the one-api shape: %v", err)
		}
		// one-api writes a request id in every row.
		c.carriesIDs.Store(true)
		return page{rows: rows, last: len(rows) < onePageSize, next: p + 1}, nil
	case data[0] == '{':
		var np newAPIPage
		if err := json.Unmarshal(data, &np); err != nil {
			return page{}, permanent("the log API's page is not the new-api shape: %v", err)
		}
		c.newAPIShape.Store(true)
		// Newer new-api releases write a request id in their rows.
		if slices.ContainsFunc(np.Items, func(r row) bool { return r.RequestID != "" }) {
			c.carriesIDs.Store(true)
		}
		size := np.PageSize
		if size <= 0 {
			size = onePageSize
		}
		current := max(np.Page, 1)
		last := len(np.Items) < size || int64(current)*int64(size) >= np.Total
		return page{rows: np.Items, last: last, next: current + 1}, nil
	default:
		return page{}, permanent("the log API's data is neither a list of rows nor a page of them")
	}
}

// newest reads the first page of the model's (and token's) rows, newest
// first, and keeps the newest row and the gateway's clock.
func (newAPI) newest(ctx context.Context, c *Reader, model string) (baseline, *readError) {
	pg, err := c.readPage(ctx, model, nil, c.firstPage())
	if err != nil {
		return baseline{}, err
	}
	b := baseline{serverDate: pg.date}
	for _, r := range pg.rows {
		if r.CreatedAt > b.createdAt || r.CreatedAt == b.createdAt && r.ID > b.id {
			b.createdAt, b.id = r.CreatedAt, r.ID
		}
	}
	return b, nil
}

// scan is what one read of the log found, page by page: only the candidate
// rows needed to name them are kept, so the memory of a read is bounded
// whatever the log holds.
type scan struct {
	named []row
	count int
}

// read pages back, newest first, until the row with the request id turns
// up, the rows are older than the window, or the log ends.
func (newAPI) read(ctx context.Context, c *Reader, q Query, b baseline) (Result, bool, *readError) {
	w := c.window(q, b)
	var s scan
	var previous uint64
	p := c.firstPage()
	for n := range maxPages {
		pg, err := c.readPage(ctx, q.Model, &w, p)
		if err != nil {
			return Result{}, false, err
		}
		older := false
		for _, r := range pg.rows {
			if q.RequestID != "" && r.RequestID == q.RequestID {
				return c.matchedRow(q, r, MatchedByRequestID), true, nil
			}
			if r.CreatedAt < w.start {
				older = true
			}
			if c.candidate(q, w, b, r) {
				s.count++
				if len(s.named) < maxNamedCandidates {
					s.named = append(s.named, r)
				}
			}
		}
		// A page equal to the one before means the gateway ignored p.
		sig := signature(pg.rows)
		if pg.last || older || n > 0 && sig == previous {
			break
		}
		previous, p = sig, pg.next
	}
	switch s.count {
	case 0:
		return Result{}, false, nil
	case 1:
		return c.matchedRow(q, s.named[0], MatchedByTimeModelTokens), true, nil
	default:
		// More waiting only adds rows, so the answer cannot improve.
		return Result{Status: Ambiguous, Message: c.ambiguous(q, s)}, true, nil
	}
}

// candidate: without the request's id, a row of the model inside the window
// with the response's tokens, written after the newest row read before the
// send, of the configured token, may be this request. A row carrying
// another request's id is not.
func (c *Reader) candidate(q Query, w window, b baseline, r row) bool {
	return (q.RequestID == "" || r.RequestID == "") &&
		r.Type == consumeType && r.ModelName == q.Model && w.contains(r.CreatedAt) &&
		r.PromptTokens == q.PromptTokens && r.CompletionTokens == q.CompletionTokens &&
		(c.opts.TokenName == "" || r.TokenName == c.opts.TokenName) &&
		(b.id == 0 || r.ID > b.id)
}

// ambiguous names the rows and the way out, short enough that neither is
// cut from the stored message.
func (c *Reader) ambiguous(q Query, s scan) string {
	names := make([]string, 0, len(s.named))
	for _, r := range s.named {
		id := ""
		if r.ID != 0 {
			id = fmt.Sprintf("id %d ", r.ID)
		}
		names = append(names, fmt.Sprintf("%sat %s of token %s", id,
			time.Unix(r.CreatedAt, 0).UTC().Format(time.RFC3339), quoted(r.TokenName)))
	}
	if s.count > len(s.named) {
		names = append(names, fmt.Sprintf("%d more", s.count-len(s.named)))
	}
	way := "set ledger_token_name to the approved key's token, or use a dedicated token"
	if c.opts.TokenName != "" {
		way = "use a token no other traffic uses"
	}
	return fmt.Sprintf("%d rows could each be this request (model %s, %d+%d tokens, no request id): %s. %s",
		s.count, quoted(q.Model), q.PromptTokens, q.CompletionTokens, strings.Join(names, "; "), way)
}

func (c *Reader) matchedRow(q Query, r row, by string) Result {
	if why := implausible(r.PromptTokens, r.CompletionTokens); why != "" {
		return unavailable(why)
	}
	if r.Quota < 0 || r.Quota > maxPlausibleQuota {
		return unavailable(fmt.Sprintf("the gateway's row holds a quota of %d, which no gateway charges; it is not taken as evidence", r.Quota))
	}
	return tokensMatch(q, Result{
		LogID:            r.ID,
		RequestID:        r.RequestID,
		TokenName:        r.TokenName,
		PromptTokens:     r.PromptTokens,
		CompletionTokens: r.CompletionTokens,
		Quota:            r.Quota,
		HasQuota:         true,
		ChargedUSD:       chargedUSD(r.Quota, c.opts.QuotaPerUSD),
		Model:            r.ModelName,
	}, by)
}

func (newAPI) notFound(c *Reader, q Query, b baseline) string {
	what := "no row of model " + quoted(q.Model)
	if q.RequestID != "" {
		what = "no row with request id " + quoted(q.RequestID) + " and no single row of model " + quoted(q.Model)
	}
	if c.opts.TokenName != "" {
		what += " of token " + quoted(c.opts.TokenName)
	}
	return fmt.Sprintf("%s with %d prompt and %d completion tokens %s in the gateway's log", what,
		q.PromptTokens, q.CompletionTokens, c.window(q, b))
}

// signature tells two pages apart by their rows' contents, never by id
// alone (one-api's ids are all 0).
func signature(rows []row) uint64 {
	h := fnv.New64a()
	for _, r := range rows {
		fmt.Fprintf(h, "%d|%d|%s|%s|%s|%d|%d|%d\x00", r.ID, r.CreatedAt, r.RequestID, r.ModelName, r.TokenName,
			r.PromptTokens, r.CompletionTokens, r.Quota)
	}
	return h.Sum64()
}
