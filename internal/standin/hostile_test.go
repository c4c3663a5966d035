package standin

import (
	"encoding/json"
	"net/http"
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

// The raw answers reach Go's client as errors that quote both keys with
// escapes (issue 27, item 1): what the provider must scrub.
func TestHostileRawLines(t *testing.T) {
	const wrongKey = "sk-test-wrong-key-0002"
	for _, tt := range []struct {
		behaviour     Behaviour
		start, escape string
	}{
		{EchoStatusLine, `malformed HTTP status code "X`, `\u200b`},
		{EchoHeaderLine, `malformed MIME header line: "Location: `, `\x01`},
	} {
		t.Run(string(tt.behaviour), func(t *testing.T) {
			_, url := startStandin(t, Options{Behaviour: tt.behaviour})
			_, err := http.DefaultTransport.RoundTrip(aiRequest(t, url, "openai_chat", wrongKey, 1))
			want := tt.start + strings.Join(strings.Split(wrongKey, ""), tt.escape) + tt.escape + strings.Join(strings.Split(approvedKey, ""), tt.escape) + `"`
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("error %v, want it to hold %q", err, want)
			}
		})
	}
}

func TestHostileEncodedAndPieces(t *testing.T) {
	const wrongKey = "sk-test-wrong-key-0003"
	_, url := startStandin(t, Options{Behaviour: EchoEncoded})
	refused := do(t, aiRequest(t, url, "openai_chat", wrongKey, 1))
	var failure struct{ Error struct{ Message string } }
	_ = json.Unmarshal(refused.raw, &failure)
	for _, want := range []string{"&#115;&#107;", "&#x73;&#x6b;", `\u0073\u006b`, "ｓｋ－ｔｅｓｔ", "𝐬𝐤-𝐭𝐞𝐬𝐭", "s%E2%80%8Bk"} {
		if refused.status != 401 || !strings.Contains(failure.Error.Message, want) {
			t.Errorf("refusal %d %s, want it to hold %q", refused.status, refused.raw, want)
		}
	}
	ok := do(t, aiRequest(t, url, "openai_chat", approvedKey, 1))
	var body struct{ ID, Model string }
	if err := json.Unmarshal(ok.raw, &body); err != nil || ok.status != 200 || body.Model == approvedKey || !strings.Contains(ok.header.Get("X-Request-Id"), "/") {
		t.Errorf("answer %d %s %v", ok.status, ok.raw, ok.header)
	}

	_, url = startStandin(t, Options{Behaviour: EchoPieces})
	ok = do(t, aiRequest(t, url, "openai_chat", approvedKey, 1))
	if err := json.Unmarshal(ok.raw, &body); err != nil || body.Model != approvedKey[7:14] || body.ID != piece(approvedKey, 4) ||
		ok.header.Get("X-Request-Id") != approvedKey[14:21] || ok.header.Get("X-Oneapi-Request-Id") != approvedKey[21:] {
		t.Errorf("pieces: %s %v", ok.raw, ok.header)
	}
	refused = do(t, aiRequest(t, url, "openai_chat", wrongKey, 1))
	if !strings.Contains(string(refused.raw), approvedKey[:7]) || strings.Contains(string(refused.raw), approvedKey[:8]) {
		t.Errorf("pieces refusal: %s", refused.raw)
	}
}
