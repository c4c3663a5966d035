package probe

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
)

// ResponsesMinOutputTokens is the smallest max_output_tokens the OpenAI
// Responses API accepts; smaller requests are raised to it.
const ResponsesMinOutputTokens = 16

// UserAgent identifies the provider to the API and to any gateway logs.
const UserAgent = "terraform-provider-costhandoff"

// anthropicVersion is the API version header Anthropic requires.
const anthropicVersion = "2023-06-01"

// protocolSpec is everything that differs between API shapes. Keeping it in
// one table lets the sender and the response parser stay protocol-agnostic.
type protocolSpec struct {
	path       func(model string) string // appended to the endpoint
	authHeader string
	authPrefix string            // written before the key in authHeader
	headers    map[string]string // extra headers this API requires
	body       func(req Request) map[string]any
	usage      usageFields
	modelField string   // top-level response field naming the model that answered
	idFields   []string // top-level response fields holding an id, used when no request-id header came back
}

// usageFields names where a protocol reports token counts.
type usageFields struct {
	object string   // top-level response field holding the usage object
	input  []string // fields summed into InputTokens
	output string
	total  string // "" when the vendor reports no total: input + output
}

var protocols = map[Protocol]protocolSpec{
	OpenAIChat: openAI("/chat/completions", func(r Request) map[string]any {
		return map[string]any{"model": r.Model, "messages": userMessages(r.Prompt), "max_tokens": r.MaxOutputTokens}
	}, "prompt_tokens", "completion_tokens"),
	OpenAIResponses: openAI("/responses", func(r Request) map[string]any {
		return map[string]any{"model": r.Model, "input": r.Prompt, "max_output_tokens": max(r.MaxOutputTokens, ResponsesMinOutputTokens)}
	}, "input_tokens", "output_tokens"),
	AnthropicMessages: {
		path:       fixedPath("/messages"),
		authHeader: "x-api-key",
		headers:    map[string]string{"anthropic-version": anthropicVersion},
		body: func(r Request) map[string]any {
			return map[string]any{"model": r.Model, "max_tokens": r.MaxOutputTokens, "messages": userMessages(r.Prompt)}
		},
		// Cached prompt tokens are reported apart from input_tokens but are input all the same.
		usage:      usageFields{object: "usage", input: []string{"input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"}, output: "output_tokens"},
		modelField: "model",
		idFields:   []string{"id", "request_id"}, // error bodies carry request_id
	},
	Gemini: {
		path:       func(model string) string { return "/models/" + url.PathEscape(model) + ":generateContent" },
		authHeader: "x-goog-api-key",
		body: func(r Request) map[string]any {
			return map[string]any{
				"contents":         []any{map[string]any{"parts": []any{map[string]any{"text": r.Prompt}}}},
				"generationConfig": map[string]any{"maxOutputTokens": r.MaxOutputTokens},
			}
		},
		usage:      usageFields{object: "usageMetadata", input: []string{"promptTokenCount"}, output: "candidatesTokenCount", total: "totalTokenCount"},
		modelField: "modelVersion",
		idFields:   []string{"responseId"},
	},
}

// openAI is what OpenAI's two API shapes share: the key as a Bearer token,
// and the model, the id and the usage object (with its total) at the top
// level of the answer. Each shape says its path, its body and its token
// fields.
func openAI(path string, body func(Request) map[string]any, input, output string) protocolSpec {
	return protocolSpec{
		path: fixedPath(path), authHeader: "Authorization", authPrefix: "Bearer ", body: body,
		usage:      usageFields{object: "usage", input: []string{input}, output: output, total: "total_tokens"},
		modelField: "model", idFields: []string{"id"},
	}
}

func fixedPath(path string) func(string) string {
	return func(string) string { return path }
}

func userMessages(prompt string) []any {
	return []any{map[string]any{"role": "user", "content": prompt}}
}

// ProtocolNames lists the supported protocol names, sorted.
func ProtocolNames() []string {
	names := make([]string, 0, len(protocols))
	for p := range protocols {
		names = append(names, string(p))
	}
	slices.Sort(names)
	return names
}

// mergeExtraBody lays extra over body; a JSON null removes a default field,
// for models that refuse one (max_tokens where max_completion_tokens is
// required).
func mergeExtraBody(body, extra map[string]any) {
	for k, v := range extra {
		if v == nil {
			delete(body, k)
			continue
		}
		body[k] = v
	}
}

// newRequest builds the HTTP request for one attempt with the given key;
// written is the attempt's count of requests written (newSendOnceRequest).
func (s protocolSpec) newRequest(ctx context.Context, req Request, key string, written *atomic.Int32) (*http.Request, error) {
	body := s.body(req)
	mergeExtraBody(body, req.ExtraBody)
	payload, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("encoding request body: %w", err)
	}
	target := strings.TrimRight(req.Endpoint, "/") + s.path(req.Model)
	httpReq, err := newSendOnceRequest(ctx, target, payload, written)
	if err != nil {
		return nil, err
	}
	httpReq.Header.Set("Content-Type", "application/json")
	httpReq.Header.Set("User-Agent", UserAgent)
	httpReq.Header.Set(s.authHeader, s.authPrefix+key)
	for name, value := range s.headers {
		httpReq.Header.Set(name, value)
	}
	return httpReq, nil
}
