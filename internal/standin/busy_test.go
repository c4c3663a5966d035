package standin

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// The prompt's words count: a longer prompt gives more prompt tokens, one a
// word, on every protocol; "ping" stays at promptTokens.
func TestPromptTokensFollowThePrompt(t *testing.T) {
	for _, p := range protocolNames {
		t.Run(p, func(t *testing.T) {
			_, url := startStandin(t, Options{})
			for _, words := range []int{0, 1, 37} {
				prompt := "ping" + strings.Repeat(" x", words)
				body := map[string]any{"model": "model-test", "max_tokens": 1}
				messages := []any{map[string]any{"role": "user", "content": prompt}}
				switch p {
				case "openai_chat", "anthropic_messages":
					body["messages"] = messages
				case "openai_responses":
					body = map[string]any{"model": "model-test", "input": prompt, "max_output_tokens": 16}
				case "gemini":
					body = map[string]any{"contents": []any{map[string]any{"parts": []any{map[string]any{"text": prompt}}}}}
				}
				r := do(t, rawAIRequest(t, url, p, approvedKey, string(mustMarshal(t, body))))
				if r.status != http.StatusOK {
					t.Fatalf("%d %s", r.status, r.raw)
				}
				v := r.json(t)
				var input any
				switch p {
				case "openai_chat":
					input = at(v, "usage", "prompt_tokens")
				case "gemini":
					input = at(v, "usageMetadata", "promptTokenCount")
				default:
					input = at(v, "usage", "input_tokens")
				}
				if want := float64(promptTokens + words); input != want {
					t.Errorf("%d signature words: prompt tokens %v, want %v", words, input, want)
				}
			}
		})
	}
}

// BusyLedger is the log of a busy real build: rows stamped late (and shown
// from their stamp on), the answer's Date the upstream's clock, the log
// API's Date the gateway's, and the default limit answered without
// Retry-After.
func TestBusyLedger(t *testing.T) {
	clock := &testClock{now: ledgerT0}
	s, url := startStandin(t, Options{Gateway: GatewayNewAPI})
	opts := BusyLedger(GatewayNewAPI, 4*time.Second, -time.Minute)
	opts.Now = clock.Now
	s.SetLedger(opts)

	r := do(t, aiRequest(t, url, "openai_chat", approvedKey, 1))
	if r.status != http.StatusOK {
		t.Fatalf("%d %s", r.status, r.raw)
	}
	if date, _ := http.ParseTime(r.header.Get("Date")); !date.Equal(ledgerT0.Add(-time.Minute)) {
		t.Errorf("the answer's Date %s, want the upstream's clock, a minute behind the gateway's", r.header.Get("Date"))
	}
	if rows := logRows(t, GatewayNewAPI, readLog(t, url, ledgerLogPath+"?type=2", withToken)); len(rows) != 0 {
		t.Errorf("%d rows before their stamp, want none", len(rows))
	}
	clock.advance(4 * time.Second)
	read := readLog(t, url, ledgerLogPath+"?type=2", withToken)
	rows := logRows(t, GatewayNewAPI, read)
	if len(rows) != 1 || at(rows[0], "created_at") != float64(ledgerT0.Add(4*time.Second).Unix()) {
		t.Fatalf("rows %v, want one stamped 4 s after the answer", rows)
	}
	if date, _ := http.ParseTime(read.header.Get("Date")); !date.Equal(clock.Now()) {
		t.Errorf("the log API's Date %s, want the gateway's clock", read.header.Get("Date"))
	}
	for range NewAPIRateLimit - 2 {
		readLog(t, url, ledgerLogPath+"?type=2", withToken)
	}
	refused := readLog(t, url, ledgerLogPath+"?type=2", withToken)
	if refused.status != http.StatusTooManyRequests || refused.header.Get("Retry-After") != "" {
		t.Errorf("read %d answered %d with Retry-After %q, want 429 without one", NewAPIRateLimit+1, refused.status, refused.header.Get("Retry-After"))
	}
	if s.LedgerThrottled() != 1 {
		t.Errorf("%d reads throttled, want 1", s.LedgerThrottled())
	}
}
