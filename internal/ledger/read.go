package ledger

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const (
	// maxBodyBytes bounds one answer of a ledger; a page of ten rows or one
	// record is far smaller.
	maxBodyBytes = 256 << 10
	// maxHeaderBytes bounds the response headers of one read.
	maxHeaderBytes = 64 << 10
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

// readError is why one read failed; transient ones are tried again at the
// next poll, after retryAfter when the server asked for it.
type readError struct {
	msg        string
	transient  bool
	retryAfter time.Duration
	// rateLimited: the server refused the read with HTTP 429.
	rateLimited bool
}

func (e *readError) Error() string { return e.msg }

// waitTooLong is the refusal of a server that asked to wait past what is
// left of ledger_wait.
func (e *readError) waitTooLong(left time.Duration) string {
	return fmt.Sprintf("%s; it asked to wait %s, longer than what is left of ledger_wait (%s)",
		e.Error(), e.retryAfter.Round(time.Second), left.Round(time.Millisecond))
}

func permanent(format string, args ...any) *readError {
	return &readError{msg: fmt.Sprintf(format, args...)}
}

func transient(format string, args ...any) *readError {
	return &readError{msg: fmt.Sprintf(format, args...), transient: true}
}

// reply is one answer of a ledger's API, its body bounded.
type reply struct {
	status int
	header http.Header
	body   []byte
	date   time.Time // the Date header; zero when none or unparsable
}

// get reads one URL with the given headers. The caller's context carries
// the wait; each read is bounded by ReadTimeout inside it.
func (c *Reader) get(ctx context.Context, rawURL string, header http.Header) (reply, *readError) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.ReadTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return reply{}, permanent("the ledger's address is not usable: %v", errors.Unwrap(err))
	}
	req.Header = header
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return reply{}, c.transportError(ctx, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes+1))
	if err != nil {
		return reply{}, c.transportError(ctx, err)
	}
	if len(body) > maxBodyBytes {
		return reply{}, permanent("the ledger's answer is over %d KiB", maxBodyBytes>>10)
	}
	r := reply{status: resp.StatusCode, header: resp.Header, body: body}
	if d, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		r.date = d
	}
	return r, nil
}

// transportError says why a read failed on the way. The URL is left out:
// it says nothing the caller does not know.
func (c *Reader) transportError(ctx context.Context, err error) *readError {
	switch {
	case ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
		return transient("the ledger did not answer in time")
	case ctx.Err() != nil:
		return transient("the ledger read was cancelled")
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return transient("reading the ledger: %v", err)
}

// failure says why a non-2xx answer failed, quoting the server's message
// when it sent one. Server errors and rate limits may pass; a rate limit's
// Retry-After is kept so the next read honours it.
func (r reply) failure(what string) *readError {
	msg := fmt.Sprintf("%s answered HTTP %d", what, r.status)
	if m := serverMessage(r.body); m != "" {
		msg += ": " + m
	}
	if r.status >= 300 && r.status < 400 {
		msg += " (redirects are not followed)"
	}
	switch {
	case r.status == http.StatusTooManyRequests:
		e := transient("%s", msg)
		e.retryAfter = retryAfter(r.header.Get("Retry-After"), r.date)
		e.rateLimited = true
		return e
	case r.status >= 500:
		return transient("%s", msg)
	default:
		return permanent("%s", msg)
	}
}

// notJSON says what came instead of JSON.
func (r reply) notJSON(what, hint string) *readError {
	mt, _, _ := mime.ParseMediaType(r.header.Get("Content-Type"))
	if mt == "" {
		mt = "no Content-Type"
	}
	return permanent("%s's answer is not JSON (%s); %s", what, mt, hint)
}

// maxRetryAfter bounds a Retry-After taken from a server; the wait bounds
// it further.
const maxRetryAfter = 10 * time.Minute

// retryAfter reads a Retry-After header: seconds, or an HTTP date measured
// against the server's own Date. Zero when absent or unreadable.
func retryAfter(v string, serverNow time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		return time.Duration(min(n, int64(maxRetryAfter/time.Second))) * time.Second
	}
	if at, err := http.ParseTime(v); err == nil && !serverNow.IsZero() {
		return min(max(at.Sub(serverNow), 0), maxRetryAfter)
	}
	return 0
}

// serverMessage is the message an error body holds, in the shapes the
// ledgers use: {"message"}, {"error":"..."}, {"error":{"message"}},
// {"detail"}. "" when none.
func serverMessage(body []byte) string {
	var v struct {
		Message string          `json:"message"`
		Detail  json.RawMessage `json:"detail"`
		Error   json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &v) != nil {
		return ""
	}
	if v.Message != "" {
		return v.Message
	}
	var s string
	if json.Unmarshal(v.Error, &s) == nil && s != "" {
		return s
	}
	var inner struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(v.Error, &inner) == nil && inner.Message != "" {
		return inner.Message
	}
	if json.Unmarshal(v.Detail, &s) == nil {
		return s
	}
	if json.Unmarshal(v.Detail, &inner) == nil {
		return inner.Message
	}
	return ""
}

// tokensMatch builds the Result of a matched record: confirmed when its
// tokens equal the response's, a mismatch otherwise.
func tokensMatch(q Query, res Result, by string) Result {
	res.Status, res.MatchedBy = Confirmed, by
	if res.PromptTokens != q.PromptTokens || res.CompletionTokens != q.CompletionTokens {
		res.Status = Mismatch
		res.Message = fmt.Sprintf("the ledger charged %d prompt and %d completion tokens; the response reported %d and %d",
			res.PromptTokens, res.CompletionTokens, q.PromptTokens, q.CompletionTokens)
	}
	return res
}

// maxPlausibleTokens bounds the token counts a record may hold and still
// be a smoke request's.
const maxPlausibleTokens = 1 << 40

// implausible says why a matched record is no charge evidence; "" when it
// may be.
func implausible(prompt, completion int64) string {
	if prompt < 0 || completion < 0 || prompt > maxPlausibleTokens || completion > maxPlausibleTokens {
		return fmt.Sprintf("the ledger's record holds %d prompt and %d completion tokens, which no request is charged; it is not taken as evidence",
			prompt, completion)
	}
	return ""
}

// decimalDigits bounds the decimals of a charge that does not end, such as
// a quota over a rate with a factor of three.
const decimalDigits = 12

// decimal renders a rational as a plain decimal: no exponent, no binary
// float noise, trailing zeros dropped.
func decimal(v *big.Rat) string {
	s := v.FloatString(decimalDigits)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

// chargedUSD is quota / perUSD as a plain decimal, computed on rationals:
// 150 / 500000 is "0.0003". The rate is read as the shortest decimal that
// names it, as a person wrote it.
func chargedUSD(quota int64, perUSD float64) string {
	rate, ok := new(big.Rat).SetString(strconv.FormatFloat(perUSD, 'f', -1, 64))
	if !ok || rate.Sign() <= 0 {
		return ""
	}
	return decimal(new(big.Rat).Quo(new(big.Rat).SetInt64(quota), rate))
}

// maxPlausibleUSD bounds a per-request cost a ledger may report and still be
// a smoke request's charge.
const maxPlausibleUSD = 1 << 20

// usdOf reads a ledger's cost, a JSON number, exactly as written: 3.6e-05
// is "0.000036". ok is false for anything that is not a plausible charge
// (not a number, negative, absurd).
func usdOf(raw json.RawMessage) (string, bool) {
	// A JSON null, string or other value fails SetString; json.Valid keeps
	// out the forms SetString would take that are not JSON (1/3, 0x10).
	if !json.Valid(raw) {
		return "", false
	}
	v, ok := new(big.Rat).SetString(strings.TrimSpace(string(raw)))
	if !ok || v.Sign() < 0 || v.Cmp(new(big.Rat).SetInt64(maxPlausibleUSD)) > 0 {
		return "", false
	}
	return decimal(v), true
}

// bytesOf trims a JSON value for a shape test.
func bytesOf(raw json.RawMessage) []byte { return bytes.TrimSpace(raw) }
