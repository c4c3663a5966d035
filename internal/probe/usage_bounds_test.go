package probe

import (
	"testing"
)

// A 200 whose usage holds a count out of range is still a 200 (the happy
// path's category is ok) but carries no usage: Found is false, so the
// handoff's evidence_captured is false, and the message says why.
func TestSendRefusesUsageOutOfRange(t *testing.T) {
	tests := []struct{ name, usage, wantMessage string }{
		{"1e308 prompt tokens", `{"prompt_tokens": 1e308, "completion_tokens": 1, "total_tokens": 2}`,
			"HTTP 200: OK; usage not taken as evidence: prompt_tokens 1e308 is out of range (0 to 9007199254740992)"},
		{"a total of MaxInt64", `{"prompt_tokens": 8, "completion_tokens": 1, "total_tokens": 9223372036854775807}`,
			"HTTP 200: OK; usage not taken as evidence: total_tokens 9223372036854775807 is out of range (0 to 9007199254740992)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newTestServer(t, respond(200, `{"id": "chatcmpl-1", "model": "gpt-test", "usage": `+tt.usage+`}`))
			got := NewClient(Options{}).Send(t.Context(), chatRequest(srv.URL), testKey)
			if got.Category != CategoryOK || got.Usage.Found || got.Usage.TotalTokens != 0 || got.Message != tt.wantMessage {
				t.Errorf("Send = %+v\nwant category ok, no usage, message %q", got, tt.wantMessage)
			}
		})
	}
}
