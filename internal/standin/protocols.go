package standin

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// protocol is one vendor's API shape.
type protocol struct {
	name            string
	requestIDHeader string // response header carrying the request id; "" when the vendor sends none
	requiredHeader  string // request header the vendor rejects a request without; "" for none
	minMaxTokens    int    // smallest max-tokens value the vendor accepts
	keyOf           func(http.Header) string
	modelOf         func(path string, f requestFields) string
	maxTokensOf     func(requestFields) (value *int, field string)
	idField         string // body field holding the response id
	idPrefix        string
	reply           func(completion) map[string]any // the success body without id and usage
	usageField      string
	usage           func(tokenUsage) map[string]any
	errors          map[failureKind]vendorError
	renderError     func(e vendorError, message string, f failure) any
}

const geminiModelsSegment, geminiMethod = "/models/", ":generateContent"

// protocolFor recognises an AI request by its method and path. Any path
// prefix works, as base URLs differ between vendors and gateways.
func protocolFor(r *http.Request) (protocol, bool) {
	if r.Method != http.MethodPost {
		return protocol{}, false
	}
	path := r.URL.Path
	switch {
	case strings.HasSuffix(path, "/chat/completions"):
		return openAIChat, true
	case strings.HasSuffix(path, "/responses"):
		return openAIResponses, true
	case strings.HasSuffix(path, "/messages"):
		return anthropicMessages, true
	case geminiModel(path) != "":
		return gemini, true
	}
	return protocol{}, false
}

// geminiModel is {model} in a path ending in /models/{model}:generateContent.
func geminiModel(path string) string {
	i := strings.LastIndex(path, geminiModelsSegment)
	if i < 0 {
		return ""
	}
	model, ok := strings.CutSuffix(path[i+len(geminiModelsSegment):], geminiMethod)
	if !ok || strings.Contains(model, "/") {
		return ""
	}
	return model
}

func pathModel(path string, _ requestFields) string {
	return geminiModel(path)
}

func bodyModel(_ string, f requestFields) string {
	if f.Model == nil {
		return ""
	}
	return *f.Model
}

func bearerKey(h http.Header) string {
	scheme, key, ok := strings.Cut(h.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(key)
}

func headerKey(name string) func(http.Header) string {
	return func(h http.Header) string { return h.Get(name) }
}

// requestFields are the request body fields the stand-in looks at.
type requestFields struct {
	Model               *string `json:"model"`
	MaxTokens           *int    `json:"max_tokens"`
	MaxCompletionTokens *int    `json:"max_completion_tokens"`
	MaxOutputTokens     *int    `json:"max_output_tokens"`
	GenerationConfig    struct {
		MaxOutputTokens *int `json:"maxOutputTokens"`
	} `json:"generationConfig"`
}

// defaultMaxTokens applies when a request names no max tokens.
const defaultMaxTokens = 1

// parse reads the model and max tokens of a request, or says why the vendor
// would answer 400.
func (p protocol) parse(path string, body []byte) (completion, failure, bool) {
	var f requestFields
	if err := json.Unmarshal(body, &f); err != nil {
		return completion{}, failure{kind: badRequest, detail: "The request body is not a valid JSON object: " + err.Error()}, false
	}
	c := completion{model: p.modelOf(path, f), maxTokens: defaultMaxTokens, prompt: countPromptTokens(body)}
	if c.model == "" {
		return completion{}, failure{kind: badRequest, detail: "model: field required", param: "model"}, false
	}
	value, field := p.maxTokensOf(f)
	if value != nil {
		c.maxTokens = *value
	}
	if c.maxTokens < p.minMaxTokens {
		detail := fmt.Sprintf("Invalid '%s': integer below minimum value. Expected a value >= %d, but got %d instead.", field, p.minMaxTokens, c.maxTokens)
		return completion{}, failure{kind: badRequest, detail: detail, param: field}, false
	}
	return c, failure{}, true
}

// chatMaxTokens prefers the newer max_completion_tokens, as OpenAI does.
func chatMaxTokens(f requestFields) (*int, string) {
	if f.MaxCompletionTokens != nil {
		return f.MaxCompletionTokens, "max_completion_tokens"
	}
	return f.MaxTokens, "max_tokens"
}

func responsesMaxTokens(f requestFields) (*int, string) {
	return f.MaxOutputTokens, "max_output_tokens"
}

func anthropicMaxTokens(f requestFields) (*int, string) {
	return f.MaxTokens, "max_tokens"
}

func geminiMaxTokens(f requestFields) (*int, string) {
	return f.GenerationConfig.MaxOutputTokens, "generationConfig.maxOutputTokens"
}

var openAIChat = protocol{
	name:            "openai_chat",
	requestIDHeader: "x-request-id",
	minMaxTokens:    1,
	keyOf:           bearerKey,
	modelOf:         bodyModel,
	maxTokensOf:     chatMaxTokens,
	idField:         "id",
	idPrefix:        "chatcmpl-",
	reply:           chatReply,
	usageField:      "usage",
	usage:           chatUsage,
	errors:          openAIErrors,
	renderError:     renderOpenAIError,
}

var openAIResponses = protocol{
	name:            "openai_responses",
	requestIDHeader: "x-request-id",
	minMaxTokens:    16,
	keyOf:           bearerKey,
	modelOf:         bodyModel,
	maxTokensOf:     responsesMaxTokens,
	idField:         "id",
	idPrefix:        "resp_",
	reply:           responsesReply,
	usageField:      "usage",
	usage:           inputOutputUsage,
	errors:          openAIErrors,
	renderError:     renderOpenAIError,
}

var anthropicMessages = protocol{
	name:            "anthropic_messages",
	requestIDHeader: "request-id",
	requiredHeader:  "anthropic-version",
	minMaxTokens:    1,
	keyOf:           headerKey("x-api-key"),
	modelOf:         bodyModel,
	maxTokensOf:     anthropicMaxTokens,
	idField:         "id",
	idPrefix:        "msg_",
	reply:           anthropicReply,
	usageField:      "usage",
	usage:           anthropicUsage,
	errors:          anthropicErrors,
	renderError:     renderAnthropicError,
}

var gemini = protocol{
	name:         "gemini",
	minMaxTokens: 1,
	keyOf:        headerKey("x-goog-api-key"),
	modelOf:      pathModel,
	maxTokensOf:  geminiMaxTokens,
	idField:      "responseId",
	reply:        geminiReply,
	usageField:   "usageMetadata",
	usage:        geminiUsage,
	errors:       geminiErrors,
	renderError:  renderGeminiError,
}
