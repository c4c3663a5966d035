package ledger

import (
	"net/http"
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

const anthropicVersion = "2023-06-01"

// anthropicBucket is a bucket of the report's page (usagePage), in the
// fields the reader uses.
type anthropicBucket struct {
	StartingAt string `json:"starting_at"`
	usageResults[anthropicResult]
}

type anthropicResult struct {
	UncachedInputTokens int64 `json:"uncached_input_tokens"`
	CacheCreation       struct {
		Ephemeral1h int64 `json:"ephemeral_1h_input_tokens"`
		Ephemeral5m int64 `json:"ephemeral_5m_input_tokens"`
	} `json:"cache_creation"`
	CacheReadInputTokens int64   `json:"cache_read_input_tokens"`
	OutputTokens         int64   `json:"output_tokens"`
	APIKeyID             *string `json:"api_key_id"`
	Model                *string `json:"model"`
}

func (anthropicUsage) countsRequests() bool { return false }

func (anthropicUsage) request(keyID, model string, from, to time.Time, token string) usageRequest {
	q := usageQuery("[]", keyID, model, from, to)
	q.Set("starting_at", from.UTC().Format(time.RFC3339))
	q.Set("ending_at", to.UTC().Format(time.RFC3339))
	h := http.Header{}
	h.Set("x-api-key", token)
	h.Set("anthropic-version", anthropicVersion)
	return usageRequest{name: "the Anthropic usage report", path: "/organizations/usage_report/messages", query: q, header: h,
		read: readUsagePage[anthropicBucket], base: "https://api.anthropic.com/v1",
		refused: "ledger_token must be an Admin API key, which only organization members with the " +
			"admin role can create in the Console; a standard API key is refused"}
}

func (b anthropicBucket) start() (time.Time, *readError) {
	start, err := time.Parse(time.RFC3339, b.StartingAt)
	if err != nil {
		return time.Time{}, permanent("the usage report's bucket starts at %s, which is no RFC 3339 time", quoted(b.StartingAt))
	}
	return start, nil
}

func (r anthropicResult) of(keyID, model string) bool {
	return r.APIKeyID != nil && *r.APIKeyID == keyID && (r.Model == nil || *r.Model == model)
}

// usage counts no requests; input is uncached + cache creation (both
// lifetimes) + cache read.
func (r anthropicResult) usage() (usageBucket, *readError) {
	input := r.UncachedInputTokens + r.CacheCreation.Ephemeral1h + r.CacheCreation.Ephemeral5m + r.CacheReadInputTokens
	parts := []int64{r.UncachedInputTokens, r.CacheCreation.Ephemeral1h, r.CacheCreation.Ephemeral5m, r.CacheReadInputTokens}
	if why := implausible(input, r.OutputTokens); why != "" || anyOut(parts) {
		return usageBucket{}, permanent("the usage report's bucket holds %d input and %d output tokens, which is no usage", input, r.OutputTokens)
	}
	return usageBucket{requests: -1, input: input, output: r.OutputTokens}, nil
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
