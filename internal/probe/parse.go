package probe

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strconv"
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

// MaxTokenCount is the largest token count taken as evidence: 2^53, the
// largest integer that every JSON reader, Terraform's numbers included,
// holds exactly. No single request comes near it; a count beyond it, like
// a negative, fractional or non-numeric one, is a server's error, and
// storing it wrapped or zeroed would be false evidence.
const MaxTokenCount = 1 << 53

// parse reads the usage object raw. A usage object that is absent or null
// is no usage; one holding a count that is not a whole number between 0
// and MaxTokenCount (or whose counts add up past it) is refused as a whole:
// no counts, Found false, and Invalid says why. Counts are never wrapped,
// rounded or zeroed.
func (u usageFields) parse(raw json.RawMessage) Usage {
	if len(raw) == 0 || string(raw) == "null" {
		return Usage{}
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil || fields == nil {
		return Usage{Invalid: u.object + " is not an object"}
	}
	usage := Usage{Found: true}
	var err error
	count := func(name string) int64 {
		n, e := tokenCount(fields, name)
		err = cmp.Or(err, e)
		return n
	}
	usage.OutputTokens = count(u.output)
	for _, name := range u.input {
		usage.InputTokens += count(name)
	}
	usage.TotalTokens = usage.InputTokens + usage.OutputTokens
	if err == nil && usage.TotalTokens > MaxTokenCount {
		err = fmt.Errorf("the counts add up to %d, more than %d", usage.TotalTokens, int64(MaxTokenCount))
	}
	if _, reported := fields[u.total]; reported && u.total != "" {
		usage.TotalTokens = count(u.total)
	}
	if err != nil {
		return Usage{Invalid: err.Error()}
	}
	return usage
}

// tokenCount reads the count field name of a usage object: 0 when it is
// absent or null, an error naming the field when it is not a whole number
// between 0 and MaxTokenCount. A whole number written with a fraction or an
// exponent (8.0, 1e3) is that number.
func tokenCount(fields map[string]json.RawMessage, name string) (int64, error) {
	raw, ok := fields[name]
	if !ok || string(raw) == "null" {
		return 0, nil
	}
	var num json.Number
	// A quoted number ("8") decodes into a json.Number too: it is a string.
	if raw = bytes.TrimSpace(raw); raw[0] == '"' || json.Unmarshal(raw, &num) != nil {
		return 0, fmt.Errorf("%s is not a number", name)
	}
	literal := string(num)
	if len(literal) > 24 {
		literal = literal[:24] + "…"
	}
	outOfRange := fmt.Errorf("%s %s is out of range (0 to %d)", name, literal, int64(MaxTokenCount))
	if n, err := strconv.ParseInt(string(num), 10, 64); err == nil {
		if n < 0 || n > MaxTokenCount {
			return 0, outOfRange
		}
		return n, nil
	}
	f, err := strconv.ParseFloat(string(num), 64)
	switch {
	case err != nil, f < 0, f > MaxTokenCount:
		return 0, outOfRange
	case f != math.Trunc(f):
		return 0, fmt.Errorf("%s %s is not a whole number", name, literal)
	}
	return int64(f), nil
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
