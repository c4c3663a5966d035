package standin

import (
	"regexp"
	"strings"
	"testing"
)

// gatewayIDShape is a gateway's request id: one-api's a run of 31 digits,
// new-api's 23 digits then 8 letters and digits.
var gatewayIDShape = regexp.MustCompile(`^([0-9]{31}|[0-9]{23}[A-Za-z0-9]{8})$`)

// gatewayError checks the shape every gateway error shares and returns the
// error object.
func checkGatewayError(t *testing.T, g Gateway, resp response) map[string]any {
	t.Helper()
	id := resp.header.Get(GatewayRequestIDHeader)
	if !gatewayIDShape.MatchString(id) {
		t.Errorf("%s = %q, want a 31-digit id", GatewayRequestIDHeader, id)
	}
	obj, ok := at(resp.json(t), "error").(map[string]any)
	if !ok {
		t.Fatalf("no error object in %s", resp.raw)
	}
	if obj["type"] != string(g)+"_error" {
		t.Errorf("error type %v, want %s_error", obj["type"], g)
	}
	message, _ := obj["message"].(string)
	if !strings.HasSuffix(message, "(request id: "+id+")") {
		t.Errorf("message %q does not end with the request id %s", message, id)
	}
	return obj
}

func TestGatewayRefusals(t *testing.T) {
	type answer struct {
		status  int
		code    any // nil for none
		phrases []string
	}
	tests := []struct {
		behaviour Behaviour
		oneAPI    answer
		newAPI    answer
	}{
		{GatewayTokenDisabled, answer{401, nil, []string{"该令牌状态不可用"}}, answer{401, nil, []string{"该令牌状态不可用"}}},
		{GatewayTokenExpired, answer{401, nil, []string{"该令牌已过期"}}, answer{401, nil, []string{"该令牌已过期"}}},
		{GatewayTokenQuota, answer{401, nil, []string{"该令牌额度已用尽"}}, answer{401, nil, []string{"[sk-tes***b9Lt] 该令牌额度已用尽"}}},
		{GatewayUserQuota, answer{403, "insufficient_user_quota", nil}, answer{403, "insufficient_user_quota", []string{"用户额度不足, 剩余额度: "}}},
		{GatewayModelDenied, answer{403, nil, []string{"该令牌无权使用模型", "model-test"}}, answer{403, nil, []string{"该令牌无权访问模型", "model-test"}}},
		{GatewayNoChannel, answer{503, nil, []string{"当前分组 default 下对于模型 model-test 无可用渠道"}}, answer{503, "model_not_found", []string{"无可用渠道"}}},
		{GatewayNoPrice, answer{500, "model_price_error", nil}, answer{500, "model_price_error", nil}},
		{RateLimited, answer{429, "rate_limit_exceeded", []string{"上游负载已饱和"}}, answer{429, "rate_limit_exceeded", []string{"Rate limit reached"}}},
		{ServerError, answer{500, nil, []string{"上游服务出错"}}, answer{500, nil, []string{"The server had an error"}}},
		{QuotaExhausted, answer{429, "insufficient_quota", []string{"上游负载已饱和"}}, answer{429, "insufficient_quota", []string{"exceeded your current quota"}}},
	}
	for _, g := range []Gateway{GatewayOneAPI, GatewayNewAPI} {
		for _, tt := range tests {
			t.Run(string(g)+"/"+string(tt.behaviour), func(t *testing.T) {
				want := tt.oneAPI
				if g == GatewayNewAPI {
					want = tt.newAPI
				}
				s, url := startStandin(t, Options{Gateway: g, Behaviour: tt.behaviour})
				resp := do(t, aiRequest(t, url, "openai_chat", approvedKey, 1))
				if resp.status != want.status {
					t.Errorf("status %d, want %d", resp.status, want.status)
				}
				obj := checkGatewayError(t, g, resp)
				if obj["code"] != want.code {
					t.Errorf("code %v, want %v", obj["code"], want.code)
				}
				for _, phrase := range want.phrases {
					if message, _ := obj["message"].(string); !strings.Contains(message, phrase) {
						t.Errorf("message %q lacks %q", message, phrase)
					}
				}
				// The token is checked first: a wrong key never gets this far.
				wrong := do(t, aiRequest(t, url, "openai_chat", wrongKey, 1))
				obj = checkGatewayError(t, g, wrong)
				if message, _ := obj["message"].(string); wrong.status != 401 || !strings.HasPrefix(message, "无效的令牌 (request id: ") {
					t.Errorf("wrong key: %d %s, want 401 无效的令牌", wrong.status, wrong.raw)
				}
				if rows := s.LedgerRows(); len(rows) != 0 {
					t.Errorf("refused requests wrote %d ledger rows", len(rows))
				}
			})
		}
	}
}

func TestGatewaySuccess(t *testing.T) {
	tests := []struct {
		gateway    Gateway
		behaviour  Behaviour
		wantUsage  bool
		wantPrompt int // the ledger row's prompt tokens; the answered usage's
		upstreamID bool
	}{
		{GatewayOneAPI, Normal, true, promptTokens, true},
		{GatewayNewAPI, Normal, true, promptTokens, true},
		{GatewayOneAPI, NoUsage, false, 0, true},
		{GatewayNewAPI, NoUsage, true, -1, true}, // its own estimate
		{GatewayNewAPI, NoRequestID, true, promptTokens, false},
	}
	for _, tt := range tests {
		t.Run(string(tt.gateway)+"/"+string(tt.behaviour), func(t *testing.T) {
			s, url := startStandin(t, Options{Gateway: tt.gateway, Behaviour: tt.behaviour})
			resp := do(t, aiRequest(t, url, "openai_chat", approvedKey, 1))
			if resp.status != 200 {
				t.Fatalf("status %d: %s", resp.status, resp.raw)
			}
			id := resp.header.Get(GatewayRequestIDHeader)
			if !gatewayIDShape.MatchString(id) {
				t.Errorf("%s = %q, want a 31-digit id", GatewayRequestIDHeader, id)
			}
			if got := resp.header.Get("X-Request-Id") != ""; got != tt.upstreamID {
				t.Errorf("upstream X-Request-Id passed through = %v, want %v", got, tt.upstreamID)
			}
			usage, _ := at(resp.json(t), "usage").(map[string]any)
			if (usage != nil) != tt.wantUsage {
				t.Fatalf("usage %v, want present = %v", usage, tt.wantUsage)
			}
			rows := s.LedgerRows()
			if len(rows) != 1 {
				t.Fatalf("%d ledger rows, want 1", len(rows))
			}
			row := rows[0]
			if row.RequestID != id || row.Model != "model-test" || row.TokenName != "standin-token-1" {
				t.Errorf("row %+v, want request id %s, model-test, standin-token-1", row, id)
			}
			if usage != nil && (float64(row.PromptTokens) != usage["prompt_tokens"] || float64(row.CompletionTokens) != usage["completion_tokens"]) {
				t.Errorf("row tokens %d/%d, answered usage %v", row.PromptTokens, row.CompletionTokens, usage)
			}
			if tt.wantPrompt >= 0 && row.PromptTokens != tt.wantPrompt {
				t.Errorf("row prompt tokens %d, want %d", row.PromptTokens, tt.wantPrompt)
			}
			if tt.wantPrompt < 0 && row.PromptTokens == promptTokens {
				t.Errorf("new-api's estimate equals the upstream's count %d; an estimate should be told apart", promptTokens)
			}
		})
	}
}

func TestGatewayChannelPinnedKeys(t *testing.T) {
	tests := []struct {
		name       string
		key        string
		wantStatus int
		wantPhrase string // in the error message; "" for a success
	}{
		{"the token itself", approvedKey, 200, ""},
		{"the token pinned to a known channel", approvedKey + "-1", 200, ""},
		{"the token pinned to an unknown channel", approvedKey + "-7", 400, "无效的渠道 Id"},
		{"another token pinned to a channel", wrongKey + "-1", 401, "无效的令牌"},
		{"no key", "", 401, "未提供令牌"},
	}
	for _, g := range []Gateway{GatewayOneAPI, GatewayNewAPI} {
		for _, tt := range tests {
			t.Run(string(g)+"/"+tt.name, func(t *testing.T) {
				s, url := startStandin(t, Options{Gateway: g})
				resp := do(t, aiRequest(t, url, "openai_chat", tt.key, 1))
				if resp.status != tt.wantStatus {
					t.Fatalf("status %d, want %d: %s", resp.status, tt.wantStatus, resp.raw)
				}
				rows := s.LedgerRows()
				if tt.wantPhrase == "" {
					if len(rows) != 1 || rows[0].TokenName != "standin-token-1" {
						t.Errorf("rows %+v, want one billed to the token", rows)
					}
					return
				}
				obj := checkGatewayError(t, g, resp)
				if message, _ := obj["message"].(string); !strings.HasPrefix(message, tt.wantPhrase) {
					t.Errorf("message %q, want it to start with %q", message, tt.wantPhrase)
				}
				if len(rows) != 0 {
					t.Errorf("a refused request wrote %d ledger rows", len(rows))
				}
			})
		}
	}
}

func TestEchoBehaviours(t *testing.T) {
	tests := []struct {
		behaviour Behaviour
		gateway   Gateway
		key       string
		status    int
		echoed    string // in the X-Request-Id header and, on a refusal, the body
	}{
		{EchoApprovedKey, GatewayNone, wrongKey, 401, approvedKey},
		{EchoApprovedKey, GatewayNone, approvedKey, 200, approvedKey},
		{EchoApprovedKey, GatewayNewAPI, wrongKey, 401, approvedKey},
		{EchoTrimmedKey, GatewayNone, wrongKey, 401, wrongKey},
		{EchoTrimmedKey, GatewayOneAPI, approvedKey, 200, approvedKey},
	}
	for _, tt := range tests {
		t.Run(string(tt.behaviour)+"/"+string(tt.gateway)+"/"+tt.key, func(t *testing.T) {
			s, url := startStandin(t, Options{Gateway: tt.gateway, Behaviour: tt.behaviour})
			resp := do(t, aiRequest(t, url, "openai_chat", tt.key, 1))
			if resp.status != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.status, tt.status, resp.raw)
			}
			if got := resp.header.Get("X-Request-Id"); got != "req_"+tt.echoed {
				t.Errorf("X-Request-Id %q, want the echo", got)
			}
			if tt.status != 200 && !strings.Contains(string(resp.raw), tt.echoed) {
				t.Errorf("body %s does not echo %s", resp.raw, tt.echoed)
			}
			if n := s.RequestsWithKey(tt.key); n != 1 {
				t.Errorf("RequestsWithKey = %d, want 1", n)
			}
		})
	}
}
