package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
)

// timeoutError is a net.Error that reports a timeout, as a dial or read
// deadline does.
type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

func TestClassify(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		body        string
		err         error
		want        Category
		wantMessage string
	}{
		{"openai chat success", 200, openAIChatOK, nil, CategoryOK, "HTTP 200: OK"},
		{"responses success with error null", 200, openAIResponsesOK, nil, CategoryOK, "HTTP 200: OK"},
		{"anthropic success", 200, anthropicOK, nil, CategoryOK, "HTTP 200: OK"},
		{"gemini success", 200, geminiOK, nil, CategoryOK, "HTTP 200: OK"},
		{"201 is a success", 201, `{}`, nil, CategoryOK, "HTTP 201: Created"},
		{"HTML on 200", 200, gatewayHTML, nil, CategoryInvalidResponse, "not a JSON object"},
		{"malformed JSON", 200, `{"id": "chatcmpl-1", "usage": {`, nil, CategoryInvalidResponse, "not a JSON object"},
		{"JSON array", 200, `[{"id": "x"}]`, nil, CategoryInvalidResponse, "not a JSON object"},
		{"JSON null", 200, `null`, nil, CategoryInvalidResponse, "not a JSON object"},
		{"empty body", 200, ``, nil, CategoryInvalidResponse, "not a JSON object"},
		{"body over 1 MiB", 200, `{"pad": "` + strings.Repeat("a", MaxBodyBytes) + `"}`, nil, CategoryInvalidResponse, "larger than 1 MiB"},
		{"error carried by a 200", 200, gateway200Error, nil, CategoryInvalidResponse, "carries an error: upstream request failed"},
		{"redirect", 302, "", nil, CategoryRedirect, "HTTP 302: redirect not followed"},
		{"openai invalid key", 401, openAIInvalidKey, nil, CategoryAuthFailure, "HTTP 401: Incorrect API key provided"},
		{"anthropic invalid key", 401, anthropicInvalidKey, nil, CategoryAuthFailure, "HTTP 401: invalid x-api-key"},
		{"forbidden", 403, `{"error": {"code": 403, "message": "Permission denied", "status": "PERMISSION_DENIED"}}`, nil, CategoryAuthFailure, "Permission denied"},
		{"gemini invalid key is a 400", 400, geminiInvalidKey, nil, CategoryAuthFailure, "HTTP 400: API key not valid"},
		{"400 with the reason alone", 400, `{"error": {"code": 400, "message": "bad", "details": [{"reason": "API_KEY_INVALID"}]}}`, nil, CategoryAuthFailure, "HTTP 400: bad"},
		{"gemini bad argument", 400, geminiBadArg, nil, CategoryClientError, "max_output_tokens: must be positive"},
		{"openai rate limit mentioning billing", 429, openAIRateLimit, nil, CategoryRateLimited, "Rate limit reached"},
		{"anthropic rate limit", 429, anthropicRateLimit, nil, CategoryRateLimited, "exceed the rate limit"},
		{"gemini exhausted without quota wording", 429, geminiExhausted, nil, CategoryRateLimited, "Resource has been exhausted"},
		{"plain text 429", 429, "Too Many Requests", nil, CategoryRateLimited, "HTTP 429: Too Many Requests"},
		{"openai insufficient quota", 429, openAIQuota, nil, CategoryQuotaExhausted, "exceeded your current quota"},
		{"gemini quota", 429, geminiQuota, nil, CategoryQuotaExhausted, "exceeded your current quota"},
		{"plain text credits", 429, "out of credits", nil, CategoryQuotaExhausted, "out of credits"},
		{"402 payment required", 402, gatewayCredits, nil, CategoryQuotaExhausted, "Insufficient credits"},
		{"anthropic empty credit balance is a 400", 400, `{"type": "error", "error": {"type": "invalid_request_error", "message": "Your credit balance is too low to access the Anthropic API."}}`, nil, CategoryQuotaExhausted, "credit balance is too low"},
		{"model not found", 404, openAIBadModel, nil, CategoryModelUnavailable, "does not exist"},
		{"anthropic model not found", 404, `{"type": "error", "error": {"type": "not_found_error", "message": "model: claude-nope"}}`, nil, CategoryModelUnavailable, "model: claude-nope"},
		{"404 naming no model", 404, `{"error": {"message": "Invalid URL (POST /v1/chat/completion)", "type": "invalid_request_error"}}`, nil, CategoryClientError, "Invalid URL"},
		{"top-level detail", 422, `{"detail": "max_tokens must be positive"}`, nil, CategoryClientError, "HTTP 422: max_tokens must be positive"},
		{"error as a string", 400, `{"error": "bad request body"}`, nil, CategoryClientError, "HTTP 400: bad request body"},
		{"internal error", 500, `{"error": {"message": "The server had an error", "type": "server_error"}}`, nil, CategoryServerError, "HTTP 500: The server had an error"},
		{"anthropic overloaded", 529, anthropicOverloaded, nil, CategoryServerError, "HTTP 529: Overloaded"},
		{"HTML gateway error quotes no HTML", 502, gatewayHTML, nil, CategoryServerError, "HTTP 502: Bad Gateway"},
		{"unknown status", 600, "", nil, CategoryInvalidResponse, "unexpected status code"},
		{"deadline", 0, "", context.DeadlineExceeded, CategoryTimeout, "context deadline exceeded"},
		{"cancelled", 0, "", context.Canceled, CategoryTimeout, "context canceled"},
		{"net timeout", 0, "", &net.OpError{Op: "read", Net: "tcp", Err: timeoutError{}}, CategoryTimeout, "i/o timeout"},
		{"refused", 0, "", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, CategoryNetworkError, "connection refused"},
		{"reset", 0, "", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, CategoryNetworkError, "connection reset"},
		{"EOF mid-body", 200, `{"id":`, fmt.Errorf("reading response body: %w", io.ErrUnexpectedEOF), CategoryNetworkError, "unexpected EOF"},
		{"TLS verification", 0, "", &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}, CategoryNetworkError, "failed to verify certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := classify(tt.status, []byte(tt.body), tt.err)
			if got.Category != tt.want {
				t.Errorf("category = %q, want %q (message %q)", got.Category, tt.want, got.Message)
			}
			if !strings.Contains(got.Message, tt.wantMessage) {
				t.Errorf("message = %q, want it to contain %q", got.Message, tt.wantMessage)
			}
		})
	}
}
