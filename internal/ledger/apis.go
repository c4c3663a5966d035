package ledger

import (
	"net/url"
	"strings"
	"time"
)

// Descriptor is what one ledger API says of itself: the one place the
// provider asks how to configure it, so that adding an API touches this
// package and the stand-in, not the provider's glue.
type Descriptor struct {
	API API
	// Name says what is read, in a sentence: "the gateway's usage log".
	Name string
	// EndpointSuffix is trimmed from the AI endpoint to give the default
	// ledger endpoint ("" keeps the endpoint as it is).
	EndpointSuffix string
	// DefaultWait is ledger_wait's default.
	DefaultWait time.Duration
	// Credential says what ledger_token is for this API and how it is sent,
	// for docs and messages.
	Credential string
	// TokenOptional: no ledger_token is needed (OpenRouter reads its
	// records with the approved key when the key's host is the ledger's).
	TokenOptional bool
	// ApprovedKeyFallback: the approved key may be sent to the ledger, and
	// only to a ledger on the key's own host (OpenRouter alone).
	ApprovedKeyFallback bool
	// NeedsKeyID: ledger_key_id is required (the usage APIs); for the others it
	// is refused.
	NeedsKeyID bool
	// UsesTokenName: ledger_token_name applies (new_api).
	UsesTokenName bool
	// Matching says how the smoke request's record is matched, for docs.
	Matching string
	// VendorHost is the host of the vendor's own API, the one host its admin
	// key belongs to ("" for the gateways and proxies, whose ledger is on
	// the AI endpoint's host).
	VendorHost string
	// Pending: no record within the wait is pending, not not_found: the
	// data arrives minutes late and a refresh reads it again.
	Pending bool
}

// The usage APIs of the vendors themselves.
const (
	OpenAIUsage    API = "openai_usage"    // the OpenAI organization's usage data (section 11)
	AnthropicUsage API = "anthropic_usage" // the Anthropic organization's usage report
)

// Default waits.
const (
	DefaultWait        = 30 * time.Second
	DefaultLiteLLMWait = 90 * time.Second
	// DefaultUsageWait is the usage APIs': their buckets arrive minutes late.
	DefaultUsageWait = 6 * time.Minute
	// PendingLimit is how long a pending record is looked for on refresh,
	// from the run: after it the record is not_found.
	PendingLimit = 24 * time.Hour
)

var descriptors = []Descriptor{
	{
		API: NewAPI, Name: "the gateway's usage log", EndpointSuffix: "/v1", DefaultWait: DefaultWait,
		Credential:    "the gateway's system access token, never the API key; sent as Authorization, with New-Api-User when ledger_user_id is set",
		UsesTokenName: true,
		Matching:      "the row whose request_id is the answer's X-Oneapi-Request-Id; where rows carry none, the one row of the model inside the request's window with the response's tokens",
	},
	{
		API: LiteLLM, Name: "the proxy's spend logs", EndpointSuffix: "/v1", DefaultWait: DefaultLiteLLMWait,
		Credential: "a master or admin key, or the key of the internal user the approved key belongs to; never the approved key itself; sent as a Bearer key",
		Matching:   "the spend row whose request_id is the response body's id or the x-litellm-call-id header",
	},
	{
		API: OpenRouter, Name: "OpenRouter's generation records", EndpointSuffix: "/api/v1", DefaultWait: DefaultWait,
		Credential:    "optional: a key sent as a Bearer key; unset, the approved key, only when the check's endpoint is on the ledger's host",
		TokenOptional: true, ApprovedKeyFallback: true,
		Matching: "the generation record of the response's generation id",
	},
	{
		API: OpenAIUsage, Name: "the OpenAI organization's usage data", DefaultWait: DefaultUsageWait, VendorHost: "api.openai.com",
		Credential: "an organization admin key (sk-admin-…), sent as a Bearer key; never the approved key",
		NeedsKeyID: true, Pending: true,
		Matching: "the 1-minute bucket of ledger_key_id and the model at the send (and the minutes either side): num_model_requests 1 and the response's tokens, or the sum of this provider's smoke requests in that minute",
	},
	{
		API: AnthropicUsage, Name: "the Anthropic organization's usage report", DefaultWait: DefaultUsageWait, VendorHost: "api.anthropic.com",
		Credential: "an admin key (sk-ant-admin…), sent as x-api-key with anthropic-version; never the approved key",
		NeedsKeyID: true, Pending: true,
		Matching: "the 1-minute bucket of ledger_key_id and the model at the send (and the minutes either side): input (uncached + cache creation + cache read) and output tokens equal to the response's, or to the sum of this provider's smoke requests in that minute",
	},
}

// APIs lists every ledger API's descriptor, in the order the docs list them.
func APIs() []Descriptor { return append([]Descriptor(nil), descriptors...) }

// None is ledger_api's default: no ledger is read after a run.
const None API = "none"

// Names lists the APIs' names, as ledger_api takes them.
func Names() []string {
	out := make([]string, len(descriptors))
	for i, d := range descriptors {
		out[i] = string(d.API)
	}
	return out
}

// Describe returns api's descriptor; ok is false for an unknown API.
func Describe(api API) (Descriptor, bool) {
	for _, d := range descriptors {
		if d.API == api {
			return d, true
		}
	}
	return Descriptor{}, false
}

// DefaultEndpoint is the ledger endpoint derived from the AI endpoint.
func (d Descriptor) DefaultEndpoint(endpoint string) string {
	endpoint = strings.TrimRight(endpoint, "/")
	if d.EndpointSuffix == "" {
		return endpoint
	}
	return strings.TrimSuffix(endpoint, d.EndpointSuffix)
}

// SameHost reports whether two base URLs name the same host and port
// (scheme included): a credential of one may go to the other.
func SameHost(a, b string) bool {
	ua, err1 := url.Parse(strings.TrimSpace(a))
	ub, err2 := url.Parse(strings.TrimSpace(b))
	if err1 != nil || err2 != nil || ua.Host == "" {
		return false
	}
	return strings.EqualFold(ua.Scheme, ub.Scheme) && strings.EqualFold(hostPort(ua), hostPort(ub))
}

func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		switch strings.ToLower(u.Scheme) {
		case "https":
			port = "443"
		case "http":
			port = "80"
		}
	}
	return strings.ToLower(u.Hostname()) + ":" + port
}
