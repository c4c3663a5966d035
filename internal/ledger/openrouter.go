package ledger

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
)

// openRouter reads OpenRouter's generation record:
// GET {endpoint}/api/v1/generation?id=<gen-id> with a Bearer key, the
// ledger token when set, else the approved key (the record belongs to the
// same API). It answers 404 until the record exists, then {"data":{...}}
// with the upstream's native token counts and the total cost.
type openRouter struct{}

const generationPath = "/api/v1/generation"

// generation is the record, in the fields the reader uses.
type generation struct {
	ID                     string          `json:"id"`
	Model                  string          `json:"model"`
	ProviderName           string          `json:"provider_name"`
	NativeTokensPrompt     int64           `json:"native_tokens_prompt"`
	NativeTokensCompletion int64           `json:"native_tokens_completion"`
	TotalCost              json.RawMessage `json:"total_cost"`
}

const generationAPI = "the generation API"

func (openRouter) id(q Query) string { return cmp.Or(q.GenerationID, q.BodyID) }

func (o openRouter) read(ctx context.Context, c *Reader, q Query) (Result, bool, *readError) {
	id := o.id(q)
	if id == "" {
		return unavailable("the response carried no generation id to look the record up by"), true, nil
	}
	// The approved key goes only to its own host: a check whose endpoint
	// is another gateway has a key that is not OpenRouter's.
	if c.opts.Token == "" && !SameHost(q.Endpoint, c.opts.Endpoint) {
		return unavailable("the check's endpoint is not on the ledger's host, so its key is not sent there: set the provider's " +
			"ledger_token (an OpenRouter key) to read OpenRouter's generation records for it"), true, nil
	}
	h := http.Header{}
	h.Set("Authorization", "Bearer "+cmp.Or(c.opts.Token, q.Key))
	r, err := c.get(ctx, c.opts.Endpoint+generationPath+"?"+url.Values{"id": {id}}.Encode(), h)
	if err != nil {
		return Result{}, false, err
	}
	var body struct {
		Data  *generation `json:"data"`
		Error *struct {
			Code json.RawMessage `json:"code"`
		} `json:"error"`
	}
	isJSON := json.Unmarshal(r.body, &body) == nil
	switch {
	case r.status == http.StatusNotFound && isJSON && body.Error != nil:
		return Result{}, false, nil // not written yet
	case r.status < 200 || r.status > 299:
		return Result{}, false, r.failure(generationAPI)
	case !isJSON:
		return Result{}, false, r.notJSON(generationAPI, "is ledger_endpoint OpenRouter's base URL, without /api/v1?")
	case body.Data == nil:
		return Result{}, false, permanent("the generation API's answer holds no data")
	}
	g := body.Data
	if why := implausible(g.NativeTokensPrompt, g.NativeTokensCompletion); why != "" {
		return unavailable(why), true, nil
	}
	usd, ok := usdOf(g.TotalCost)
	if !ok {
		return unavailable(fmt.Sprintf("the generation's total_cost %s is no charge; it is not taken as evidence", string(g.TotalCost))), true, nil
	}
	return tokensMatch(q, Result{
		RequestID:        cmp.Or(g.ID, id),
		PromptTokens:     g.NativeTokensPrompt,
		CompletionTokens: g.NativeTokensCompletion,
		ChargedUSD:       usd,
		Model:            g.Model,
		ProviderName:     g.ProviderName,
	}, MatchedByRequestID), true, nil
}

func (o openRouter) notFound(c *Reader, q Query, reads int) Result {
	return c.notFoundAfter("no generation record "+quoted(o.id(q))+" at OpenRouter", reads)
}
