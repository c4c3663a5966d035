package standin

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The log API behaves as the builds real teams run: one-api's rows read
// "id": 0, new-api's carry increasing ids and (up to v0.10) no request_id,
// both filter on token_name, and the Date header is the log's clock.
func TestLedgerAsRealBuilds(t *testing.T) {
	tests := []struct {
		name      string
		gateway   Gateway
		opts      LedgerOptions
		query     string
		wantIDs   []float64 // the rows' ids, newest first
		wantReqID bool      // rows carry request_id
		wantRows  int
	}{
		{"one-api rows have id 0", GatewayOneAPI, LedgerOptions{}, "", []float64{0, 0, 0}, true, 3},
		{"new-api rows have increasing ids", GatewayNewAPI, LedgerOptions{}, "", []float64{3, 2, 1}, true, 3},
		{"new-api up to v0.10 writes no request_id", GatewayNewAPI, LedgerOptions{NoRequestID: true}, "", []float64{3, 2, 1}, false, 3},
		{"token_name filters", GatewayNewAPI, LedgerOptions{}, "&token_name=ci", []float64{3}, true, 1},
		{"a twin row of another token for every request", GatewayNewAPI, LedgerOptions{TwinToken: "prod"}, "", []float64{6, 5, 4, 3, 2, 1}, true, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, url := startStandin(t, Options{Gateway: tt.gateway})
			clock := &testClock{now: ledgerT0}
			tt.opts.Now = clock.Now
			s.SetLedger(tt.opts)
			for i, token := range []string{"default", "other", "ci"} {
				s.AddLedgerRow(LedgerRow{RequestID: fmt.Sprint("r", i), Model: "model-test", TokenName: token, PromptTokens: 8, CompletionTokens: 1})
				clock.advance(time.Second)
			}
			r := readLog(t, url, "/api/log/self?type=2&model_name=model-test"+tt.query, withToken)
			if got := r.header.Get("Date"); got != clock.Now().UTC().Format(http.TimeFormat) {
				t.Errorf("Date %q, want the log's clock", got)
			}
			rows := logRows(t, tt.gateway, r)
			if len(rows) != tt.wantRows {
				t.Fatalf("%d rows, want %d", len(rows), tt.wantRows)
			}
			for i, row := range rows {
				if at(row, "id") != tt.wantIDs[i] {
					t.Errorf("row %d id %v, want %v", i, at(row, "id"), tt.wantIDs[i])
				}
				if _, has := row.(map[string]any)["request_id"]; has != tt.wantReqID {
					t.Errorf("row %d has request_id = %v, want %v", i, has, tt.wantReqID)
				}
			}
		})
	}
}

// One-api's global API rate limit covers the log API: past the limit in the
// window, 429 with Retry-After until the oldest request leaves the window.
func TestLedgerRateLimit(t *testing.T) {
	s, url := startStandin(t, Options{Gateway: GatewayOneAPI})
	clock := &testClock{now: ledgerT0}
	s.SetLedger(LedgerOptions{RateLimit: 3, RateWindow: time.Minute, Now: clock.Now})
	var statuses []string
	for range 4 {
		r := readLog(t, url, "/api/log/self?type=2", withToken)
		statuses = append(statuses, fmt.Sprint(r.status, " ", r.header.Get("Retry-After")))
		clock.advance(10 * time.Second)
	}
	clock.advance(20 * time.Second) // the first request leaves the window
	r := readLog(t, url, "/api/log/self?type=2", withToken)
	statuses = append(statuses, fmt.Sprint(r.status, " ", r.header.Get("Retry-After")))
	if got := strings.Join(statuses, ", "); got != "200 , 200 , 200 , 429 30, 200 " {
		t.Errorf("answers %s, want three reads, a 429 asking for 30 s, then a read once the window moved", got)
	}
	if s.LedgerThrottled() != 1 || s.LedgerRequests() != 5 {
		t.Errorf("%d throttled of %d, want 1 of 5", s.LedgerThrottled(), s.LedgerRequests())
	}
}

// A token one-api has marked exhausted is refused in its later wording.
func TestGatewayTokenExhaustedWording(t *testing.T) {
	_, url := startStandin(t, Options{Gateway: GatewayOneAPI, Behaviour: GatewayTokenExhausted})
	r := do(t, aiRequest(t, url, "openai_chat", approvedKey, 1))
	if msg := fmt.Sprint(at(r.json(t), "error", "message")); r.status != 401 || !strings.HasPrefix(msg, "令牌 standin-token-1（#4）额度已用尽 (request id: ") {
		t.Errorf("%d %q, want 401 令牌 standin-token-1（#4）额度已用尽", r.status, msg)
	}
}

// The two other ledgers: a LiteLLM proxy's spend logs (empty until the
// batch is written, the master key only) and OpenRouter's generation
// records (404 until written; its key or the access token).
func TestProxyLedgers(t *testing.T) {
	for _, g := range []Gateway{GatewayLiteLLM, GatewayOpenRouter} {
		t.Run(string(g), func(t *testing.T) {
			s, url := startStandin(t, Options{Gateway: g})
			clock := &testClock{now: ledgerT0}
			s.SetLedger(LedgerOptions{Late: 10 * time.Second, Now: clock.Now})
			resp := do(t, aiRequest(t, url, "openai_chat", approvedKey, 1))
			id := fmt.Sprint(at(resp.json(t), "id"))
			read := func(key string) response {
				path := "/spend/logs?request_id=" + id
				if g == GatewayOpenRouter {
					path = "/api/v1/generation?id=" + id
				}
				return readLog(t, url, path, map[string]string{"Authorization": "Bearer " + key})
			}
			if g == GatewayLiteLLM {
				if resp.header.Get(LiteLLMCallIDHeader) == "" || resp.header.Get(LiteLLMCostHeader) != "3.6e-05" || !strings.HasPrefix(id, "chatcmpl-") {
					t.Errorf("answer headers %v id %s, want a call id, the cost and the body id", resp.header, id)
				}
				if r := read(DefaultLedgerAccessToken); r.status != 200 || string(r.raw) != "[]" {
					t.Errorf("before the batch: %d %s, want an empty list", r.status, r.raw)
				}
				if r := read(approvedKey); r.status != 401 {
					t.Errorf("the approved key read the spend logs: %d", r.status)
				}
			} else {
				if resp.header.Get(GenerationIDHeader) != id || !strings.HasPrefix(id, "gen-") {
					t.Errorf("X-Generation-Id %q id %s, want the gen- id twice", resp.header.Get(GenerationIDHeader), id)
				}
				if r := read(approvedKey); r.status != 404 || at(r.json(t), "error", "code") != float64(404) {
					t.Errorf("before the record: %d %s, want 404", r.status, r.raw)
				}
			}
			clock.advance(10 * time.Second)
			r := read(DefaultLedgerAccessToken)
			body := r.json(t)
			record := at(body, 0)
			if g == GatewayOpenRouter {
				record = at(body, "data")
				if at(record, "native_tokens_prompt") != float64(promptTokens) || at(record, "provider_name") != OpenRouterProvider {
					t.Errorf("record %s, want native counts and the provider", r.raw)
				}
			}
			if r.status != 200 || fmt.Sprint(at(record, "request_id"), at(record, "id")) == "" || !strings.Contains(string(r.raw), "3.6e-05") {
				t.Errorf("after the batch: %d %s, want the record with its cost", r.status, r.raw)
			}
		})
	}
}

// A refused read may echo the token after a long run of spaces, and a slow
// log API ends its wait when the client goes away.
func TestLedgerHostileSwitches(t *testing.T) {
	s, url := startStandin(t, Options{Gateway: GatewayNewAPI})
	s.SetLedger(LedgerOptions{RefuseToken: true, EchoToken: true})
	r := readLog(t, url, "/api/log/self", withToken)
	if msg := fmt.Sprint(at(r.json(t), "message")); !strings.HasSuffix(msg, "token"+strings.Repeat(" ", 264)+DefaultLedgerAccessToken) {
		t.Errorf("message %q, want the token after 264 spaces", msg)
	}
	s.SetLedger(LedgerOptions{Latency: time.Hour})
	req, err := http.NewRequest(http.MethodGet, url+"/api/log/self", nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 100 * time.Millisecond}
	start := time.Now()
	if resp, err := client.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("a log API an hour slow answered")
	}
	if time.Since(start) > 5*time.Second {
		t.Error("the slow log API held the client past its timeout")
	}
}
