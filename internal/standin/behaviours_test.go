package standin

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestFailureBehavioursAnswerEveryKeyAlike(t *testing.T) {
	// kinds: where each protocol states the error kind, and what it must be.
	type kinds map[string]string
	errorKindPath := map[string][]any{
		"openai_chat":        {"error", "type"},
		"openai_responses":   {"error", "type"},
		"anthropic_messages": {"error", "type"},
		"gemini":             {"error", "status"},
	}
	tests := []struct {
		behaviour Behaviour
		status    int
		kinds     kinds
		mentions  []string // the body mentions one of these, lower-cased
		never     []string // and none of these
	}{
		{ServerError, 500, kinds{"openai_chat": "server_error", "openai_responses": "server_error", "anthropic_messages": "api_error", "gemini": "INTERNAL"}, nil, nil},
		{RateLimited, 429, kinds{"openai_chat": "requests", "openai_responses": "requests", "anthropic_messages": "rate_limit_error", "gemini": "RESOURCE_EXHAUSTED"},
			[]string{"per minute"}, []string{"quota", "credit", "billing"}},
		{QuotaExhausted, 429, kinds{"openai_chat": "insufficient_quota", "openai_responses": "insufficient_quota", "anthropic_messages": "billing_error", "gemini": "RESOURCE_EXHAUSTED"},
			[]string{"quota", "credit"}, []string{"per minute"}},
		{PaymentRequired, 402, kinds{"openai_chat": "insufficient_quota", "openai_responses": "insufficient_quota", "anthropic_messages": "billing_error", "gemini": "FAILED_PRECONDITION"},
			[]string{"payment"}, nil},
		{EchoKey, 401, kinds{"openai_chat": "invalid_request_error", "openai_responses": "invalid_request_error", "anthropic_messages": "authentication_error", "gemini": "UNAUTHENTICATED"},
			nil, nil},
	}
	for _, tt := range tests {
		t.Run(string(tt.behaviour), func(t *testing.T) {
			_, url := startStandin(t, Options{Behaviour: tt.behaviour})
			for _, protocol := range protocolNames {
				for _, key := range []string{approvedKey, wrongKey} {
					resp := do(t, aiRequest(t, url, protocol, key, 16))
					if resp.status != tt.status {
						t.Errorf("%s key %s: status %d, want %d", protocol, key, resp.status, tt.status)
					}
					if got := at(resp.json(t), errorKindPath[protocol]...); got != tt.kinds[protocol] {
						t.Errorf("%s: error kind %v, want %s", protocol, got, tt.kinds[protocol])
					}
					body := strings.ToLower(string(resp.raw))
					if len(tt.mentions) > 0 && !containsAny(body, tt.mentions) {
						t.Errorf("%s: body %s mentions none of %v", protocol, resp.raw, tt.mentions)
					}
					if containsAny(body, tt.never) {
						t.Errorf("%s: body %s mentions one of %v", protocol, resp.raw, tt.never)
					}
					if echoed := strings.Contains(string(resp.raw), key); echoed != (tt.behaviour == EchoKey) {
						t.Errorf("%s: key echoed = %v, want %v", protocol, echoed, tt.behaviour == EchoKey)
					}
				}
			}
		})
	}
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

func TestUsageAndIDBehaviours(t *testing.T) {
	tests := []struct {
		behaviour Behaviour
		key       string
		usage     bool // a usage object is present
		zero      bool // its counts are all 0
		ids       bool // a request-id header or a body id is present
	}{
		{Normal, approvedKey, true, false, true},
		{AcceptAnyKey, wrongKey, true, false, true},
		{AcceptAnyKey, "", true, false, true},
		{NoUsage, approvedKey, false, false, true},
		{ZeroUsage, approvedKey, true, true, true},
		{NoRequestID, approvedKey, true, false, false},
	}
	for _, tt := range tests {
		for _, protocol := range protocolNames {
			s, url := startStandin(t, Options{Behaviour: tt.behaviour})
			shape := shapes[protocol]
			maxTokens := 1
			if protocol == "openai_responses" {
				maxTokens = 16
			}
			resp := do(t, aiRequest(t, url, protocol, tt.key, maxTokens))
			name := string(tt.behaviour) + " " + protocol
			if resp.status != http.StatusOK {
				t.Errorf("%s: status %d, body %s", name, resp.status, resp.raw)
				continue
			}
			body := resp.json(t)
			if got := at(body, shape.usagePath...) != nil; got != tt.usage {
				t.Errorf("%s: usage present = %v, want %v", name, got, tt.usage)
			}
			wantInput, wantOutput := float64(promptTokens), float64(maxTokens)
			if tt.zero {
				wantInput, wantOutput = 0, 0
			}
			if tt.usage && (at(body, shape.inputPath...) != wantInput || at(body, shape.outputPath...) != wantOutput) {
				t.Errorf("%s: usage %v, want %v in and %v out", name, at(body, shape.usagePath...), wantInput, wantOutput)
			}
			hasIDs := at(body, shape.idPath...) != nil || resp.header.Get("x-request-id") != "" || resp.header.Get("request-id") != ""
			if hasIDs != tt.ids {
				t.Errorf("%s: ids present = %v, want %v", name, hasIDs, tt.ids)
			}
			if got := s.Requests()[0].KeyAccepted; !got {
				t.Errorf("%s: key recorded as refused", name)
			}
		}
	}
}

func TestRedirectPointsAtACountedTrap(t *testing.T) {
	s, url := startStandin(t, Options{Behaviour: Redirect})
	resp := do(t, aiRequest(t, url, "openai_chat", approvedKey, 1))
	if resp.status != http.StatusFound || resp.header.Get("Location") != redirectTargetPath {
		t.Fatalf("status %d Location %q, want 302 to %s", resp.status, resp.header.Get("Location"), redirectTargetPath)
	}
	if got := s.AIRequests(); got != 1 {
		t.Errorf("AIRequests = %d before following, want 1", got)
	}
	followed, err := http.DefaultClient.Do(aiRequest(t, url, "openai_chat", approvedKey, 1))
	if err != nil {
		t.Fatal(err)
	}
	followed.Body.Close()
	if got := s.AIRequests(); got != 3 {
		t.Errorf("AIRequests = %d after a client followed, want 3", got)
	}
	if last := s.Requests()[2]; last.Protocol != "redirect_target" || last.Path != redirectTargetPath {
		t.Errorf("last request %s %s, want the redirect target", last.Protocol, last.Path)
	}
}

func TestBodyBehaviours(t *testing.T) {
	tests := []struct {
		behaviour   Behaviour
		contentType string
		validJSON   bool
	}{
		{HTMLPage, "text/html; charset=utf-8", false},
		{MalformedJSON, "application/json", false},
		{Normal, "application/json", true},
	}
	for _, tt := range tests {
		for _, protocol := range protocolNames {
			_, url := startStandin(t, Options{Behaviour: tt.behaviour})
			resp := do(t, aiRequest(t, url, protocol, approvedKey, 16))
			if resp.status != http.StatusOK || resp.header.Get("Content-Type") != tt.contentType {
				t.Errorf("%s %s: %d %s, want 200 %s", tt.behaviour, protocol, resp.status, resp.header.Get("Content-Type"), tt.contentType)
			}
			if got := json.Valid(resp.raw); got != tt.validJSON || len(resp.raw) < 20 {
				t.Errorf("%s %s: valid JSON = %v (%d bytes), want %v", tt.behaviour, protocol, got, len(resp.raw), tt.validJSON)
			}
		}
	}
}

func TestConnectionResetFailsTheExchange(t *testing.T) {
	_, url := startStandin(t, Options{Behaviour: ConnectionReset})
	resp, err := http.DefaultClient.Do(aiRequest(t, url, "openai_chat", approvedKey, 1))
	if err == nil {
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if err == nil {
		t.Fatal("a reset connection gave a whole response")
	}
}

func TestHugeBodyIsStreamed(t *testing.T) {
	_, url := startStandin(t, Options{Behaviour: HugeBody})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	resp, err := http.DefaultClient.Do(aiRequest(t, url, "gemini", approvedKey, 1))
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	runtime.ReadMemStats(&after)
	if err != nil || n != hugeBodyBytes || resp.ContentLength != hugeBodyBytes {
		t.Fatalf("read %d of %d bytes (Content-Length %d): %v", n, hugeBodyBytes, resp.ContentLength, err)
	}
	// Client and server share this process, so this bounds both sides.
	if allocated := after.TotalAlloc - before.TotalAlloc; allocated > 8<<20 {
		t.Errorf("allocated %d bytes to move a %d byte body, want under 8 MiB", allocated, hugeBodyBytes)
	}
}

func TestEveryBehaviourIsHandled(t *testing.T) {
	s, url := startStandin(t, Options{})
	for _, b := range Behaviours() {
		s.SetBehaviour(b)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		resp, err := http.DefaultClient.Do(aiRequest(t, url, "openai_chat", approvedKey, 1).WithContext(ctx))
		if err == nil {
			var head [64]byte
			n, _ := io.ReadFull(resp.Body, head[:])
			resp.Body.Close()
			if strings.Contains(string(head[:n]), "unknown behaviour") {
				t.Errorf("behaviour %s is not handled", b)
			}
		}
		cancel()
	}
	s.SetBehaviour("no_such_behaviour")
	resp := do(t, aiRequest(t, url, "openai_chat", approvedKey, 1))
	if resp.status != 500 || !strings.Contains(string(resp.raw), "unknown behaviour") {
		t.Errorf("unknown behaviour: %d %s, want a plain 500 naming the problem", resp.status, resp.raw)
	}
	s.SetBehaviour("")
	if resp := do(t, aiRequest(t, url, "openai_chat", approvedKey, 1)); resp.status != 200 {
		t.Errorf("empty behaviour: status %d, want Normal's 200", resp.status)
	}
}
