package standin

import (
	"cmp"
	"encoding/json"
	"net/http"
	"time"
)

const (
	replyText = "pong"
	// promptTokens is the input token count of a one-word prompt such as
	// "ping" (countPromptTokens), so that the same handoff gives the same
	// evidence on every protocol.
	promptTokens = 8
	// maxReplyTokens is the length of the full reply: a request allowing
	// more gets this many output tokens and a natural stop.
	maxReplyTokens = 16
)

// completion is what a successful request asked for.
type completion struct {
	model     string
	maxTokens int
	// prompt is the request's prompt tokens (countPromptTokens).
	prompt int
}

func (c completion) outputTokens() int { return min(c.maxTokens, maxReplyTokens) }

// stopped picks the vendor's stop reason: cut at the request's limit, or a
// natural end when the limit is above the full reply.
func (c completion) stopped(atLimit, natural string) string {
	if c.maxTokens <= maxReplyTokens {
		return atLimit
	}
	return natural
}

type tokenUsage struct{ input, output int }

func (u tokenUsage) total() int { return u.input + u.output }

// usageFor is the usage a behaviour reports; nil means no usage object.
func usageFor(b Behaviour, c completion) *tokenUsage {
	switch b {
	case NoUsage:
		return nil
	case ZeroUsage:
		return &tokenUsage{}
	default:
		return &tokenUsage{input: cmp.Or(c.prompt, promptTokens), output: c.outputTokens()}
	}
}

// successBody is the protocol's 200 body, with the response id unless
// withID is false and the usage object unless u is nil.
func (p protocol) successBody(c completion, u *tokenUsage, withID bool) map[string]any {
	body := p.reply(c)
	if withID {
		body[p.idField] = p.idPrefix + newID()
	}
	if u != nil {
		body[p.usageField] = p.usage(*u)
	}
	return body
}

func chatReply(c completion) map[string]any {
	return map[string]any{
		"object":  "chat.completion",
		"created": time.Now().Unix(),
		"model":   c.model,
		"choices": []any{map[string]any{
			"index":         0,
			"message":       map[string]any{"role": "assistant", "content": replyText},
			"finish_reason": c.stopped("length", "stop"),
		}},
	}
}

func responsesReply(c completion) map[string]any {
	status := c.stopped("incomplete", "completed")
	var incomplete any
	if status == "incomplete" {
		incomplete = map[string]any{"reason": "max_output_tokens"}
	}
	return map[string]any{
		"object":             "response",
		"created_at":         time.Now().Unix(),
		"status":             status,
		"incomplete_details": incomplete,
		"model":              c.model,
		"output": []any{map[string]any{
			"type":    "message",
			"status":  status,
			"role":    "assistant",
			"content": []any{map[string]any{"type": "output_text", "text": replyText, "annotations": []any{}}},
		}},
	}
}

func anthropicReply(c completion) map[string]any {
	return map[string]any{
		"type":          "message",
		"role":          "assistant",
		"model":         c.model,
		"content":       []any{map[string]any{"type": "text", "text": replyText}},
		"stop_reason":   c.stopped("max_tokens", "end_turn"),
		"stop_sequence": nil,
	}
}

func geminiReply(c completion) map[string]any {
	return map[string]any{
		"candidates": []any{map[string]any{
			"content":      map[string]any{"parts": []any{map[string]any{"text": replyText}}, "role": "model"},
			"finishReason": c.stopped("MAX_TOKENS", "STOP"),
		}},
		"modelVersion": c.model,
	}
}

func chatUsage(u tokenUsage) map[string]any {
	return map[string]any{"prompt_tokens": u.input, "completion_tokens": u.output, "total_tokens": u.total()}
}

func inputOutputUsage(u tokenUsage) map[string]any {
	return map[string]any{"input_tokens": u.input, "output_tokens": u.output, "total_tokens": u.total()}
}

func anthropicUsage(u tokenUsage) map[string]any {
	return map[string]any{
		"input_tokens":                u.input,
		"output_tokens":               u.output,
		"cache_creation_input_tokens": 0,
		"cache_read_input_tokens":     0,
	}
}

func geminiUsage(u tokenUsage) map[string]any {
	return map[string]any{"promptTokenCount": u.input, "candidatesTokenCount": u.output, "totalTokenCount": u.total()}
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	if data, ok := encodeJSON(w, body); ok {
		writeBytes(w, status, "application/json", data)
	}
}

// encodeJSON marshals body, answering 500 when it cannot.
func encodeJSON(w http.ResponseWriter, body any) ([]byte, bool) {
	data, err := json.Marshal(body)
	if err != nil {
		http.Error(w, "costhandoff-standin: cannot encode the response", http.StatusInternalServerError)
		return nil, false
	}
	return data, true
}

func writeBytes(w http.ResponseWriter, status int, contentType string, data []byte) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = w.Write(data) // a write error means the client is gone
}
