package ledger

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// match decides what the rows say about q. decided is false when the row
// may still be written, so the caller reads again.
func (c *Client) match(q Query, w window, rows []row) (res Result, decided bool) {
	if q.RequestID != "" {
		for _, r := range rows {
			if r.RequestID == q.RequestID {
				return c.matched(q, r, MatchedByRequestID), true
			}
		}
	}
	// Without the gateway's id, the one row of this model inside the window
	// with the response's tokens is this request. A row carrying another
	// request's id is not ours, and two candidates are no match: a wrong
	// row would confirm a charge this request never made.
	var candidates []row
	for _, r := range rows {
		if (q.RequestID == "" || r.RequestID == "") &&
			r.Type == consumeType && r.ModelName == q.Model && w.contains(r.CreatedAt) &&
			r.PromptTokens == q.PromptTokens && r.CompletionTokens == q.CompletionTokens {
			candidates = append(candidates, r)
		}
	}
	switch len(candidates) {
	case 0:
		return Result{}, false
	case 1:
		return c.matched(q, candidates[0], MatchedByTimeModelTokens), true
	default:
		// More waiting only adds rows, so the answer cannot improve.
		return Result{Status: NotFound, Message: fmt.Sprintf(
			"%d rows of model %s with %d prompt and %d completion tokens %s, and no request id to tell which is this request",
			len(candidates), quoteShort(q.Model), q.PromptTokens, q.CompletionTokens, w)}, true
	}
}

func (c *Client) matched(q Query, r row, by string) Result {
	res := Result{
		Status:           Confirmed,
		MatchedBy:        by,
		LogID:            r.ID,
		RequestID:        r.RequestID,
		TokenName:        r.TokenName,
		PromptTokens:     r.PromptTokens,
		CompletionTokens: r.CompletionTokens,
		Quota:            r.Quota,
		ChargedUSD:       chargedUSD(r.Quota, c.opts.QuotaPerUSD),
	}
	if r.PromptTokens != q.PromptTokens || r.CompletionTokens != q.CompletionTokens {
		res.Status = Mismatch
		res.Message = fmt.Sprintf("the gateway charged %d prompt and %d completion tokens; the response reported %d and %d",
			r.PromptTokens, r.CompletionTokens, q.PromptTokens, q.CompletionTokens)
	}
	return res
}

// chargedUSDDigits bounds the decimals of a charge that does not end, such
// as a quota over a rate with a factor of three.
const chargedUSDDigits = 12

// chargedUSD is quota / perUSD as a plain decimal, computed on rationals so
// that no binary float noise shows: 150 / 500000 is "0.0003". The rate is
// read as the shortest decimal that names it, as a person wrote it.
func chargedUSD(quota int64, perUSD float64) string {
	rate, ok := new(big.Rat).SetString(strconv.FormatFloat(perUSD, 'f', -1, 64))
	if !ok || rate.Sign() <= 0 {
		return ""
	}
	v := new(big.Rat).Quo(new(big.Rat).SetInt64(quota), rate)
	s := v.FloatString(chargedUSDDigits)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

// redacted replaces a credential or the user id in a Result.
const redacted = "[redacted]"

// scrubber removes the access token (as sent and trimmed) anywhere in a
// string, and the user id where it stands as a word of its own: a short
// number is also part of request ids and timestamps, which must survive.
func scrubber(token, userID string) func(string) string {
	var pairs []string
	for _, t := range []string{token, strings.TrimSpace(token)} {
		if t != "" {
			pairs = append(pairs, t, redacted)
		}
	}
	tokens := strings.NewReplacer(pairs...)
	uid := strings.TrimSpace(userID)
	return func(s string) string {
		if len(pairs) > 0 {
			s = tokens.Replace(s)
		}
		if uid != "" {
			s = replaceWord(s, uid, redacted)
		}
		return s
	}
}

// replaceWord replaces old in s wherever no letter or digit touches it.
func replaceWord(s, old, repl string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, old)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		before, _ := utf8.DecodeLastRuneInString(s[:i])
		after, _ := utf8.DecodeRuneInString(s[i+len(old):])
		b.WriteString(s[:i])
		if i > 0 && isWordRune(before) || i+len(old) < len(s) && isWordRune(after) {
			b.WriteString(old)
		} else {
			b.WriteString(repl)
		}
		s = s[i+len(old):]
	}
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// quoteShort quotes a value for a message, cut to a readable length.
func quoteShort(s string) string {
	const limit = 120
	if r := []rune(s); len(r) > limit {
		s = string(r[:limit]) + "…"
	}
	return strconv.Quote(s)
}
