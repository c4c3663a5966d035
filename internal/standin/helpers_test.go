package standin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

const (
	approvedKey = defaultAPIKey
	wrongKey    = "sk-test-wrong-key-0000"
)

var protocolNames = []string{"openai_chat", "openai_responses", "anthropic_messages", "gemini"}

// startStandin starts a stand-in for one test.
func startStandin(t *testing.T, opts Options) (*Server, string) {
	t.Helper()
	s := New(opts)
	url, stop := s.Start()
	t.Cleanup(stop)
	return s, url
}

// aiRequest builds the request the provider sends for protocol, with the
// key in the vendor's header ("" sends no key) and maxTokens as the vendor's
// max-tokens field (0 leaves it out).
func aiRequest(t *testing.T, baseURL, protocol, key string, maxTokens int) *http.Request {
	t.Helper()
	body := map[string]any{"model": "model-test"}
	messages := []any{map[string]any{"role": "user", "content": "ping"}}
	switch protocol {
	case "openai_chat":
		body["messages"] = messages
		setIfPositive(body, "max_tokens", maxTokens)
	case "openai_responses":
		body["input"] = "ping"
		setIfPositive(body, "max_output_tokens", maxTokens)
	case "anthropic_messages":
		body["messages"] = messages
		setIfPositive(body, "max_tokens", maxTokens)
	case "gemini":
		body = map[string]any{"contents": []any{map[string]any{"parts": []any{map[string]any{"text": "ping"}}}}}
		if maxTokens > 0 {
			body["generationConfig"] = map[string]any{"maxOutputTokens": maxTokens}
		}
	}
	return rawAIRequest(t, baseURL, protocol, key, string(mustMarshal(t, body)))
}

func setIfPositive(body map[string]any, field string, n int) {
	if n > 0 {
		body[field] = n
	}
}

// rawAIRequest builds a request of protocol with body as it is.
func rawAIRequest(t *testing.T, baseURL, protocol, key, body string) *http.Request {
	t.Helper()
	var path, keyHeader, keyPrefix string
	switch protocol {
	case "openai_chat":
		path, keyHeader, keyPrefix = "/v1/chat/completions", "Authorization", "Bearer "
	case "openai_responses":
		path, keyHeader, keyPrefix = "/v1/responses", "Authorization", "Bearer "
	case "anthropic_messages":
		path, keyHeader = "/v1/messages", "x-api-key"
	case "gemini":
		path, keyHeader = "/v1beta/models/model-test:generateContent", "x-goog-api-key"
	default:
		t.Fatalf("unknown protocol %q", protocol)
	}
	req, err := http.NewRequest(http.MethodPost, baseURL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if protocol == "anthropic_messages" {
		req.Header.Set("anthropic-version", "2023-06-01")
	}
	if key != "" {
		req.Header.Set(keyHeader, keyPrefix+key)
	}
	return req
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// response is an answer read in full.
type response struct {
	status int
	header http.Header
	raw    []byte
}

// do sends req with a client that never follows redirects.
func do(t *testing.T, req *http.Request) response {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", req.Method, req.URL.Path, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, raw: raw}
}

// send builds a plain request without a body and does it.
func send(t *testing.T, method, url string) response {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return do(t, req)
}

// json decodes the body, failing the test if it is not JSON.
func (r response) json(t *testing.T) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(r.raw, &v); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, r.raw)
	}
	return v
}

// at walks a decoded JSON value along keys (strings) and indexes (ints),
// returning nil where the path does not exist.
func at(v any, path ...any) any {
	for _, step := range path {
		switch s := step.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[s]
		case int:
			l, ok := v.([]any)
			if !ok || s >= len(l) {
				return nil
			}
			v = l[s]
		default:
			panic(fmt.Sprintf("bad path step %v", step))
		}
	}
	return v
}

// sameJSON fails the test unless got and want decode to equal values.
func sameJSON(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want is not JSON: %v", err)
	}
	gb, wb := mustMarshal(t, g), mustMarshal(t, w)
	if !bytes.Equal(gb, wb) {
		t.Errorf("body\n got %s\nwant %s", gb, wb)
	}
}
