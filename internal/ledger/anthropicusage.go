package ledger

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// anthropicUsage reads the Anthropic organization's usage report:
// GET {endpoint}/organizations/usage_report/messages with 1-minute buckets
// of one API key id and model, grouped by key and model, paged by
// next_page, with the admin key as x-api-key and anthropic-version (never
// the approved key). A bucket counts tokens only: input is uncached + cache
// creation (both ephemeral lifetimes) + cache read.
//
// The report is the one Anthropic's docs now call legacy beside the beta
// Usage and Cost Analytics API (GET /v1/organizations/analytics/usage,
// which also counts requests): it is generally available, answers with the
// same admin key and needs no dated beta header, which may change.
type anthropicUsage struct{}

const (
	anthropicUsagePath = "/organizations/usage_report/messages"
	anthropicUsageName = "the Anthropic usage report"
	anthropicVersion   = "2023-06-01"
)

type anthropicUsagePage struct {
	Data []struct {
		StartingAt string `json:"starting_at"`
		Results    []struct {
			UncachedInputTokens int64 `json:"uncached_input_tokens"`
			CacheCreation       struct {
				Ephemeral1h int64 `json:"ephemeral_1h_input_tokens"`
				Ephemeral5m int64 `json:"ephemeral_5m_input_tokens"`
			} `json:"cache_creation"`
			CacheReadInputTokens int64   `json:"cache_read_input_tokens"`
			OutputTokens         int64   `json:"output_tokens"`
			APIKeyID             *string `json:"api_key_id"`
			Model                *string `json:"model"`
		} `json:"results"`
	} `json:"data"`
	HasMore  bool    `json:"has_more"`
	NextPage *string `json:"next_page"`
}

func (anthropicUsage) countsRequests() bool { return false }
func (anthropicUsage) name() string         { return anthropicUsageName }

func (anthropicUsage) fetch(ctx context.Context, c *Reader, keyID, model string, from, to time.Time) (map[int64]usageBucket, *readError) {
	q := url.Values{
		"starting_at":   {from.UTC().Format(time.RFC3339)},
		"ending_at":     {to.UTC().Format(time.RFC3339)},
		"bucket_width":  {"1m"},
		"api_key_ids[]": {keyID},
		"models[]":      {model},
		"group_by[]":    {"api_key_id", "model"},
		"limit":         {strconv.Itoa(int(to.Sub(from) / time.Minute))},
	}
	h := http.Header{}
	h.Set("x-api-key", c.opts.Token)
	h.Set("anthropic-version", anthropicVersion)
	return c.usagePages(ctx, usageRequest{
		name: anthropicUsageName, path: anthropicUsagePath, query: q, header: h,
		refused: "ledger_token must be an Admin API key, which only organization members with the " +
			"admin role can create in the Console; a standard API key is refused",
		hint: "is ledger_endpoint the API's base URL with /v1, e.g. https://api.anthropic.com/v1?",
	}, func(body []byte, out map[int64]usageBucket) (string, bool, *readError) {
		var p anthropicUsagePage
		if parsed := json.Unmarshal(body, &p) == nil; !parsed {
			return "", false, nil
		}
		for _, b := range p.Data {
			start, perr := time.Parse(time.RFC3339, b.StartingAt)
			if perr != nil {
				return "", true, permanent("the usage report's bucket starts at %s, which is no RFC 3339 time", quoted(b.StartingAt))
			}
			for _, res := range b.Results {
				if res.APIKeyID == nil || *res.APIKeyID != keyID || res.Model != nil && *res.Model != model {
					continue
				}
				input := res.UncachedInputTokens + res.CacheCreation.Ephemeral1h + res.CacheCreation.Ephemeral5m + res.CacheReadInputTokens
				parts := []int64{res.UncachedInputTokens, res.CacheCreation.Ephemeral1h, res.CacheCreation.Ephemeral5m, res.CacheReadInputTokens}
				if why := implausible(input, res.OutputTokens); why != "" || anyOut(parts) {
					return "", true, permanent("the usage report's bucket holds %d input and %d output tokens, which is no usage", input, res.OutputTokens)
				}
				m := minuteOf(start)
				sum := out[m]
				sum.requests = -1
				sum.input += input
				sum.output += res.OutputTokens
				out[m] = sum
			}
		}
		return nextPage(p.HasMore, p.NextPage), true, nil
	})
}

// anyOut reports a negative or absurd part of a sum, which could hide in it.
func anyOut(parts []int64) bool {
	for _, p := range parts {
		if p < 0 || p > maxPlausibleTokens {
			return true
		}
	}
	return false
}
