package ledger

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sync/atomic"
)

// liteLLM reads a LiteLLM proxy's spend logs:
// GET {endpoint}/spend/logs?request_id=<id> with the ledger token as a
// Bearer key (a master or admin key sees every row, an internal user's key
// that user's rows). A row's request_id is the response body's id and, in
// newer releases, the proxy's x-litellm-call-id; both are tried. Rows are
// written in batches, so an empty list means not yet.
type liteLLM struct {
	// callIDRows is set once a row was found by the call id and not the
	// body id: the proxy's rows are keyed so, and the body id is not tried.
	callIDRows atomic.Bool
}

const spendLogsPath = "/spend/logs"

// spendRow is one spend-log row, in the fields the reader uses.
type spendRow struct {
	RequestID        string          `json:"request_id"`
	Model            string          `json:"model"`
	Spend            json.RawMessage `json:"spend"`
	PromptTokens     int64           `json:"prompt_tokens"`
	CompletionTokens int64           `json:"completion_tokens"`
}

const spendLogs = "the spend logs"

// ids are the ids to try, body id first, without repeats.
func (l *liteLLM) ids(q Query) []string {
	var out []string
	order := []string{q.BodyID, q.CallID}
	if l.callIDRows.Load() && q.CallID != "" {
		order = []string{q.CallID}
	}
	for _, id := range order {
		if id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

func (l *liteLLM) read(ctx context.Context, c *Reader, q Query) (Result, bool, *readError) {
	ids := l.ids(q)
	if len(ids) == 0 {
		return unavailable("the response carried neither a body id nor an x-litellm-call-id to look the spend row up by"), true, nil
	}
	h := http.Header{}
	h.Set("Authorization", "Bearer "+c.opts.Token)
	for _, id := range ids {
		r, err := c.get(ctx, c.opts.Endpoint+spendLogsPath+"?"+url.Values{"request_id": {id}}.Encode(), h.Clone())
		if err != nil {
			return Result{}, false, err
		}
		if r.status < 200 || r.status > 299 {
			return Result{}, false, r.failure(spendLogs)
		}
		rows, err := spendRows(r)
		if err != nil {
			return Result{}, false, err
		}
		for _, row := range rows {
			if row.RequestID == id {
				if id == q.CallID && id != q.BodyID {
					l.callIDRows.Store(true)
				}
				return l.matched(q, row), true, nil
			}
		}
	}
	return Result{}, false, nil
}

// spendRows reads the answer: a list of rows (an empty one until the batch
// is written); a single row object is taken too.
func spendRows(r reply) ([]spendRow, *readError) {
	data := bytesOf(r.body)
	if len(data) > 0 && data[0] == '{' {
		var one spendRow
		if json.Unmarshal(data, &one) != nil {
			return nil, permanent("the spend logs' answer is not a row")
		}
		return []spendRow{one}, nil
	}
	var rows []spendRow
	if err := json.Unmarshal(data, &rows); err != nil {
		if !json.Valid(data) {
			return nil, r.notJSON(spendLogs, "is ledger_endpoint the proxy's base URL, without /v1?")
		}
		return nil, permanent("the spend logs' answer is not a list of rows: %v", err)
	}
	return rows, nil
}

func (*liteLLM) matched(q Query, r spendRow) Result {
	if why := implausible(r.PromptTokens, r.CompletionTokens); why != "" {
		return unavailable(why)
	}
	usd, ok := usdOf(r.Spend)
	if !ok {
		return unavailable(fmt.Sprintf("the spend row's spend %s is no charge; it is not taken as evidence", string(r.Spend)))
	}
	return tokensMatch(q, Result{
		RequestID:        r.RequestID,
		PromptTokens:     r.PromptTokens,
		CompletionTokens: r.CompletionTokens,
		ChargedUSD:       usd,
		Model:            r.Model,
	}, MatchedByRequestID)
}

func (l *liteLLM) notFound(c *Reader, q Query, reads int) Result {
	ids := make([]string, 0, 2)
	for _, id := range l.ids(q) {
		ids = append(ids, quoted(id))
	}
	return c.notFoundAfter(fmt.Sprintf("no spend row with request id %s in the proxy's spend logs (rows are written in batches: a longer ledger_wait may find it)",
		joinOr(ids)), reads)
}

func joinOr(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	default:
		return s[0] + " or " + s[1]
	}
}
