package probe

import (
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

// errorEnvelope is the top level of an error body. OpenAI, Anthropic and
// Gemini nest the details under "error"; some gateways send "error" as a
// plain string, or put "message" or "detail" at the top level.
type errorEnvelope struct {
	Error   json.RawMessage `json:"error"`
	Message string          `json:"message"`
	Detail  string          `json:"detail"`
}

// errorObject is the union of the vendors' nested error objects.
type errorObject struct {
	Message string          `json:"message"`
	Type    string          `json:"type"`   // OpenAI, Anthropic
	Code    json.RawMessage `json:"code"`   // OpenAI: a string; Gemini: a number
	Status  string          `json:"status"` // Gemini, e.g. RESOURCE_EXHAUSTED
	Details []struct {
		Reason string `json:"reason"` // Gemini, e.g. API_KEY_INVALID
	} `json:"details"`
}

// vendorError is what an error body says, reduced to what classification needs.
type vendorError struct {
	Message string
	markers string // lowercased type, code, status and reasons: the machine-readable part
	text    string // lowercased markers and message, or the whole body when it is not a JSON object
}

func parseVendorError(body []byte) vendorError {
	var envelope errorEnvelope
	if !decodeJSONObject(body, &envelope) {
		return vendorError{text: strings.ToLower(string(body))}
	}
	return envelope.vendorError()
}

func (e errorEnvelope) vendorError() vendorError {
	var obj errorObject
	if json.Unmarshal(e.Error, &obj.Message) != nil {
		// Not a string, so an object (or junk): fields of the wrong type stay empty.
		_ = json.Unmarshal(e.Error, &obj)
	}
	parts := []string{obj.Type, jsonText(obj.Code), obj.Status}
	for _, d := range obj.Details {
		parts = append(parts, d.Reason)
	}
	markers := strings.ToLower(strings.TrimSpace(strings.Join(parts, " ")))
	message := cmp.Or(obj.Message, e.Message, e.Detail)
	return vendorError{Message: message, markers: markers, text: markers + " " + strings.ToLower(message)}
}

// errorField is the envelope's "error" field alone, ignoring top-level
// message fields that success bodies may legitimately carry.
func (e errorEnvelope) errorField() vendorError {
	return errorEnvelope{Error: e.Error}.vendorError()
}

func (v vendorError) present() bool { return strings.TrimSpace(v.text) != "" }

func (v vendorError) saysQuotaExhausted() bool {
	// OpenAI's rate-limit message mentions billing; its code says what it is.
	return !strings.Contains(v.markers, "rate_limit") && containsAny(v.text, "quota", "credit", "billing")
}

// gatewayRefusals are what the one-api / new-api gateway family says when it
// refuses a request for a reason other than the key (DESIGN.md, The one-api / new-api gateway family): a
// marker in the code or the message, with the statuses it comes with.
// Disabled, expired and unknown tokens are not here: they are auth failures,
// as their status says.
var gatewayRefusals = []struct {
	marker   string // lower-case
	statuses []int
	category Category
}{
	// The token's quota is used up: "该令牌额度已用尽" on the first refusal,
	// "令牌 <name>（#<id>）额度已用尽" once one-api has marked the token
	// exhausted, whatever the token's name.
	{"额度已用尽", authStatuses, CategoryQuotaExhausted},
	{"insufficient_user_quota", authStatuses, CategoryQuotaExhausted}, // the user's quota (one-api code)
	{"用户额度不足", authStatuses, CategoryQuotaExhausted},                  // the user's quota (new-api)
	{"该令牌无权使用模型", authStatuses, CategoryModelUnavailable},             // the token may not use the model (one-api)
	{"该令牌无权访问模型", authStatuses, CategoryModelUnavailable},             // the same, new-api
	{"无可用渠道", noRouteStatuses, CategoryModelUnavailable},              // no channel for the model
	{"model_not_found", noRouteStatuses, CategoryModelUnavailable},    // no channel (new-api), no such model (OpenAI)
	{"model_price_error", noRouteStatuses, CategoryModelUnavailable},  // no price set for the model
}

var (
	authStatuses    = []int{http.StatusUnauthorized, http.StatusForbidden}
	noRouteStatuses = []int{http.StatusNotFound, http.StatusInternalServerError, http.StatusServiceUnavailable}
)

// saysGatewayRefusal is the category of a gateway refusal, when the answer
// is one.
func (v vendorError) saysGatewayRefusal(status int) (Category, bool) {
	for _, r := range gatewayRefusals {
		if slices.Contains(r.statuses, status) && strings.Contains(v.text, r.marker) {
			return r.category, true
		}
	}
	return "", false
}

func (v vendorError) saysModel() bool {
	return strings.Contains(v.text, "model")
}

func (v vendorError) saysCreditsExhausted() bool {
	return containsAny(v.text, "credit balance is too low")
}

func (v vendorError) saysKeyInvalid() bool {
	return containsAny(v.text, "api_key_invalid", "api key not valid", "invalid api key", "invalid_api_key", "incorrect api key")
}

// describe is the human part of the message: the vendor's own words, else a
// plain-text body, else the status text. HTML pages are not quoted.
func (v vendorError) describe(status int, body []byte) string {
	if v.Message != "" {
		return v.Message
	}
	text := strings.TrimSpace(string(body))
	if text != "" && !strings.HasPrefix(text, "<") && !strings.HasPrefix(text, "{") {
		return text
	}
	return cmp.Or(http.StatusText(status), "no description")
}

// jsonText renders a JSON string as its content and any other value as written.
func jsonText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

func containsAny(s string, substrings ...string) bool {
	for _, sub := range substrings {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
