package standin

import (
	"net/http"
	"strings"
	"testing"
)

// vendorShape says where each protocol keeps what the provider reads.
type vendorShape struct {
	requestIDHeader string // "" when the vendor sends none
	idPath          []any
	idPrefix        string
	modelPath       []any
	textPath        []any
	stopPath        []any
	usagePath       []any
	inputPath       []any
	outputPath      []any
	totalPath       []any // nil when the vendor reports no total
}

var shapes = map[string]vendorShape{
	"openai_chat": {
		requestIDHeader: "x-request-id", idPath: []any{"id"}, idPrefix: "chatcmpl-", modelPath: []any{"model"},
		textPath: []any{"choices", 0, "message", "content"}, stopPath: []any{"choices", 0, "finish_reason"},
		usagePath: []any{"usage"}, inputPath: []any{"usage", "prompt_tokens"},
		outputPath: []any{"usage", "completion_tokens"}, totalPath: []any{"usage", "total_tokens"},
	},
	"openai_responses": {
		requestIDHeader: "x-request-id", idPath: []any{"id"}, idPrefix: "resp_", modelPath: []any{"model"},
		textPath: []any{"output", 0, "content", 0, "text"}, stopPath: []any{"status"},
		usagePath: []any{"usage"}, inputPath: []any{"usage", "input_tokens"},
		outputPath: []any{"usage", "output_tokens"}, totalPath: []any{"usage", "total_tokens"},
	},
	"anthropic_messages": {
		requestIDHeader: "request-id", idPath: []any{"id"}, idPrefix: "msg_", modelPath: []any{"model"},
		textPath: []any{"content", 0, "text"}, stopPath: []any{"stop_reason"},
		usagePath: []any{"usage"}, inputPath: []any{"usage", "input_tokens"},
		outputPath: []any{"usage", "output_tokens"},
	},
	"gemini": {
		idPath: []any{"responseId"}, modelPath: []any{"modelVersion"},
		textPath: []any{"candidates", 0, "content", "parts", 0, "text"}, stopPath: []any{"candidates", 0, "finishReason"},
		usagePath: []any{"usageMetadata"}, inputPath: []any{"usageMetadata", "promptTokenCount"},
		outputPath: []any{"usageMetadata", "candidatesTokenCount"}, totalPath: []any{"usageMetadata", "totalTokenCount"},
	},
}

var requestIDHeaders = []string{"x-request-id", "request-id"}

func TestSuccessShapesAndTokenCounts(t *testing.T) {
	tests := []struct {
		protocol  string
		maxTokens int // 0 sends none
		output    float64
		stop      string
	}{
		{"openai_chat", 0, 1, "length"},
		{"openai_chat", 1, 1, "length"},
		{"openai_chat", 16, 16, "length"},
		{"openai_chat", 40, 16, "stop"},
		{"openai_responses", 16, 16, "incomplete"},
		{"openai_responses", 40, 16, "completed"},
		{"anthropic_messages", 1, 1, "max_tokens"},
		{"anthropic_messages", 16, 16, "max_tokens"},
		{"anthropic_messages", 40, 16, "end_turn"},
		{"gemini", 0, 1, "MAX_TOKENS"},
		{"gemini", 1, 1, "MAX_TOKENS"},
		{"gemini", 16, 16, "MAX_TOKENS"},
		{"gemini", 40, 16, "STOP"},
	}
	s, url := startStandin(t, Options{})
	for _, tt := range tests {
		shape := shapes[tt.protocol]
		resp := do(t, aiRequest(t, url, tt.protocol, approvedKey, tt.maxTokens))
		if resp.status != http.StatusOK {
			t.Errorf("%s max %d: status %d, body %s", tt.protocol, tt.maxTokens, resp.status, resp.raw)
			continue
		}
		body := resp.json(t)
		for _, h := range requestIDHeaders {
			got := resp.header.Get(h)
			if want := h == shape.requestIDHeader; want != (got != "") || (want && !strings.HasPrefix(got, "req_")) {
				t.Errorf("%s: header %s = %q, want it only for the vendor's request-id header, as req_...", tt.protocol, h, got)
			}
		}
		if id, _ := at(body, shape.idPath...).(string); !strings.HasPrefix(id, shape.idPrefix) || len(id) <= len(shape.idPrefix) {
			t.Errorf("%s: body id %q, want %s...", tt.protocol, id, shape.idPrefix)
		}
		wantValues := []struct {
			path []any
			want any
		}{
			{shape.modelPath, "model-test"},
			{shape.textPath, "pong"},
			{shape.stopPath, tt.stop},
			{shape.inputPath, float64(promptTokens)},
			{shape.outputPath, tt.output},
		}
		if shape.totalPath != nil {
			wantValues = append(wantValues, struct {
				path []any
				want any
			}{shape.totalPath, promptTokens + tt.output})
		}
		for _, v := range wantValues {
			if got := at(body, v.path...); got != v.want {
				t.Errorf("%s max %d: %v = %v, want %v", tt.protocol, tt.maxTokens, v.path, got, v.want)
			}
		}
	}
	if got := s.AIRequests(); got != len(tests) {
		t.Errorf("AIRequests = %d, want %d", got, len(tests))
	}
}

func TestAnthropicUsageReportsCacheCounts(t *testing.T) {
	_, url := startStandin(t, Options{})
	resp := do(t, aiRequest(t, url, "anthropic_messages", approvedKey, 1))
	sameJSON(t, mustMarshal(t, at(resp.json(t), "usage")),
		`{"input_tokens":8,"output_tokens":1,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}`)
}

func TestWrongKeyGetsTheVendorsAnswer(t *testing.T) {
	tests := []struct {
		protocol string
		status   int
		body     string
	}{
		{"openai_chat", 401, `{"error":{"message":"Incorrect API key provided: sk-te****0000. You can find your API key in your account settings.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`},
		{"openai_responses", 401, `{"error":{"message":"Incorrect API key provided: sk-te****0000. You can find your API key in your account settings.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`},
		{"anthropic_messages", 401, `{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}`},
		{"gemini", 400, `{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com"}]}}`},
	}
	for _, tt := range tests {
		t.Run(tt.protocol, func(t *testing.T) {
			s, url := startStandin(t, Options{})
			resp := do(t, aiRequest(t, url, tt.protocol, wrongKey, 16))
			if resp.status != tt.status {
				t.Errorf("status %d, want %d", resp.status, tt.status)
			}
			sameJSON(t, resp.raw, tt.body)
			if got := s.Requests(); len(got) != 1 || got[0].KeyAccepted || got[0].Protocol != tt.protocol {
				t.Errorf("recorded %+v, want one %s request with the key refused", got, tt.protocol)
			}
		})
	}
}

func TestConfiguredKeysReplaceTheDefault(t *testing.T) {
	_, url := startStandin(t, Options{APIKeys: []string{"sk-test-first", "", "sk-test-second"}})
	tests := []struct {
		key    string
		status int
	}{
		{"sk-test-first", 200},
		{"sk-test-second", 200},
		{approvedKey, 401},
	}
	for _, tt := range tests {
		if got := do(t, aiRequest(t, url, "openai_chat", tt.key, 1)).status; got != tt.status {
			t.Errorf("key %s: status %d, want %d", tt.key, got, tt.status)
		}
	}
}

func TestRequiredHeaders(t *testing.T) {
	tests := []struct {
		name     string
		protocol string
		edit     func(*http.Request)
		status   int
		body     string
	}{
		{"openai without a key", "openai_chat", func(r *http.Request) { r.Header.Del("Authorization") }, 401,
			`{"error":{"message":"You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).","type":"invalid_request_error","param":null,"code":null}}`},
		{"openai with the key not as Bearer", "openai_responses", func(r *http.Request) { r.Header.Set("Authorization", approvedKey) }, 401,
			`{"error":{"message":"You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).","type":"invalid_request_error","param":null,"code":null}}`},
		{"anthropic without a key", "anthropic_messages", func(r *http.Request) { r.Header.Del("x-api-key") }, 401,
			`{"type":"error","error":{"type":"authentication_error","message":"x-api-key header is required"}}`},
		{"anthropic with the key as Bearer", "anthropic_messages", func(r *http.Request) {
			r.Header.Del("x-api-key")
			r.Header.Set("Authorization", "Bearer "+approvedKey)
		}, 401, `{"type":"error","error":{"type":"authentication_error","message":"x-api-key header is required"}}`},
		{"anthropic without anthropic-version", "anthropic_messages", func(r *http.Request) { r.Header.Del("anthropic-version") }, 400,
			`{"type":"error","error":{"type":"invalid_request_error","message":"anthropic-version: header is required"}}`},
		{"gemini without a key", "gemini", func(r *http.Request) { r.Header.Del("x-goog-api-key") }, 403,
			`{"error":{"code":403,"message":"Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.","status":"PERMISSION_DENIED"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, url := startStandin(t, Options{})
			req := aiRequest(t, url, tt.protocol, approvedKey, 16)
			tt.edit(req)
			resp := do(t, req)
			if resp.status != tt.status {
				t.Errorf("status %d, want %d", resp.status, tt.status)
			}
			sameJSON(t, resp.raw, tt.body)
		})
	}
}

func TestBadRequestBodies(t *testing.T) {
	tests := []struct {
		name     string
		protocol string
		body     string
		want     []any // path in the error body
		value    any
	}{
		{"responses below the minimum", "openai_responses", `{"model":"m","max_output_tokens":1}`, []any{"error", "param"}, "max_output_tokens"},
		{"chat zero max tokens", "openai_chat", `{"model":"m","max_tokens":0}`, []any{"error", "param"}, "max_tokens"},
		{"chat zero max completion tokens", "openai_chat", `{"model":"m","max_tokens":5,"max_completion_tokens":0}`, []any{"error", "param"}, "max_completion_tokens"},
		{"chat without a model", "openai_chat", `{"max_tokens":1}`, []any{"error", "param"}, "model"},
		{"chat not JSON", "openai_chat", `{"model":`, []any{"error", "type"}, "invalid_request_error"},
		{"chat max tokens not a number", "openai_chat", `{"model":"m","max_tokens":"one"}`, []any{"error", "type"}, "invalid_request_error"},
		{"anthropic negative max tokens", "anthropic_messages", `{"model":"m","max_tokens":-3}`, []any{"error", "type"}, "invalid_request_error"},
		{"gemini zero max tokens", "gemini", `{"generationConfig":{"maxOutputTokens":0}}`, []any{"error", "status"}, "INVALID_ARGUMENT"},
		{"gemini a JSON array", "gemini", `[]`, []any{"error", "status"}, "INVALID_ARGUMENT"},
	}
	_, url := startStandin(t, Options{})
	for _, tt := range tests {
		resp := do(t, rawAIRequest(t, url, tt.protocol, approvedKey, tt.body))
		if resp.status != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400; body %s", tt.name, resp.status, resp.raw)
		}
		if got := at(resp.json(t), tt.want...); got != tt.value {
			t.Errorf("%s: %v = %v, want %v", tt.name, tt.want, got, tt.value)
		}
	}
}

func TestAnyPathPrefixAndUnknownPaths(t *testing.T) {
	s, url := startStandin(t, Options{})
	tests := []struct {
		method, path string
		status       int
		isAI         bool
	}{
		{"POST", "/chat/completions", 401, true},
		{"POST", "/gateway/openai/v1/chat/completions", 401, true},
		{"POST", "/v1//responses", 401, true},
		{"POST", "/api/anthropic/v1/messages", 401, true},
		{"POST", "/v1/models/gemini-x:generateContent", 400, true},
		{"POST", "/v1/models/:generateContent", 404, false},
		{"POST", "/v1/models/a/b:generateContent", 404, false},
		{"POST", "/v1/models/m:streamGenerateContent", 404, false},
		{"GET", "/v1/chat/completions", 404, false},
		{"POST", "/v1/embeddings", 404, false},
	}
	for _, tt := range tests {
		before := s.AIRequests()
		req, err := http.NewRequest(tt.method, url+tt.path, strings.NewReader(`{"model":"m"}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+wrongKey)
		req.Header.Set("x-api-key", wrongKey)
		req.Header.Set("x-goog-api-key", wrongKey)
		if got := do(t, req).status; got != tt.status {
			t.Errorf("%s %s: status %d, want %d", tt.method, tt.path, got, tt.status)
		}
		if counted := s.AIRequests() > before; counted != tt.isAI {
			t.Errorf("%s %s: counted as an AI request = %v, want %v", tt.method, tt.path, counted, tt.isAI)
		}
	}
}

func TestEveryProtocolDescribesEveryFailure(t *testing.T) {
	for _, p := range []protocol{openAIChat, openAIResponses, anthropicMessages, gemini} {
		for kind := range failureKindCount {
			if e, ok := p.errors[kind]; !ok || e.status < 400 || e.kind == "" || e.message == "" {
				t.Errorf("%s: failure kind %d is %+v, want a status, a kind and a message", p.name, kind, e)
			}
		}
	}
}

func TestMaskKey(t *testing.T) {
	tests := []struct{ key, want string }{
		{"sk-test-wrong-key-0000", "sk-te****0000"},
		{"sk-test-abcdefghi", "****"},
		{"", "****"},
	}
	for _, tt := range tests {
		if got := maskKey(tt.key); got != tt.want {
			t.Errorf("maskKey(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
}
