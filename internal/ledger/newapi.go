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
	"time"
)

// The usage log of a one-api / new-api gateway:
// GET {endpoint}/api/log/self with the access token as Authorization, read
// for every pending check of a (model, token) at once (sharedLog, in
// shared.go).
//
// What real builds do shapes the reader: one-api's rows all have id 0 (the
// column is left out), so rows are told apart by request_id, never by id;
// new-api up to v0.10 writes no request_id at all, so its smoke requests
// carry a signature (a prompt token count unique among the requests in
// flight) and are matched on it; created_at is whole seconds on the
// gateway's clock, stamped after the answer on a busy database; the
// answer's Date is the upstream's clock, copied, so only the log API's own
// Date places a window on the gateway's clock.
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
	// startSlack widens the window's start, taken from the gateway's own
	// clock (the log API's Date, whole seconds) and this host's elapsed
	// time, against a step of either clock.
	startSlack = 1
	// maxPlausibleQuota bounds the quota a row may hold and still be the
	// charge of a smoke request.
	maxPlausibleQuota = 1 << 40
)

// window is where the smoke request's row can be, in the gateway's whole
// seconds: from the gateway's clock at the send onwards. It has no end of
// its own: the end follows the reads (a row stamped late is still found).
type window struct{ start int64 }

// since names the window's start in a message.
func since(sec int64) string { return time.Unix(sec, 0).UTC().Format(time.RFC3339) }

func floorUnix(t time.Time) int64 {
	s := t.Unix()
	if time.Unix(s, 0).After(t) {
		s--
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
	Quota            *int64 `json:"quota"` // nil when the row gives none
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
	// No end_timestamp: the window's end follows the reads.
	v := url.Values{}
	v.Set("type", strconv.Itoa(consumeType))
	v.Set("model_name", model)
	if c.opts.TokenName != "" {
		v.Set("token_name", c.opts.TokenName)
	}
	if w != nil {
		v.Set("start_timestamp", strconv.FormatInt(w.start, 10))
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
	pg.date = r.date // a refusal's too
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
		c.oneAPIShape.Store(true)
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
		} else if len(np.Items) > 0 {
			c.rowsLackIDs.Store(true)
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

func (c *Reader) matchedRow(q Query, r row, by string) Result {
	if why := implausible(r.PromptTokens, r.CompletionTokens); why != "" {
		return unavailable(why)
	}
	res := Result{
		LogID:            r.ID,
		RequestID:        r.RequestID,
		TokenName:        r.TokenName,
		PromptTokens:     r.PromptTokens,
		CompletionTokens: r.CompletionTokens,
		Model:            r.ModelName,
	}
	// A row without a quota gives none: quota and charged_usd stay null,
	// never 0.
	if r.Quota != nil {
		if *r.Quota < 0 || *r.Quota > maxPlausibleQuota {
			return unavailable(fmt.Sprintf("the gateway's row holds a quota of %d, which no gateway charges; it is not taken as evidence", *r.Quota))
		}
		res.Quota, res.HasQuota = *r.Quota, true
		res.ChargedUSD = chargedUSD(*r.Quota, c.opts.QuotaPerUSD)
	}
	return tokensMatch(q, res, by)
}

// signature tells two pages apart by their rows' contents, never by id
// alone (one-api's ids are all 0).
func signature(rows []row) uint64 {
	h := fnv.New64a()
	for _, r := range rows {
		quota := int64(-1)
		if r.Quota != nil {
			quota = *r.Quota
		}
		fmt.Fprintf(h, "%d|%d|%s|%s|%s|%d|%d|%d\x00", r.ID, r.CreatedAt, r.RequestID, r.ModelName, r.TokenName,
			r.PromptTokens, r.CompletionTokens, quota)
	}
	return h.Sum64()
}
