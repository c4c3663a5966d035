package standin

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestHostileEchoes(t *testing.T) {
	const wrongKey = "sk-test-wrong-key-0001"
	tests := []struct {
		behaviour Behaviour
		hidden    func(string) string
	}{
		{EchoSplitFormat, func(k string) string { return splitKey(k, "\u200b", 3) }},
		{EchoSplitControl, func(k string) string { return strings.Join(strings.Split(k, ""), "\x01") }},
	}
	for _, tt := range tests {
		t.Run(string(tt.behaviour), func(t *testing.T) {
			_, url := startStandin(t, Options{Behaviour: tt.behaviour})
			ok := do(t, aiRequest(t, url, "openai_chat", approvedKey, 1))
			var body struct {
				ID    string         `json:"id"`
				Model string         `json:"model"`
				Usage map[string]int `json:"usage"`
			}
			if err := json.Unmarshal(ok.raw, &body); err != nil || ok.status != 200 {
				t.Fatalf("approved key: %d %s (%v)", ok.status, ok.raw, err)
			}
			if body.Model != tt.hidden(approvedKey) || body.ID != tt.hidden(approvedKey) || body.Usage["total_tokens"] == 0 {
				t.Errorf("approved key: model %q, id %q, usage %v; want the hidden key twice and a usage object", body.Model, body.ID, body.Usage)
			}
			if id := ok.header.Get("X-Request-Id"); id != "" {
				t.Errorf("X-Request-Id %q, want none", id)
			}
			refused := do(t, aiRequest(t, url, "openai_chat", wrongKey, 1))
			if refused.status != 401 || !strings.Contains(string(refused.raw), jsonText(tt.hidden(wrongKey))) ||
				!strings.Contains(string(refused.raw), jsonText(tt.hidden(approvedKey))) {
				t.Errorf("wrong key: %d %s, want a 401 holding both keys hidden", refused.status, refused.raw)
			}
		})
	}
}

func TestSplitKey(t *testing.T) {
	for _, tt := range []struct{ key, sep, want string }{
		{"abcdefg", "|", "abc|def|g"},
		{"abcdef", "|", "abc|def"},
		{"", "|", ""},
	} {
		if got := splitKey(tt.key, tt.sep, 3); got != tt.want {
			t.Errorf("splitKey(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
}

// jsonText is s as encoding/json writes it inside a string.
func jsonText(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}
