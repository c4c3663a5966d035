package ledger

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// openAIUsage reads the OpenAI organization's completions usage:
// GET {endpoint}/organization/usage/completions with 1-minute buckets of
// one API key id and model, grouped by key and model, paged by next_page,
// with the organization admin key as a Bearer key (never the approved
// key). A bucket counts requests (num_model_requests) and tokens.
type openAIUsage struct{}

const (
	openAIUsagePath = "/organization/usage/completions"
	openAIUsageName = "the OpenAI usage API"
)

// openAIUsagePage is one page of the answer, in the fields the reader uses.
type openAIUsagePage struct {
	Object string `json:"object"`
	Data   []struct {
		StartTime int64 `json:"start_time"`
		Results   []struct {
			InputTokens      int64  `json:"input_tokens"`
			OutputTokens     int64  `json:"output_tokens"`
			NumModelRequests int64  `json:"num_model_requests"`
			APIKeyID         string `json:"api_key_id"`
			Model            string `json:"model"`
		} `json:"results"`
	} `json:"data"`
	HasMore  bool    `json:"has_more"`
	NextPage *string `json:"next_page"`
}

func (openAIUsage) countsRequests() bool { return true }
func (openAIUsage) name() string         { return openAIUsageName }

func (openAIUsage) fetch(ctx context.Context, c *Reader, keyID, model string, from, to time.Time) (map[int64]usageBucket, *readError) {
	q := url.Values{
		"start_time":   {strconv.FormatInt(from.Unix(), 10)},
		"end_time":     {strconv.FormatInt(to.Unix(), 10)},
		"bucket_width": {"1m"},
		"api_key_ids":  {keyID},
		"models":       {model},
		"group_by":     {"api_key_id", "model"},
		"limit":        {strconv.Itoa(int(to.Sub(from) / time.Minute))},
	}
	h := http.Header{}
	h.Set("Authorization", "Bearer "+c.opts.Token)
	return c.usagePages(ctx, usageRequest{
		name: openAIUsageName, path: openAIUsagePath, query: q, header: h,
		refused: "ledger_token must be an organization Admin API key, which an organization Owner creates " +
			"on the Admin keys page and which reads usage (api.usage.read); a project or restricted key is refused",
		hint: "is ledger_endpoint the API's base URL with /v1, e.g. https://api.openai.com/v1?",
	}, func(body []byte, out map[int64]usageBucket) (string, bool, *readError) {
		var p openAIUsagePage
		if parsed := json.Unmarshal(body, &p) == nil; !parsed {
			return "", false, nil
		}
		for _, b := range p.Data {
			for _, res := range b.Results {
				// Grouped by key and model: another key's or model's
				// results (a server that ignores the filters) are not read.
				if res.APIKeyID != keyID || res.Model != "" && res.Model != model {
					continue
				}
				if why := implausible(res.InputTokens, res.OutputTokens); why != "" || res.NumModelRequests < 0 {
					return "", true, permanent("the usage API's bucket holds %d input and %d output tokens in %d requests, which is no usage",
						res.InputTokens, res.OutputTokens, res.NumModelRequests)
				}
				m := minuteOf(time.Unix(b.StartTime, 0))
				sum := out[m]
				sum.requests += res.NumModelRequests
				sum.input += res.InputTokens
				sum.output += res.OutputTokens
				out[m] = sum
			}
		}
		return nextPage(p.HasMore, p.NextPage), true, nil
	})
}
