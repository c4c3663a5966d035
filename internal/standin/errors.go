package standin

import (
	"net/http"
	"strings"
)

// failureKind is an error the stand-in can answer with; each protocol says
// how its vendor shapes it.
type failureKind int

const (
	missingKey failureKind = iota
	invalidKey
	echoedKey
	badRequest
	serverFailure
	rateLimit
	quotaExhausted
	paymentRequired
	failureKindCount
)

// failure is one error answer: key is the key the request carried, detail
// and param describe a bad request.
type failure struct {
	kind   failureKind
	key    string
	detail string
	param  string
}

// vendorError is a vendor's error as a table row. message may hold the
// placeholders {key} (the key sent, in full), {masked_key} and {detail}.
type vendorError struct {
	status  int
	kind    string // OpenAI error.type, Anthropic error.type, Gemini error.status
	code    string // OpenAI error.code, Gemini ErrorInfo reason; "" for none
	message string
}

func (p protocol) writeFailure(w http.ResponseWriter, f failure) {
	e := p.errors[f.kind]
	writeJSON(w, e.status, p.renderError(e, failureMessage(e, f), f))
}

// failureMessage fills in e's message for f.
func failureMessage(e vendorError, f failure) string {
	return strings.NewReplacer(
		"{key}", f.key,
		"{masked_key}", maskKey(f.key),
		"{detail}", f.detail,
	).Replace(e.message)
}

// maskKey shows a key the way OpenAI does (sk-te****abcd), and nothing of a
// key too short to mask safely.
func maskKey(key string) string {
	const head, tail = 5, 4
	if len(key) < 2*(head+tail) {
		return "****"
	}
	return key[:head] + "****" + key[len(key)-tail:]
}

// nullable maps "" to JSON null.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

var openAIErrors = map[failureKind]vendorError{
	missingKey: {http.StatusUnauthorized, "invalid_request_error", "",
		"You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."},
	invalidKey: {http.StatusUnauthorized, "invalid_request_error", "invalid_api_key",
		"Incorrect API key provided: {masked_key}. You can find your API key in your account settings."},
	echoedKey: {http.StatusUnauthorized, "invalid_request_error", "invalid_api_key",
		"Incorrect API key provided: {key}. You can find your API key in your account settings."},
	badRequest: {http.StatusBadRequest, "invalid_request_error", "", "{detail}"},
	serverFailure: {http.StatusInternalServerError, "server_error", "",
		"The server had an error while processing your request. Sorry about that!"},
	rateLimit: {http.StatusTooManyRequests, "requests", "rate_limit_exceeded",
		"Rate limit reached for requests per minute. Please try again later."},
	quotaExhausted: {http.StatusTooManyRequests, "insufficient_quota", "insufficient_quota",
		"You exceeded your current quota, please check your plan and billing details."},
	paymentRequired: {http.StatusPaymentRequired, "insufficient_quota", "payment_required",
		"Payment required: the account has no credits left."},
}

func renderOpenAIError(e vendorError, message string, f failure) any {
	return map[string]any{"error": map[string]any{
		"message": message,
		"type":    e.kind,
		"param":   nullable(f.param),
		"code":    nullable(e.code),
	}}
}

var anthropicErrors = map[failureKind]vendorError{
	missingKey:    {http.StatusUnauthorized, "authentication_error", "", "x-api-key header is required"},
	invalidKey:    {http.StatusUnauthorized, "authentication_error", "", "invalid x-api-key"},
	echoedKey:     {http.StatusUnauthorized, "authentication_error", "", "invalid x-api-key: {key}"},
	badRequest:    {http.StatusBadRequest, "invalid_request_error", "", "{detail}"},
	serverFailure: {http.StatusInternalServerError, "api_error", "", "Internal server error"},
	rateLimit: {http.StatusTooManyRequests, "rate_limit_error", "",
		"This request would exceed the rate limit for your organization of requests per minute. Please try again later."},
	quotaExhausted: {http.StatusTooManyRequests, "billing_error", "",
		"Your credit balance is too low to access the API: credits exhausted. Please purchase credits to continue."},
	paymentRequired: {http.StatusPaymentRequired, "billing_error", "",
		"Payment required: your organization has no credits left."},
}

func renderAnthropicError(e vendorError, message string, _ failure) any {
	return map[string]any{"type": "error", "error": map[string]any{"type": e.kind, "message": message}}
}

var geminiErrors = map[failureKind]vendorError{
	missingKey: {http.StatusForbidden, "PERMISSION_DENIED", "",
		"Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API."},
	invalidKey: {http.StatusBadRequest, "INVALID_ARGUMENT", "API_KEY_INVALID",
		"API key not valid. Please pass a valid API key."},
	echoedKey: {http.StatusUnauthorized, "UNAUTHENTICATED", "API_KEY_INVALID",
		"API key not valid: {key}. Please pass a valid API key."},
	badRequest: {http.StatusBadRequest, "INVALID_ARGUMENT", "", "{detail}"},
	serverFailure: {http.StatusInternalServerError, "INTERNAL", "",
		"An internal error has occurred. Please retry or report the problem."},
	rateLimit: {http.StatusTooManyRequests, "RESOURCE_EXHAUSTED", "",
		"Too many requests per minute for this model. Please retry later."},
	quotaExhausted: {http.StatusTooManyRequests, "RESOURCE_EXHAUSTED", "",
		"You exceeded your current quota, please check your plan and billing details."},
	paymentRequired: {http.StatusPaymentRequired, "FAILED_PRECONDITION", "",
		"Payment required: the billing account has no credits left."},
}

func renderGeminiError(e vendorError, message string, _ failure) any {
	body := map[string]any{"code": e.status, "message": message, "status": e.kind}
	if e.code != "" {
		body["details"] = []any{map[string]any{
			"@type":  "type.googleapis.com/google.rpc.ErrorInfo",
			"reason": e.code,
			"domain": "googleapis.com",
		}}
	}
	return map[string]any{"error": body}
}
