package probe

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// capturedRequest is what the server saw of one request.
type capturedRequest struct {
	method, uri string
	header      http.Header
	body        []byte
}

// captureServer answers every request with body and hands what it saw to the test.
func captureServer(t *testing.T, body string) (*httptest.Server, <-chan capturedRequest) {
	t.Helper()
	seen := make(chan capturedRequest, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		seen <- capturedRequest{r.Method, r.RequestURI, r.Header.Clone(), data}
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, seen
}

func TestRequestShapePerProtocol(t *testing.T) {
	tests := []struct {
		name        string
		protocol    Protocol
		base        string // appended to the server URL to form the endpoint
		model       string
		maxTokens   int64
		extraBody   map[string]any
		wantURI     string
		wantHeaders map[string]string // the key's header is among them
		wantBody    string
	}{
		{
			name: "openai chat", protocol: OpenAIChat, base: "/v1", model: "gpt-test", maxTokens: 1,
			wantURI:     "/v1/chat/completions",
			wantHeaders: map[string]string{"Authorization": "Bearer " + testKey},
			wantBody:    `{"model": "gpt-test", "messages": [{"role": "user", "content": "ping"}], "max_tokens": 1}`,
		},
		{
			name: "openai responses raised to the minimum", protocol: OpenAIResponses, base: "/v1", model: "gpt-test", maxTokens: 1,
			wantURI:     "/v1/responses",
			wantHeaders: map[string]string{"Authorization": "Bearer " + testKey},
			wantBody:    `{"model": "gpt-test", "input": "ping", "max_output_tokens": 16}`,
		},
		{
			name: "openai responses above the minimum", protocol: OpenAIResponses, base: "/v1", model: "gpt-test", maxTokens: 64,
			wantURI:     "/v1/responses",
			wantHeaders: map[string]string{"Authorization": "Bearer " + testKey},
			wantBody:    `{"model": "gpt-test", "input": "ping", "max_output_tokens": 64}`,
		},
		{
			name: "anthropic messages", protocol: AnthropicMessages, base: "/v1", model: "claude-test", maxTokens: 1,
			wantURI:     "/v1/messages",
			wantHeaders: map[string]string{"X-Api-Key": testKey, "Anthropic-Version": "2023-06-01"},
			wantBody:    `{"model": "claude-test", "max_tokens": 1, "messages": [{"role": "user", "content": "ping"}]}`,
		},
		{
			name: "gemini", protocol: Gemini, base: "/v1beta", model: "gemini-2.0-flash", maxTokens: 1,
			wantURI:     "/v1beta/models/gemini-2.0-flash:generateContent",
			wantHeaders: map[string]string{"X-Goog-Api-Key": testKey},
			wantBody:    `{"contents": [{"parts": [{"text": "ping"}]}], "generationConfig": {"maxOutputTokens": 1}}`,
		},
		{
			name: "gemini model is path-escaped", protocol: Gemini, base: "/v1beta", model: "tuned/model?x", maxTokens: 1,
			wantURI:     "/v1beta/models/tuned%2Fmodel%3Fx:generateContent",
			wantHeaders: map[string]string{"X-Goog-Api-Key": testKey},
			wantBody:    `{"contents": [{"parts": [{"text": "ping"}]}], "generationConfig": {"maxOutputTokens": 1}}`,
		},
		{
			name: "endpoint trailing slash tolerated", protocol: OpenAIChat, base: "/v1/", model: "gpt-test", maxTokens: 1,
			wantURI:     "/v1/chat/completions",
			wantHeaders: map[string]string{"Authorization": "Bearer " + testKey},
			wantBody:    `{"model": "gpt-test", "messages": [{"role": "user", "content": "ping"}], "max_tokens": 1}`,
		},
		{
			name: "extra body replaces top-level keys", protocol: OpenAIChat, base: "/v1", model: "gpt-test", maxTokens: 1,
			extraBody:   map[string]any{"max_tokens": 5, "temperature": 0, "messages": []any{"replaced"}},
			wantURI:     "/v1/chat/completions",
			wantHeaders: map[string]string{"Authorization": "Bearer " + testKey},
			wantBody:    `{"model": "gpt-test", "messages": ["replaced"], "max_tokens": 5, "temperature": 0}`,
		},
		{
			name: "extra body null removes a default field", protocol: OpenAIChat, base: "/v1", model: "gpt-test", maxTokens: 1,
			extraBody:   map[string]any{"max_tokens": nil, "max_completion_tokens": 1},
			wantURI:     "/v1/chat/completions",
			wantHeaders: map[string]string{"Authorization": "Bearer " + testKey},
			wantBody:    `{"model": "gpt-test", "messages": [{"role": "user", "content": "ping"}], "max_completion_tokens": 1}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, seen := captureServer(t, "{}")
			req := Request{Endpoint: srv.URL + tt.base, Protocol: tt.protocol, Model: tt.model, Prompt: "ping", MaxOutputTokens: tt.maxTokens, ExtraBody: tt.extraBody}
			if got := NewClient(Options{}).Send(t.Context(), req, testKey); got.Category != CategoryOK {
				t.Fatalf("Send = %+v, want ok", got)
			}
			r := <-seen
			if r.method != http.MethodPost || r.uri != tt.wantURI {
				t.Errorf("request = %s %s, want POST %s", r.method, r.uri, tt.wantURI)
			}
			want := map[string]string{"Content-Type": "application/json", "User-Agent": UserAgent}
			for name, value := range tt.wantHeaders {
				want[name] = value
			}
			for name, value := range want {
				if got := r.header.Get(name); got != value {
					t.Errorf("header %s = %q, want %q", name, got, value)
				}
			}
			assertKeyOnlyIn(t, r.header, tt.wantHeaders)
			assertSameJSON(t, r.body, tt.wantBody)
		})
	}
}

// assertKeyOnlyIn checks that the key travels in the protocol's auth header and nowhere else.
func assertKeyOnlyIn(t *testing.T, header http.Header, authHeaders map[string]string) {
	t.Helper()
	for name, values := range header {
		_, isAuth := authHeaders[name]
		if !isAuth && slices.ContainsFunc(values, func(v string) bool { return strings.Contains(v, testKey) }) {
			t.Errorf("key sent in header %s", name)
		}
	}
}

func assertSameJSON(t *testing.T, got []byte, want string) {
	t.Helper()
	var gotValue, wantValue any
	if err := json.Unmarshal(got, &gotValue); err != nil {
		t.Fatalf("request body %q: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &wantValue); err != nil {
		t.Fatalf("test body %q: %v", want, err)
	}
	if !reflect.DeepEqual(gotValue, wantValue) {
		t.Errorf("request body = %s, want %s", got, want)
	}
}

func TestProtocolNames(t *testing.T) {
	want := []string{"anthropic_messages", "gemini", "openai_chat", "openai_responses"}
	if got := ProtocolNames(); !slices.Equal(got, want) {
		t.Errorf("ProtocolNames = %v, want %v", got, want)
	}
}
