package probe

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestParseResponse(t *testing.T) {
	tests := []struct {
		name     string
		protocol Protocol
		header   http.Header
		body     string
		want     responseFacts
	}{
		{
			name: "openai chat", protocol: OpenAIChat, body: openAIChatOK,
			header: http.Header{"X-Request-Id": {"req_chat"}},
			want:   responseFacts{ledgerKeys: ledgerKeys{BodyID: "chatcmpl-test0001"}, RequestID: "req_chat", Model: "gpt-4.1-2025-04-14", Usage: Usage{Found: true, InputTokens: 8, OutputTokens: 1, TotalTokens: 9}},
		},
		{
			name: "openai responses", protocol: OpenAIResponses, body: openAIResponsesOK,
			want: responseFacts{ledgerKeys: ledgerKeys{BodyID: "resp_test0002"}, RequestID: "resp_test0002", Model: "gpt-4.1-mini-2025-04-14", Usage: Usage{Found: true, InputTokens: 8, OutputTokens: 16, TotalTokens: 24}},
		},
		{
			name: "anthropic adds cached input and sums the total", protocol: AnthropicMessages, body: anthropicOK,
			header: http.Header{"Request-Id": {"req_anthropic"}},
			want:   responseFacts{ledgerKeys: ledgerKeys{BodyID: "msg_test0003"}, RequestID: "req_anthropic", Model: "claude-sonnet-4-20250514", Usage: Usage{Found: true, InputTokens: 128, OutputTokens: 1, TotalTokens: 129}},
		},
		{
			name: "anthropic without cache fields", protocol: AnthropicMessages,
			body: `{"id": "msg_1", "model": "claude-test", "usage": {"input_tokens": 5, "output_tokens": 2}}`,
			want: responseFacts{ledgerKeys: ledgerKeys{BodyID: "msg_1"}, RequestID: "msg_1", Model: "claude-test", Usage: Usage{Found: true, InputTokens: 5, OutputTokens: 2, TotalTokens: 7}},
		},
		{
			name: "anthropic error body request_id", protocol: AnthropicMessages, body: anthropicInvalidKey,
			want: responseFacts{ledgerKeys: ledgerKeys{BodyID: "req_test0005"}, RequestID: "req_test0005"},
		},
		{
			name: "gemini", protocol: Gemini, body: geminiOK,
			want: responseFacts{ledgerKeys: ledgerKeys{BodyID: "gemini-test0004"}, RequestID: "gemini-test0004", Model: "gemini-2.0-flash", Usage: Usage{Found: true, InputTokens: 2, OutputTokens: 1, TotalTokens: 3}},
		},
		{
			name: "gemini ignores OpenAI-shaped fields", protocol: Gemini, body: openAIChatOK,
			want: responseFacts{},
		},
		{
			name: "openai total missing is summed", protocol: OpenAIChat,
			body: `{"usage": {"prompt_tokens": 3, "completion_tokens": 4}}`,
			want: responseFacts{Usage: Usage{Found: true, InputTokens: 3, OutputTokens: 4, TotalTokens: 7}},
		},
		{
			name: "usage null", protocol: OpenAIChat, body: `{"id": "chatcmpl-2", "usage": null}`,
			want: responseFacts{ledgerKeys: ledgerKeys{BodyID: "chatcmpl-2"}, RequestID: "chatcmpl-2"},
		},
		{
			name: "usage of the wrong type is refused", protocol: OpenAIChat, body: `{"usage": [1, 2, 3], "model": 42}`,
			want: responseFacts{Usage: Usage{Invalid: "usage is not an object"}},
		},
		{
			name: "a token count of the wrong type is refused, never zero", protocol: OpenAIChat,
			body: `{"usage": {"prompt_tokens": "8", "completion_tokens": 1, "total_tokens": 9}}`,
			want: responseFacts{Usage: Usage{Invalid: "prompt_tokens is not a number"}},
		},
		{
			name: "a LiteLLM proxy's call id, an OpenRouter generation id and the server's clock", protocol: OpenAIChat,
			body: `{"id": "gen-17-abc", "usage": null}`,
			header: http.Header{"X-Litellm-Call-Id": {"c0ffee-call"}, "X-Generation-Id": {"gen-17-abc"},
				"Date": {"Tue, 01 Dec 2026 10:51:05 GMT"}},
			want: responseFacts{RequestID: "c0ffee-call", ledgerKeys: ledgerKeys{BodyID: "gen-17-abc", CallID: "c0ffee-call",
				GenerationID: "gen-17-abc", ServerDate: time.Date(2026, 12, 1, 10, 51, 5, 0, time.UTC)}},
		},
		{
			name: "a Date that is not an HTTP date is no clock", protocol: OpenAIChat, body: `{}`,
			header: http.Header{"Date": {"yesterday"}},
			want:   responseFacts{},
		},
		{
			name: "not JSON keeps the header id", protocol: OpenAIChat, body: gatewayHTML,
			header: http.Header{"Cf-Ray": {"8f0test-AMS"}},
			want:   responseFacts{RequestID: "8f0test-AMS"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := protocols[tt.protocol].parseResponse(tt.header, []byte(tt.body))
			if got != tt.want {
				t.Errorf("parseResponse = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestRequestIDHeaderOrder(t *testing.T) {
	tests := []struct {
		name   string
		header http.Header
		want   string
	}{
		{"none", http.Header{}, ""},
		{"openai", http.Header{"X-Request-Id": {"req_a"}}, "req_a"},
		{"anthropic", http.Header{"Request-Id": {"req_b"}}, "req_b"},
		{"azure apim", http.Header{"Apim-Request-Id": {"apim-c"}, "X-Ms-Request-Id": {"ms-c"}}, "apim-c"},
		{"azure", http.Header{"X-Ms-Request-Id": {"ms-d"}}, "ms-d"},
		{"litellm", http.Header{"X-Litellm-Call-Id": {"call-e"}}, "call-e"},
		{"aws", http.Header{"X-Amzn-Requestid": {"amzn-f"}}, "amzn-f"},
		{"api id wins over cloudflare", http.Header{"Cf-Ray": {"ray-g"}, "X-Request-Id": {"req_g"}}, "req_g"},
		{"cloudflare alone", http.Header{"Cf-Ray": {"ray-h"}}, "ray-h"},
		{"vendor id wins over gateway id", http.Header{"X-Litellm-Call-Id": {"call-i"}, "Request-Id": {"req_i"}}, "req_i"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := firstHeader(tt.header, RequestIDHeaders); got != tt.want {
				t.Errorf("firstHeader = %q, want %q", got, tt.want)
			}
		})
	}
}

func BenchmarkParseAndClassify(b *testing.B) {
	body := []byte(openAIChatOK)
	header := http.Header{"X-Request-Id": {"req_bench"}}
	spec := protocols[OpenAIChat]
	b.ReportAllocs()
	for b.Loop() {
		if v := classify(http.StatusOK, body, nil); v.Category != CategoryOK {
			b.Fatalf("category = %q", v.Category)
		}
		if facts := spec.parseResponse(header, body); facts.Usage.TotalTokens != 9 {
			b.Fatalf("usage = %+v", facts.Usage)
		}
	}
}

// Token counts out of range are refused as evidence, never wrapped, rounded
// or zeroed: the usage is recorded as absent (Found false, counts 0) and
// Invalid says why, for every protocol's fields.
func TestParseUsageBounds(t *testing.T) {
	const maxCount = "9007199254740992" // MaxTokenCount, 2^53
	tests := []struct {
		name     string
		protocol Protocol
		usage    string
		want     Usage
	}{
		{"MaxInt64 prompt and completion never wrap to a total of -2", OpenAIChat,
			`{"prompt_tokens": 9223372036854775807, "completion_tokens": 9223372036854775807}`,
			Usage{Invalid: "completion_tokens 9223372036854775807 is out of range (0 to " + maxCount + ")"}},
		{"a total of MaxInt64 is no evidence", OpenAIChat,
			`{"prompt_tokens": 8, "completion_tokens": 1, "total_tokens": 9223372036854775807}`,
			Usage{Invalid: "total_tokens 9223372036854775807 is out of range (0 to " + maxCount + ")"}},
		{"1e308 prompt tokens never become 0", OpenAIChat,
			`{"prompt_tokens": 1e308, "completion_tokens": 1, "total_tokens": 2}`,
			Usage{Invalid: "prompt_tokens 1e308 is out of range (0 to " + maxCount + ")"}},
		{"beyond float64", OpenAIChat, `{"prompt_tokens": 1e400, "completion_tokens": 1}`,
			Usage{Invalid: "prompt_tokens 1e400 is out of range (0 to " + maxCount + ")"}},
		{"past int64 written as an integer", OpenAIChat, `{"prompt_tokens": 9223372036854775808, "completion_tokens": 1}`,
			Usage{Invalid: "prompt_tokens 9223372036854775808 is out of range (0 to " + maxCount + ")"}},
		{"a long literal is cut in the reason", OpenAIChat, `{"prompt_tokens": 1` + strings.Repeat("0", 40) + `, "completion_tokens": 1}`,
			Usage{Invalid: "prompt_tokens 100000000000000000000000… is out of range (0 to " + maxCount + ")"}},
		{"negative", OpenAIChat, `{"prompt_tokens": -1, "completion_tokens": 2, "total_tokens": 1}`,
			Usage{Invalid: "prompt_tokens -1 is out of range (0 to " + maxCount + ")"}},
		{"negative total", OpenAIResponses, `{"input_tokens": 1, "output_tokens": 2, "total_tokens": -3}`,
			Usage{Invalid: "total_tokens -3 is out of range (0 to " + maxCount + ")"}},
		{"fractional", OpenAIChat, `{"prompt_tokens": 8, "completion_tokens": 1.5}`,
			Usage{Invalid: "completion_tokens 1.5 is not a whole number"}},
		{"a boolean", Gemini, `{"promptTokenCount": true, "candidatesTokenCount": 1}`,
			Usage{Invalid: "promptTokenCount is not a number"}},
		{"an object", AnthropicMessages, `{"input_tokens": 5, "output_tokens": {"n": 1}}`,
			Usage{Invalid: "output_tokens is not a number"}},
		{"each in range, the sum past the bound", AnthropicMessages,
			`{"input_tokens": ` + maxCount + `, "cache_read_input_tokens": 1, "output_tokens": 1}`,
			Usage{Invalid: "the counts add up to 9007199254740994, more than " + maxCount}},
		{"at the bound", OpenAIChat, `{"prompt_tokens": ` + maxCount + `, "completion_tokens": 0}`,
			Usage{Found: true, InputTokens: 1 << 53, TotalTokens: 1 << 53}},
		{"a whole number written with a fraction or an exponent", OpenAIChat, `{"prompt_tokens": 8.0, "completion_tokens": 1e0, "total_tokens": 9}`,
			Usage{Found: true, InputTokens: 8, OutputTokens: 1, TotalTokens: 9}},
		{"null and absent counts are 0", Gemini, `{"promptTokenCount": null, "candidatesTokenCount": 1}`,
			Usage{Found: true, OutputTokens: 1, TotalTokens: 1}},
		{"minus zero is zero", OpenAIChat, `{"prompt_tokens": -0, "completion_tokens": 3}`,
			Usage{Found: true, OutputTokens: 3, TotalTokens: 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := protocols[tt.protocol]
			body := `{"` + spec.usage.object + `": ` + tt.usage + `}`
			if got := spec.parseResponse(http.Header{}, []byte(body)).Usage; got != tt.want {
				t.Errorf("usage = %+v\nwant    %+v", got, tt.want)
			}
		})
	}
}
