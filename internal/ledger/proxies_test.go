package ledger_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/ledger"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/standin"
)

// proxyRecorder answers every request with answer(n) and keeps the
// requests.
type proxyRecorder struct {
	answer func(n int, r *http.Request) (int, string)
	reqs   []*http.Request
}

func (p *proxyRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.reqs = append(p.reqs, r.Clone(r.Context()))
	status, body := p.answer(len(p.reqs), r)
	w.Header().Set("Content-Type", "application/json")
	if strings.HasPrefix(body, "<") {
		w.Header().Set("Content-Type", "text/html")
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

const spendRow = `[{"request_id":"chatcmpl-1","model":"gpt-test","spend":%s,"prompt_tokens":8,"completion_tokens":%s,"total_tokens":9,"api_key":"88dc","call_type":"acompletion"}]`

func spend(usd, completion string) string {
	return strings.Replace(strings.Replace(spendRow, "%s", usd, 1), "%s", completion, 1)
}

func TestLiteLLM(t *testing.T) {
	q := ledger.Query{BodyID: "chatcmpl-1", CallID: "call-1", Model: model, PromptTokens: prompt, CompletionTokens: output, Key: fakeAPIKey}
	tests := []struct {
		name    string
		answer  func(n int, r *http.Request) (int, string)
		want    ledger.Result // CheckedAt and Message apart
		message string
		asked   []string // the request_id of each request
	}{
		{
			name:   "found at once, the spend exactly as written",
			answer: func(int, *http.Request) (int, string) { return 200, spend("3.6e-05", "1") },
			want: ledger.Result{Status: ledger.Confirmed, MatchedBy: ledger.MatchedByRequestID, RequestID: "chatcmpl-1", PromptTokens: prompt,
				CompletionTokens: output, ChargedUSD: "0.000036", Model: model},
			asked: []string{"chatcmpl-1"},
		},
		{
			name: "empty until the batch is written",
			answer: func(n int, _ *http.Request) (int, string) {
				if n < 5 {
					return 200, `[]`
				}
				return 200, spend("0.1", "1")
			},
			want: ledger.Result{Status: ledger.Confirmed, MatchedBy: ledger.MatchedByRequestID, RequestID: "chatcmpl-1", PromptTokens: prompt,
				CompletionTokens: output, ChargedUSD: "0.1", Model: model},
			asked: []string{"chatcmpl-1", "call-1", "chatcmpl-1", "call-1", "chatcmpl-1"},
		},
		{
			name: "rows keyed by the call id",
			answer: func(_ int, r *http.Request) (int, string) {
				if r.URL.Query().Get("request_id") != "call-1" {
					return 200, `[]`
				}
				return 200, strings.Replace(spend("0.00002", "1"), "chatcmpl-1", "call-1", 1)
			},
			want: ledger.Result{Status: ledger.Confirmed, MatchedBy: ledger.MatchedByRequestID, RequestID: "call-1", PromptTokens: prompt,
				CompletionTokens: output, ChargedUSD: "0.00002", Model: model},
			asked: []string{"chatcmpl-1", "call-1"},
		},
		{
			name:    "the proxy counted other tokens: mismatch",
			answer:  func(int, *http.Request) (int, string) { return 200, spend("0.00004", "2") },
			want:    ledger.Result{Status: ledger.Mismatch, MatchedBy: ledger.MatchedByRequestID, RequestID: "chatcmpl-1", PromptTokens: prompt, CompletionTokens: 2, ChargedUSD: "0.00004", Model: model},
			message: "charged 8 prompt and 2 completion tokens",
			asked:   []string{"chatcmpl-1"},
		},
		{
			name:    "a negative spend is no charge",
			answer:  func(int, *http.Request) (int, string) { return 200, spend("-0.5", "1") },
			want:    ledger.Result{Status: ledger.Unavailable},
			message: "spend -0.5 is no charge",
			asked:   []string{"chatcmpl-1"},
		},
		{
			name:    "a spend that is a string is no charge",
			answer:  func(int, *http.Request) (int, string) { return 200, spend(`"0.1"`, "1") },
			want:    ledger.Result{Status: ledger.Unavailable},
			message: "is no charge",
			asked:   []string{"chatcmpl-1"},
		},
		{
			name: "a refused key quotes the proxy, without the key",
			answer: func(_ int, r *http.Request) (int, string) {
				return 401, `{"error":{"message":"Authentication Error, Invalid proxy server token passed. Received ` + r.Header.Get("Authorization") + `","type":"auth_error","code":"401"}}`
			},
			want:    ledger.Result{Status: ledger.Unavailable},
			message: "the spend logs answered HTTP 401: Authentication Error, Invalid proxy server token passed. Received Bearer [redacted]",
			asked:   []string{"chatcmpl-1"},
		},
		{
			name:    "an HTML page",
			answer:  func(int, *http.Request) (int, string) { return 200, `<html>LiteLLM UI</html>` },
			want:    ledger.Result{Status: ledger.Unavailable},
			message: "not JSON (text/html)",
			asked:   []string{"chatcmpl-1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &proxyRecorder{answer: tt.answer}
			clock := newClock(t0)
			got := ledger.New(ledger.Options{API: ledger.LiteLLM, Endpoint: startGateway(t, p), Token: fakeToken, Wait: 90 * time.Second,
				Now: clock.Now, After: clock.After}).Find(t.Context(), q)
			if !strings.Contains(got.Message, tt.message) || tt.message == "" && got.Message != "" {
				t.Errorf("Message %q, want it to hold %q", got.Message, tt.message)
			}
			got.CheckedAt, got.Message = time.Time{}, ""
			if got != tt.want {
				t.Errorf("Find\n got %+v\nwant %+v", got, tt.want)
			}
			var asked []string
			for _, r := range p.reqs {
				asked = append(asked, r.URL.Query().Get("request_id"))
				if r.URL.Path != "/spend/logs" || r.Header.Get("Authorization") != "Bearer "+fakeToken || strings.Contains(r.Header.Get("Authorization"), fakeAPIKey) {
					t.Errorf("asked %s with Authorization %q, want /spend/logs with the ledger token only", r.URL.Path, r.Header.Get("Authorization"))
				}
			}
			if strings.Join(asked, " ") != strings.Join(tt.asked, " ") {
				t.Errorf("asked %q, want %q", asked, tt.asked)
			}
		})
	}
}

func TestOpenRouter(t *testing.T) {
	const record = `{"data":{"id":"gen-1","model":"openai/gpt-test","provider_name":"OpenAI","native_tokens_prompt":8,"native_tokens_completion":1,"tokens_prompt":9,"tokens_completion":1,"total_cost":0.0000123,"usage":0.0000123}}`
	q := ledger.Query{BodyID: "gen-1", GenerationID: "gen-1", Model: model, PromptTokens: prompt, CompletionTokens: output, Key: fakeAPIKey}
	tests := []struct {
		name      string
		token     string
		answer    func(n int, r *http.Request) (int, string)
		want      ledger.Result
		message   string
		wantAuth  string
		reads     int
		otherHost bool
	}{
		{
			// A check whose own endpoint is another gateway: its key is
			// that gateway's, and never goes to OpenRouter's host.
			name: "no ledger token and a check on another host: nothing is sent", otherHost: true,
			answer:  func(int, *http.Request) (int, string) { return 200, record },
			want:    ledger.Result{Status: ledger.Unavailable},
			message: "set the provider's ledger_token", reads: 0,
		},
		{
			name: "404 until the record exists, then its native counts and cost; read with the approved key",
			answer: func(n int, _ *http.Request) (int, string) {
				if n < 3 {
					return 404, `{"error":{"code":404,"message":"Generation not found"}}`
				}
				return 200, record
			},
			want: ledger.Result{Status: ledger.Confirmed, MatchedBy: ledger.MatchedByRequestID, RequestID: "gen-1", PromptTokens: prompt,
				CompletionTokens: output, ChargedUSD: "0.0000123", Model: "openai/gpt-test", ProviderName: "OpenAI"},
			wantAuth: "Bearer " + fakeAPIKey, reads: 3,
		},
		{
			name: "read with the ledger token when set", token: fakeToken,
			answer: func(int, *http.Request) (int, string) { return 200, record },
			want: ledger.Result{Status: ledger.Confirmed, MatchedBy: ledger.MatchedByRequestID, RequestID: "gen-1", PromptTokens: prompt,
				CompletionTokens: output, ChargedUSD: "0.0000123", Model: "openai/gpt-test", ProviderName: "OpenAI"},
			wantAuth: "Bearer " + fakeToken, reads: 1,
		},
		{
			name:    "a 404 that is no API's answer is a wrong endpoint",
			answer:  func(int, *http.Request) (int, string) { return 404, `<html>not here</html>` },
			want:    ledger.Result{Status: ledger.Unavailable},
			message: "the generation API answered HTTP 404", wantAuth: "Bearer " + fakeAPIKey, reads: 1,
		},
		{
			name: "a refused key",
			answer: func(int, *http.Request) (int, string) {
				return 401, `{"error":{"code":401,"message":"No auth credentials found"}}`
			},
			want:    ledger.Result{Status: ledger.Unavailable},
			message: "HTTP 401: No auth credentials found", wantAuth: "Bearer " + fakeAPIKey, reads: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &proxyRecorder{answer: tt.answer}
			clock := newClock(t0)
			endpoint := startGateway(t, p)
			q := q
			q.Endpoint = endpoint + "/api/v1"
			if tt.otherHost {
				q.Endpoint = "https://gateway.example.com/v1"
			}
			got := ledger.New(ledger.Options{API: ledger.OpenRouter, Endpoint: endpoint, Token: tt.token, Wait: 30 * time.Second,
				Now: clock.Now, After: clock.After}).Find(t.Context(), q)
			if !strings.Contains(got.Message, tt.message) || tt.message == "" && got.Message != "" {
				t.Errorf("Message %q, want it to hold %q", got.Message, tt.message)
			}
			got.CheckedAt, got.Message = time.Time{}, ""
			if got != tt.want {
				t.Errorf("Find\n got %+v\nwant %+v", got, tt.want)
			}
			if len(p.reqs) != tt.reads {
				t.Errorf("%d reads, want %d", len(p.reqs), tt.reads)
			}
			for _, r := range p.reqs {
				if r.URL.Path != "/api/v1/generation" || r.URL.Query().Get("id") != "gen-1" || r.Header.Get("Authorization") != tt.wantAuth {
					t.Errorf("asked %s?%s with %q, want the generation gen-1 with %q", r.URL.Path, r.URL.RawQuery, r.Header.Get("Authorization"), tt.wantAuth)
				}
			}
		})
	}
}

// The stand-in's proxies, read as a user's provider would: the record
// appears after the batch delay.
func TestProxiesOnTheStandin(t *testing.T) {
	for _, gw := range []standin.Gateway{standin.GatewayLiteLLM, standin.GatewayOpenRouter} {
		t.Run(string(gw), func(t *testing.T) {
			clock := newClock(t0)
			s, url := standinLedger(t, gw, standin.LedgerOptions{Late: 10 * time.Second}, clock)
			req, err := http.NewRequest(http.MethodPost, url+"/v1/chat/completions",
				strings.NewReader(`{"model":"`+model+`","max_tokens":1,"messages":[{"role":"user","content":"ping"}]}`))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+fakeAPIKey)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			rows := s.LedgerRows()
			if len(rows) != 1 {
				t.Fatalf("%d records, want 1", len(rows))
			}
			r := rows[0]
			q := ledger.Query{Model: model, PromptTokens: int64(r.PromptTokens), CompletionTokens: int64(r.CompletionTokens), Key: fakeAPIKey}
			api := ledger.LiteLLM
			if gw == standin.GatewayOpenRouter {
				api, q.BodyID, q.GenerationID = ledger.OpenRouter, r.RequestID, r.RequestID
			} else {
				q.BodyID, q.CallID = r.RequestID, r.CallID
			}
			got := ledger.New(ledger.Options{API: api, Endpoint: url, Token: fakeToken, Wait: 30 * time.Second, Now: clock.Now, After: clock.After}).Find(t.Context(), q)
			if got.Status != ledger.Confirmed || got.ChargedUSD != "0.000036" || got.RequestID != r.RequestID {
				t.Errorf("Find %+v, want confirmed, 0.000036, %s", got, r.RequestID)
			}
			if waited := clock.Now().Sub(t0); waited < 10*time.Second {
				t.Errorf("confirmed after %s, before the batch delay", waited)
			}
		})
	}
}
