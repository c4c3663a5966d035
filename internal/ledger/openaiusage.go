package ledger

import (
	"net/http"
	"strconv"
	"time"
)

// openAIUsage reads the OpenAI organization's completions usage:
// GET {endpoint}/organization/usage/completions with 1-minute buckets of
// one API key id and model, grouped by key and model, paged by next_page,
// with the organization admin key as a Bearer key (never the approved
// key). A bucket counts requests (num_model_requests) and tokens.
type openAIUsage struct{}

// openAIBucket is a bucket of the answer's page (usagePage), in the
// fields the reader uses.
type openAIBucket struct {
	StartTime int64 `json:"start_time"`
	usageResults[openAIResult]
}

type openAIResult struct {
	InputTokens      int64  `json:"input_tokens"`
	OutputTokens     int64  `json:"output_tokens"`
	NumModelRequests int64  `json:"num_model_requests"`
	APIKeyID         string `json:"api_key_id"`
	Model            string `json:"model"`
}

func (openAIUsage) countsRequests() bool { return true }

func (openAIUsage) request(keyID, model string, from, to time.Time, token string) usageRequest {
	q := usageQuery("", keyID, model, from, to)
	q.Set("start_time", strconv.FormatInt(from.Unix(), 10))
	q.Set("end_time", strconv.FormatInt(to.Unix(), 10))
	h := http.Header{}
	h.Set("Authorization", "Bearer "+token)
	return usageRequest{name: "the OpenAI usage API", path: "/organization/usage/completions", query: q, header: h,
		read: readUsagePage[openAIBucket], base: "https://api.openai.com/v1",
		refused: "ledger_token must be an organization Admin API key, which an organization Owner creates " +
			"on the Admin keys page and which reads usage (api.usage.read); a project or restricted key is refused"}
}

func (b openAIBucket) start() (time.Time, *readError) { return time.Unix(b.StartTime, 0), nil }

func (r openAIResult) of(keyID, model string) bool {
	return r.APIKeyID == keyID && (r.Model == "" || r.Model == model)
}

func (r openAIResult) usage() (usageBucket, *readError) {
	if why := implausible(r.InputTokens, r.OutputTokens); why != "" || r.NumModelRequests < 0 {
		return usageBucket{}, permanent("the usage API's bucket holds %d input and %d output tokens in %d requests, which is no usage",
			r.InputTokens, r.OutputTokens, r.NumModelRequests)
	}
	return usageBucket{requests: r.NumModelRequests, input: r.InputTokens, output: r.OutputTokens}, nil
}
