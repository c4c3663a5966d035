package provider

import (
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/probe"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/standin"
)

// protocolCase is what one API shape must look like on the wire and in
// state when the same handoff runs on it.
type protocolCase struct {
	basePath   string // endpoint path on the stand-in
	path       string // path the request must reach
	authHeader string
	authPrefix string            // written before the key in authHeader
	headers    map[string]string // other headers the vendor requires
	tokenField []string          // body field that max_output_tokens = 1 maps to
	tokenValue float64
	input      int64
	output     int64
	requestID  *regexp.Regexp // where the id comes from shows in its shape
	errorCode  int64          // status the vendor refuses an invalid key with
}

// authHeaders are every header any protocol carries a key in: a request
// must carry it in its own protocol's header and in no other.
var authHeaders = []string{"Authorization", "x-api-key", "x-goog-api-key"}

// requestIDHeader matches the stand-in's request-id header values; the body
// ids start chatcmpl-, resp_ or msg_, and Gemini's responseId has no prefix.
var (
	requestIDHeader  = regexp.MustCompile(`^req_`)
	geminiResponseID = regexp.MustCompile(`^[A-Z2-7]{26}$`)
)

var protocolCases = map[probe.Protocol]protocolCase{
	probe.OpenAIChat: {
		basePath: "/v1", path: "/v1/chat/completions",
		authHeader: "Authorization", authPrefix: "Bearer ",
		tokenField: []string{"max_tokens"}, tokenValue: 1,
		input: 8, output: 1, requestID: requestIDHeader, errorCode: http.StatusUnauthorized,
	},
	probe.OpenAIResponses: {
		basePath: "/v1", path: "/v1/responses",
		authHeader: "Authorization", authPrefix: "Bearer ",
		// Raised to the Responses API minimum, so more output tokens.
		tokenField: []string{"max_output_tokens"}, tokenValue: probe.ResponsesMinOutputTokens,
		input: 8, output: 16, requestID: requestIDHeader, errorCode: http.StatusUnauthorized,
	},
	probe.AnthropicMessages: {
		basePath: "/v1", path: "/v1/messages",
		authHeader: "x-api-key", headers: map[string]string{"anthropic-version": "2023-06-01"},
		tokenField: []string{"max_tokens"}, tokenValue: 1,
		input: 8, output: 1, requestID: requestIDHeader, errorCode: http.StatusUnauthorized,
	},
	probe.Gemini: {
		basePath: "/v1beta", path: "/v1beta/models/" + testModel + ":generateContent",
		authHeader: "x-goog-api-key",
		tokenField: []string{"generationConfig", "maxOutputTokens"}, tokenValue: 1,
		// Gemini sends no request-id header: the id is the body's responseId,
		// and an invalid key is a 400 with reason API_KEY_INVALID.
		input: 8, output: 1, requestID: geminiResponseID, errorCode: http.StatusBadRequest,
	},
}

func TestAccProtocol_openaiChat(t *testing.T) {
	testProtocol(t, probe.OpenAIChat)
}

func TestAccProtocol_openaiResponses(t *testing.T) {
	testProtocol(t, probe.OpenAIResponses)
}

func TestAccProtocol_anthropicMessages(t *testing.T) {
	testProtocol(t, probe.AnthropicMessages)
}

func TestAccProtocol_gemini(t *testing.T) {
	testProtocol(t, probe.Gemini)
}

// testProtocol runs the same handoff on one API shape: it must proceed with
// the same evidence, and the stand-in must have seen the vendor's request.
func testProtocol(t *testing.T, p probe.Protocol) {
	pc := protocolCases[p]
	e := newTestEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   writeOnlyArguments,
		Steps: []resource.TestStep{{
			Config: e.checkConfig(protocolArguments(e, p)),
			ConfigStateChecks: []statecheck.StateCheck{
				expect("decision", knownvalue.StringExact("proceed")),
				expect("decision_reasons", knownvalue.ListExact(nil)),
				expect("happy_path.result", knownvalue.StringExact("pass")),
				expect("happy_path.category", knownvalue.StringExact("ok")),
				expect("happy_path.status_code", knownvalue.Int64Exact(http.StatusOK)),
				expect("happy_path.input_tokens", knownvalue.Int64Exact(pc.input)),
				expect("happy_path.output_tokens", knownvalue.Int64Exact(pc.output)),
				expect("happy_path.total_tokens", knownvalue.Int64Exact(pc.input+pc.output)),
				expect("happy_path.model", knownvalue.StringExact(testModel)),
				expect("happy_path.request_id", knownvalue.StringRegexp(pc.requestID)),
				expect("error_path.result", knownvalue.StringExact("pass")),
				expect("error_path.category", knownvalue.StringExact("auth_failure")),
				expect("error_path.status_code", knownvalue.Int64Exact(pc.errorCode)),
				expect("evidence_captured", knownvalue.Bool(true)),
			},
			Check: resource.ComposeAggregateTestCheckFunc(
				e.expectAIRequests(2),
				e.expectProtocolRequests(p),
				absentFromState(approvedKey),
			),
		}},
	})
}

// protocolArguments points a check at the stand-in in the given shape.
func protocolArguments(e *testEnv, p probe.Protocol) string {
	return fmt.Sprintf("api_protocol = %q\n  endpoint     = %q", p, e.url+protocolCases[p].basePath)
}

// expectProtocolRequests fails unless every AI request was the protocol's
// request, the happy path's carrying the approved key and the error path's
// another key, each in the protocol's own auth header only.
func (e *testEnv) expectProtocolRequests(p probe.Protocol) func(*terraform.State) error {
	pc := protocolCases[p]
	return func(*terraform.State) error {
		approved := 0
		for _, r := range e.standin.Requests() {
			if err := pc.checkRequest(p, r); err != nil {
				return err
			}
			if r.Header.Get(pc.authHeader) == pc.authPrefix+approvedKey {
				approved++
			}
		}
		if approved != 1 {
			return fmt.Errorf("%d requests carried the approved key in %s, want 1 (the happy path)", approved, pc.authHeader)
		}
		return nil
	}
}

func (pc protocolCase) checkRequest(p probe.Protocol, r standin.Recorded) error {
	if r.Protocol != string(p) || r.Path != pc.path {
		return fmt.Errorf("request was %s at %s, want %s at %s", r.Protocol, r.Path, p, pc.path)
	}
	for _, h := range authHeaders {
		if sent := r.Header.Get(h) != ""; sent != strings.EqualFold(h, pc.authHeader) {
			return fmt.Errorf("%s request: header %s sent = %t", p, h, sent)
		}
	}
	if !strings.HasPrefix(r.Header.Get(pc.authHeader), pc.authPrefix) {
		return fmt.Errorf("%s request: %s lacks the prefix %q", p, pc.authHeader, pc.authPrefix)
	}
	for h, want := range pc.headers {
		if got := r.Header.Get(h); got != want {
			return fmt.Errorf("%s request: header %s = %q, want %q", p, h, got, want)
		}
	}
	return expectBodyField(r.Body, pc.tokenField, pc.tokenValue)
}

// expectBodyField fails unless the JSON body holds want at the field path.
func expectBodyField(body []byte, field []string, want any) error {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("request body is not JSON: %w", err)
	}
	for _, k := range field {
		obj, _ := v.(map[string]any)
		v = obj[k]
	}
	if v != want {
		return fmt.Errorf("request body field %s = %v, want %v", strings.Join(field, "."), v, want)
	}
	return nil
}

func TestAccProtocol_extraBodyJSONReachesTheRequest(t *testing.T) {
	e := newTestEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   writeOnlyArguments,
		Steps: []resource.TestStep{{
			Config: e.checkConfig(`extra_body_json = jsonencode({ max_completion_tokens = 1 })`),
			ConfigStateChecks: []statecheck.StateCheck{
				expect("decision", knownvalue.StringExact("proceed")),
			},
			Check: resource.ComposeAggregateTestCheckFunc(
				e.expectAIRequests(2),
				func(*terraform.State) error {
					for _, r := range e.standin.Requests() {
						// Merged over the default body: the added field is
						// there and the default max_tokens is kept.
						if err := expectBodyField(r.Body, []string{"max_completion_tokens"}, 1.0); err != nil {
							return err
						}
						if err := expectBodyField(r.Body, []string{"max_tokens"}, 1.0); err != nil {
							return err
						}
					}
					return nil
				},
			),
		}},
	})
}

func TestAccProtocol_extraBodyJSONMustBeAnObject(t *testing.T) {
	e := newTestEnv(t)
	var steps []resource.TestStep
	for _, value := range []string{"{nope", "[1]", "null"} {
		steps = append(steps, resource.TestStep{
			Config:   e.checkConfig(fmt.Sprintf("extra_body_json = %q", value)),
			PlanOnly: true,
			// Not JSON at all is refused by jsontypes.Normalized, JSON that is
			// not an object by the provider.
			ExpectError: regexp.MustCompile(`(?s)(Invalid JSON String Value.*not valid JSON|Invalid extra_body_json.*must be a JSON object)`),
		})
	}
	resource.ParallelTest(t, resource.TestCase{ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks: writeOnlyArguments, Steps: steps})
	// ExpectError steps run no Check, so the spend is counted here.
	if n := e.standin.AIRequests(); n != 0 {
		t.Errorf("an invalid extra_body_json sent %d AI requests, want 0", n)
	}
}

func TestAccProtocol_rateLimitedVersusQuota(t *testing.T) {
	t.Parallel()
	refusals := []struct {
		behaviour standin.Behaviour
		category  string
		status    int64
	}{
		{standin.RateLimited, "rate_limited", http.StatusTooManyRequests},
		{standin.QuotaExhausted, "quota_exhausted", http.StatusTooManyRequests},
		{standin.PaymentRequired, "quota_exhausted", http.StatusPaymentRequired},
	}
	for _, name := range probe.ProtocolNames() {
		p := probe.Protocol(name)
		if _, ok := protocolCases[p]; !ok {
			t.Fatalf("protocol %s has no protocolCase", name)
		}
		for _, refusal := range refusals {
			t.Run(name+"/"+string(refusal.behaviour), func(t *testing.T) {
				e := newTestEnv(t)
				e.standin.SetBehaviour(refusal.behaviour)
				resource.ParallelTest(t, resource.TestCase{
					ProtoV6ProviderFactories: e.factories(),
					TerraformVersionChecks:   writeOnlyArguments,
					Steps: []resource.TestStep{{
						Config: e.checkConfig(protocolArguments(e, p) + "\n  enforcement  = \"record\""),
						ConfigStateChecks: []statecheck.StateCheck{
							expect("happy_path.category", knownvalue.StringExact(refusal.category)),
							expect("happy_path.status_code", knownvalue.Int64Exact(refusal.status)),
							expect("happy_path.result", knownvalue.StringExact("fail")),
							expect("decision", knownvalue.StringExact("stop")),
						},
						Check: e.expectAIRequests(2),
					}},
				})
			})
		}
	}
}

func TestAccProtocol_caCertPEM(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		trusted bool
		checks  []statecheck.StateCheck
		sent    int
	}{
		{
			name: "untrusted",
			checks: []statecheck.StateCheck{
				expect("happy_path.category", knownvalue.StringExact("network_error")),
				expect("happy_path.message", knownvalue.StringRegexp(regexp.MustCompile(`certificate`))),
				expect("decision", knownvalue.StringExact("stop")),
			},
			sent: 0, // the handshake failed, so no request reached the API
		},
		{
			name:    "trusted",
			trusted: true,
			checks: []statecheck.StateCheck{
				expect("happy_path.category", knownvalue.StringExact("ok")),
				expect("error_path.category", knownvalue.StringExact("auth_failure")),
				expect("decision", knownvalue.StringExact("proceed")),
			},
			sent: 2,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// Each case has a stand-in of its own, so the requests counted are its own.
			e := newTestEnv(t)
			srv := httptest.NewTLSServer(e.standin)
			t.Cleanup(srv.Close)
			var caPEM string
			if c.trusted {
				caPEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))
			}
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				TerraformVersionChecks:   writeOnlyArguments,
				Steps: []resource.TestStep{{
					Config:            e.tlsCheckConfig(srv.URL, caPEM),
					ConfigStateChecks: c.checks,
					Check:             e.expectAIRequests(c.sent),
				}},
			})
		})
	}
}

// tlsCheckConfig is checkConfig against an https endpoint, trusting caPEM
// when it is not empty. Source pages stay on the plain-http stand-in.
func (e *testEnv) tlsCheckConfig(tlsURL, caPEM string) string {
	caLine := ""
	if caPEM != "" {
		caLine = fmt.Sprintf("ca_cert_pem = %q", caPEM)
	}
	provider := fmt.Sprintf(`
provider "costhandoff" {
  endpoint = %q
  api_key  = %q
  operator = "finops-platform"
  %s
}
`, tlsURL+"/v1", approvedKey, caLine)
	config := e.checkConfig(`enforcement = "record"`)
	if !strings.Contains(config, e.providerBlock("")) {
		e.t.Fatal("checkConfig no longer starts with providerBlock: update tlsCheckConfig")
	}
	return strings.Replace(config, e.providerBlock(""), provider, 1)
}

// The APIs guide lists the request-id headers by hand; it must list every
// one the probe tries, in the order it tries them.
func TestAPIsGuideListsRequestIDHeadersInOrder(t *testing.T) {
	t.Parallel()
	guide, err := os.ReadFile("../../templates/guides/apis-and-gateways.md.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	rest := string(guide)
	for _, h := range append(slices.Clone(probe.GatewayRequestIDHeaders), probe.RequestIDHeaders...) {
		_, after, found := strings.Cut(rest, "| `"+h+"` |")
		if !found {
			t.Fatalf("the guide's request-id table lacks %s, or lists it out of the probe's order (gateway headers first)", h)
		}
		rest = after
	}
}
