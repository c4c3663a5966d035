package probe

import (
	"net/http"
	"strings"
	"testing"
)

func TestClassifyGatewayRefusals(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   Category
	}{
		{"one-api invalid token", 401, oneAPIInvalidToken, CategoryAuthFailure},
		{"one-api disabled token", 401, oneAPIDisabled, CategoryAuthFailure},
		{"one-api expired token", 401, oneAPIExpired, CategoryAuthFailure},
		{"one-api token quota used up", 401, oneAPITokenQuota, CategoryQuotaExhausted},
		{"one-api token already marked exhausted", 401, `{"error":{"message":"令牌 ci-token（#4）额度已用尽 (request id: ` + gatewayID + `)","type":"one_api_error"}}`, CategoryQuotaExhausted},
		{"one-api token already marked exhausted, any name", 401, `{"error":{"message":"令牌 生产 key 2（#118）额度已用尽","type":"one_api_error"}}`, CategoryQuotaExhausted},
		{"one-api user quota", 403, oneAPIUserQuota, CategoryQuotaExhausted},
		{"one-api token may not use the model", 403, oneAPIModelDenied, CategoryModelUnavailable},
		{"one-api no channel", 503, oneAPINoChannel, CategoryModelUnavailable},
		{"one-api no price", 500, oneAPINoPrice, CategoryModelUnavailable},
		{"one-api upstream 429 rewritten, code kept", 429, oneAPIUpstream429, CategoryRateLimited},
		{"one-api upstream 500", 500, oneAPIUpstream500, CategoryServerError},
		{"new-api invalid token", 401, newAPIInvalidToken, CategoryAuthFailure},
		{"new-api disabled token", 401, newAPIDisabledToken, CategoryAuthFailure},
		{"new-api expired token", 401, newAPIExpiredToken, CategoryAuthFailure},
		{"new-api token quota used up, masked key first", 401, newAPITokenQuota, CategoryQuotaExhausted},
		{"new-api user quota", 403, newAPIUserQuota, CategoryQuotaExhausted},
		{"new-api token may not use the model", 403, newAPIModelDenied, CategoryModelUnavailable},
		{"new-api no channel", 503, newAPINoChannel, CategoryModelUnavailable},
		{"new-api no price", 500, newAPINoPrice, CategoryModelUnavailable},
		{"quota words on a 500 are not a quota refusal", 500, `{"error":{"message":"该令牌额度已用尽"}}`, CategoryServerError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := classify(tt.status, []byte(tt.body), nil)
			if got.Category != tt.want {
				t.Errorf("category %q, want %q (message %q)", got.Category, tt.want, got.Message)
			}
			if !strings.HasSuffix(got.Message, "(request id: "+gatewayID+")") && strings.Contains(tt.body, gatewayID) {
				t.Errorf("message %q does not end with the gateway's request id", got.Message)
			}
		})
	}
}

func TestGatewayRequestIDs(t *testing.T) {
	tests := []struct {
		name         string
		header       http.Header
		body         string
		wantID       string
		wantUpstream string
	}{
		{"vendor alone", http.Header{"X-Request-Id": {"req_vendor"}}, openAIChatOK, "req_vendor", ""},
		{"gateway success passes the vendor's id through", http.Header{"X-Oneapi-Request-Id": {gatewayID}, "X-Request-Id": {"req_vendor"}}, openAIChatOK, gatewayID, "req_vendor"},
		{"gateway success without an upstream id", http.Header{"X-Oneapi-Request-Id": {gatewayID}}, openAIChatOK, gatewayID, ""},
		{"gateway refusal with the header", http.Header{"X-Oneapi-Request-Id": {gatewayID}}, oneAPIInvalidToken, gatewayID, ""},
		{"gateway refusal without the header: the message's id", http.Header{}, newAPINoChannel, gatewayID, ""},
		{"the header wins over the message", http.Header{"X-Oneapi-Request-Id": {"20261130000000000000000000000001"}}, newAPINoChannel, "20261130000000000000000000000001", ""},
		{"an id mid-message is not the gateway's", http.Header{}, `{"error":{"message":"(request id: abc) and more"}}`, "", ""},
		{"no ids: the body's", http.Header{}, openAIChatOK, "chatcmpl-test0001", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := protocols[OpenAIChat].parseResponse(tt.header, []byte(tt.body))
			if got.RequestID != tt.wantID || got.UpstreamRequestID != tt.wantUpstream {
				t.Errorf("ids %q, %q; want %q, %q", got.RequestID, got.UpstreamRequestID, tt.wantID, tt.wantUpstream)
			}
		})
	}
}
