package probe

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"time"
)

// GatewayRequestIDHeaders are the response headers where a gateway puts its
// own id, the one its usage log keeps: one-api and new-api send
// X-Oneapi-Request-Id on every answer.
var GatewayRequestIDHeaders = []string{
	"x-oneapi-request-id", // one-api, new-api and their forks
}

// RequestIDHeaders are the response headers that may carry the vendor's
// request id, in the order they are tried: the API's own id before a
// proxy's, and Cloudflare's cf-ray (which names an edge hop, not the API
// call) last.
var RequestIDHeaders = []string{
	"x-request-id",      // OpenAI and most OpenAI-compatible gateways
	"request-id",        // Anthropic
	"apim-request-id",   // Azure OpenAI (API Management)
	"x-ms-request-id",   // Azure
	liteLLMCallIDHeader, // LiteLLM proxy
	"x-amzn-requestid",  // AWS API Gateway, Bedrock
	"cf-ray",            // Cloudflare
}

// gatewayIDInMessage is how a one-api / new-api gateway ends an error
// message: "(request id: <id>)".
var gatewayIDInMessage = regexp.MustCompile(`\(request id: ([^()\s]+)\)\s*$`)

// responseFacts is what a response says about itself.
type responseFacts struct {
	RequestID         string // the id the account's own log shows
	UpstreamRequestID string // the vendor's id a gateway passed through
	Model             string // empty when the response names none
	Usage             Usage
	ledgerKeys
}

// ledgerKeys are what an account's ledger looks the request up by.
type ledgerKeys struct {
	ServerDate   time.Time
	BodyID       string
	CallID       string
	GenerationID string
}

// Headers the ledgers key their records by.
const (
	liteLLMCallIDHeader     = "x-litellm-call-id"
	openRouterGenerationHdr = "x-generation-id"
)

// parseResponse reads the request ids, model and usage from a response. It
// never fails: whatever is missing or malformed is left empty.
func (s protocolSpec) parseResponse(header http.Header, body []byte) responseFacts {
	var fields map[string]json.RawMessage
	decodeJSONObject(body, &fields)
	facts := responseFacts{
		Model: firstStringField(fields, s.modelField),
		Usage: s.usage.parse(fields[s.usage.object]),
		ledgerKeys: ledgerKeys{
			BodyID:       firstStringField(fields, s.idFields...),
			CallID:       header.Get(liteLLMCallIDHeader),
			GenerationID: header.Get(openRouterGenerationHdr),
		},
	}
	if d, err := http.ParseTime(header.Get("Date")); err == nil {
		facts.ServerDate = d
	}
	vendorHeader := firstHeader(header, RequestIDHeaders)
	if gateway := cmp.Or(firstHeader(header, GatewayRequestIDHeaders), gatewayIDOf(body)); gateway != "" {
		facts.RequestID, facts.UpstreamRequestID = gateway, vendorHeader
		return facts
	}
	facts.RequestID = cmp.Or(vendorHeader, facts.BodyID)
	return facts
}

// firstHeader is the first of names present in header.
func firstHeader(header http.Header, names []string) string {
	for _, name := range names {
		if id := header.Get(name); id != "" {
			return id
		}
	}
	return ""
}

// gatewayIDOf is the id a gateway's refusal names at the end of its message.
func gatewayIDOf(body []byte) string {
	m := gatewayIDInMessage.FindStringSubmatch(parseVendorError(body).Message)
	if m == nil {
		return ""
	}
	return m[1]
}

// firstStringField returns the first of names that holds a non-empty string.
func firstStringField(fields map[string]json.RawMessage, names ...string) string {
	for _, name := range names {
		var s string
		if json.Unmarshal(fields[name], &s) == nil && s != "" {
			return s
		}
	}
	return ""
}

func (u usageFields) parse(raw json.RawMessage) Usage {
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil || fields == nil {
		return Usage{}
	}
	usage := Usage{Found: true, OutputTokens: intField(fields, u.output)}
	for _, name := range u.input {
		usage.InputTokens += intField(fields, name)
	}
	usage.TotalTokens = usage.InputTokens + usage.OutputTokens
	if _, reported := fields[u.total]; reported && u.total != "" {
		usage.TotalTokens = intField(fields, u.total)
	}
	return usage
}

// intField reads an integer field; anything else counts as zero.
func intField(fields map[string]json.RawMessage, name string) int64 {
	var n int64
	if json.Unmarshal(fields[name], &n) != nil {
		return 0
	}
	return n
}

// decodeJSONObject decodes body into v and reports whether body is a JSON
// object. Fields of an unexpected type are tolerated (left zero), because
// vendors and gateways add and vary fields; malformed JSON is not.
func decodeJSONObject(body []byte, v any) bool {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return false
	}
	err := json.Unmarshal(trimmed, v)
	var typeErr *json.UnmarshalTypeError
	return err == nil || errors.As(err, &typeErr)
}
