package ledger

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

const (
	logPath = "/api/log/self"
	// consumeType is the log type of a charged request in both gateways.
	consumeType = 2
	// maxBodyBytes bounds one page of the log; ten rows are far smaller.
	maxBodyBytes = 1 << 20
	// maxHeaderBytes bounds the response headers of one read.
	maxHeaderBytes = 64 << 10
	// maxPages bounds the pages one read follows, so that a busy account or
	// a gateway that ignores the time filter cannot keep the reader paging.
	maxPages = 20
	// maxMessageRunes bounds the gateway's own message quoted in a Result.
	maxMessageRunes = 300
)

func defaultTransport() http.RoundTripper {
	base, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return http.DefaultTransport
	}
	t := base.Clone()
	t.MaxResponseHeaderBytes = maxHeaderBytes
	return t
}

// window is the request's time span in the gateway's whole seconds, both
// ends inclusive as the gateways filter them.
type window struct{ start, end int64 }

// window pads the request's span by the skew and widens it to whole seconds:
// the gateway stamps a row with the second it wrote it, so the start rounds
// down and the end rounds up.
func (c *Client) window(q Query) window {
	start, end := q.Start, q.End
	if start.IsZero() {
		start = end
	}
	if start.IsZero() {
		start = c.opts.Now()
	}
	if end.Before(start) {
		end = start
	}
	lo := start.Add(-c.opts.Skew)
	hi := end.Add(c.opts.Skew)
	w := window{start: floorUnix(lo), end: floorUnix(hi)}
	if !hi.Equal(time.Unix(w.end, 0)) {
		w.end++
	}
	return w
}

func floorUnix(t time.Time) int64 {
	s := t.Unix()
	if time.Unix(s, 0).After(t) {
		s--
	}
	return s
}

func (w window) contains(sec int64) bool { return sec >= w.start && sec <= w.end }

// String names the window in a message.
func (w window) String() string {
	return "between " + time.Unix(w.start, 0).UTC().Format(time.RFC3339) + " and " + time.Unix(w.end, 0).UTC().Format(time.RFC3339)
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

// readError is why one read failed; transient ones are tried again at the
// next poll.
type readError struct {
	msg       string
	transient bool
}

func (e *readError) Error() string { return e.msg }

func permanent(format string, args ...any) *readError {
	return &readError{msg: fmt.Sprintf(format, args...)}
}

func transient(format string, args ...any) *readError {
	return &readError{msg: fmt.Sprintf(format, args...), transient: true}
}

// page is one answer of the log API, in either shape.
type page struct {
	rows []row
	// last is true when the answer says no page follows.
	last bool
	// next is the p to ask for the page after this one.
	next int
}

// readLog reads the log's pages, newest first, until the row with the
// query's request id turns up, the rows are older than the window, or the
// log ends. It returns every row read.
func (c *Client) readLog(ctx context.Context, q Query, w window) ([]row, *readError) {
	var all []row
	seen := make(map[int64]bool)
	p := 0 // one-api counts pages from 0; new-api reads 0 as its first page, 1
	for range maxPages {
		pg, err := c.readPage(ctx, q.Model, w, p)
		if err != nil {
			return nil, err
		}
		fresh, older := 0, false
		for _, r := range pg.rows {
			if q.RequestID != "" && r.RequestID == q.RequestID {
				return append(all, r), nil
			}
			if r.CreatedAt < w.start {
				older = true
			}
			if !seen[r.ID] {
				seen[r.ID] = true
				fresh++
				all = append(all, r)
			}
		}
		// A page of rows already seen means the gateway ignored p.
		if pg.last || older || fresh == 0 {
			break
		}
		p = pg.next
	}
	return all, nil
}

func (c *Client) pageURL(model string, w window, p int) string {
	v := url.Values{}
	v.Set("type", strconv.Itoa(consumeType))
	v.Set("model_name", model)
	v.Set("start_timestamp", strconv.FormatInt(w.start, 10))
	v.Set("end_timestamp", strconv.FormatInt(w.end, 10))
	v.Set("p", strconv.Itoa(p))
	return c.opts.Endpoint + logPath + "?" + v.Encode()
}

func (c *Client) readPage(ctx context.Context, model string, w window, p int) (page, *readError) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.ReadTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.pageURL(model, w, p), nil)
	if err != nil {
		return page{}, permanent("the log API's address is not usable: %v", errors.Unwrap(err))
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", c.opts.Token)
	if c.opts.UserID != "" {
		req.Header.Set("New-Api-User", c.opts.UserID)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return page{}, c.transportError(ctx, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes+1))
	if err != nil {
		return page{}, c.transportError(ctx, err)
	}
	if len(body) > maxBodyBytes {
		return page{}, permanent("the log API's answer is over %d KiB", maxBodyBytes>>10)
	}
	return parsePage(resp, body, p)
}

// transportError says why a read failed on the way. The URL is left out:
// it says nothing the caller does not know.
func (c *Client) transportError(ctx context.Context, err error) *readError {
	switch {
	case ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
		return transient("the log API did not answer within %s", c.opts.ReadTimeout)
	case ctx.Err() != nil:
		return transient("the log read was cancelled")
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return transient("reading the log API: %v", err)
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

// onePageSize is one-api's fixed page size, which its answer does not state.
const onePageSize = 10

func parsePage(resp *http.Response, body []byte, p int) (page, *readError) {
	var env envelope
	jsonErr := json.Unmarshal(body, &env)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return page{}, statusError(resp.StatusCode, env, jsonErr == nil)
	}
	if jsonErr != nil {
		mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
		if mt == "" {
			mt = "no Content-Type"
		}
		return page{}, permanent("the log API's answer is not JSON (%s); is the endpoint the gateway's base URL, without /v1?", mt)
	}
	if !env.Success {
		if env.Message == "" {
			return page{}, permanent("the gateway refused the log read without saying why")
		}
		return page{}, permanent("the gateway refused the log read: %s", truncate(env.Message))
	}
	data := bytes.TrimSpace(env.Data)
	switch {
	case len(data) == 0 || bytes.Equal(data, []byte("null")):
		return page{last: true}, nil
	case data[0] == '[':
		var rows []row
		if err := json.Unmarshal(data, &rows); err != nil {
			return page{}, permanent("the log API's rows are not the one-api shape: %v", err)
		}
		return page{rows: rows, last: len(rows) < onePageSize, next: p + 1}, nil
	case data[0] == '{':
		var np newAPIPage
		if err := json.Unmarshal(data, &np); err != nil {
			return page{}, permanent("the log API's page is not the new-api shape: %v", err)
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

// statusError says why a non-2xx answer failed, quoting the gateway's
// message when it sent one. Server errors and rate limits may pass.
func statusError(status int, env envelope, isJSON bool) *readError {
	msg := fmt.Sprintf("the log API answered HTTP %d", status)
	if isJSON && env.Message != "" {
		msg += ": " + truncate(env.Message)
	}
	if status >= 300 && status < 400 {
		msg += " (redirects are not followed)"
	}
	if status >= 500 || status == http.StatusTooManyRequests {
		return transient("%s", msg)
	}
	return permanent("%s", msg)
}

func truncate(s string) string {
	r := []rune(s)
	if len(r) <= maxMessageRunes {
		return s
	}
	return string(r[:maxMessageRunes]) + "…"
}
