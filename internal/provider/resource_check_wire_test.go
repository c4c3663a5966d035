package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/probe"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/standin"
)

// The tests of this file assert on what the stand-in saw on the wire (how
// many requests carried each key, over which protocol), not only on what
// the provider recorded.

// invalidKey is the error path's key where a test needs to count it.
const invalidKey = "sk-test-standin-invalid-0001"

// sawPerKey fails unless the stand-in saw exactly n requests with each key.
func (e *testEnv) sawPerKey(n int, keys ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for _, k := range keys {
			if got := e.standin.RequestsWithKey(k); got != n {
				return fmt.Errorf("the stand-in saw %d requests with the %s key, want %d", got, keyName(k), n)
			}
		}
		return nil
	}
}

func keyName(k string) string {
	if k == invalidKey {
		return "invalid"
	}
	return "approved"
}

// sawProto fails unless every AI request reached the stand-in over proto.
func (e *testEnv) sawProto(proto string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for _, r := range e.standin.Requests() {
			if r.Proto != proto {
				return fmt.Errorf("a request came over %s, want %s", r.Proto, proto)
			}
		}
		return nil
	}
}

// Over TLS the probe speaks HTTP/2, and a refused stream, a protocol-error
// reset or a GOAWAY fails that path after exactly one request: Go's
// transport would resend a rewindable body, thousands of times against a
// server that keeps refusing.
func TestAccWire_http2RefusalsAreNeverResent(t *testing.T) {
	t.Parallel()
	cases := []struct {
		behaviour standin.Behaviour
		category  string
	}{
		{standin.Normal, "ok"},
		{standin.H2RefusedStream, "network_error"},
		{standin.H2ProtocolReset, "network_error"},
		{standin.H2GoAway, "network_error"},
	}
	for _, tc := range cases {
		t.Run(string(tc.behaviour), func(t *testing.T) {
			e := newTestEnv(t)
			e.standin.SetBehaviour(tc.behaviour)
			tlsURL, caPEM, stop := e.standin.StartTLS()
			t.Cleanup(stop)
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				TerraformVersionChecks:   writeOnlyArguments,
				Steps: []resource.TestStep{{
					Config: e.tlsCheckConfig(tlsURL, caPEM),
					ConfigStateChecks: []statecheck.StateCheck{
						expect("happy_path.category", knownvalue.StringExact(tc.category)),
						expect("happy_path.attempts", knownvalue.Int64Exact(1)),
						expect("error_path.attempts", knownvalue.Int64Exact(1)),
					},
					Check: resource.ComposeAggregateTestCheckFunc(
						e.expectAIRequests(2), e.sawPerKey(1, approvedKey), e.sawProto("HTTP/2.0"),
					),
				}},
			})
		})
	}
}

// A response header of 8 MiB is cut off at the provider's bound, over
// HTTP/1.1 and HTTP/2, after one request per path.
func TestAccWire_hugeHeaderBounded(t *testing.T) {
	t.Parallel()
	for _, proto := range []string{"HTTP/1.1", "HTTP/2.0"} {
		t.Run(proto, func(t *testing.T) {
			e := newTestEnv(t)
			e.standin.SetBehaviour(standin.HugeHeader)
			config := e.checkConfig(recordOnly)
			if proto == "HTTP/2.0" {
				tlsURL, caPEM, stop := e.standin.StartTLS()
				t.Cleanup(stop)
				config = e.tlsCheckConfig(tlsURL, caPEM)
			}
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				TerraformVersionChecks:   writeOnlyArguments,
				Steps: []resource.TestStep{{
					Config: config,
					ConfigStateChecks: []statecheck.StateCheck{
						expect("happy_path.category", knownvalue.StringExact("network_error")),
						expect("happy_path.attempts", knownvalue.Int64Exact(1)),
						expect("decision", knownvalue.StringExact("stop")),
					},
					Check: resource.ComposeAggregateTestCheckFunc(e.sawPerKey(1, approvedKey), e.sawProto(proto)),
				}},
			})
		})
	}
}

// Behind a one-api / new-api gateway, request_id is the gateway's own id
// (the one its usage log holds) and upstream_request_id the vendor's; a
// refusal carries the gateway's id too.
func TestAccWire_gatewayRequestIDs(t *testing.T) {
	t.Parallel()
	gatewayID := knownvalue.StringRegexp(regexp.MustCompile(`^\d{20,}([A-Za-z0-9]{8})?$`))
	for _, gw := range []standin.Gateway{standin.GatewayOneAPI, standin.GatewayNewAPI} {
		t.Run(string(gw), func(t *testing.T) {
			e := newTestEnvWith(t, standin.Options{APIKeys: []string{approvedKey}, Gateway: gw})
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				TerraformVersionChecks:   writeOnlyArguments,
				Steps: []resource.TestStep{{
					Config: e.checkConfig(""),
					ConfigStateChecks: []statecheck.StateCheck{
						expect("decision", knownvalue.StringExact("proceed")),
						expect("happy_path.request_id", gatewayID),
						expect("happy_path.upstream_request_id", knownvalue.StringRegexp(regexp.MustCompile(`^req_`))),
						expect("error_path.category", knownvalue.StringExact("auth_failure")),
						expect("error_path.request_id", gatewayID),
						expect("error_path.upstream_request_id", knownvalue.Null()),
						expect("log", allOf(`(?m)^request_id: \d{20,}([A-Za-z0-9]{8})?$`, `(?m)^upstream_request_id: req_\w+$`)),
					},
					Check: e.sawPerKey(1, approvedKey),
				}},
			})
		})
	}
}

// A gateway's own refusals are named for what they are: a token's or a
// user's quota used up is quota_exhausted, not an authentication failure;
// no channel, no price or a token barred from the model is
// model_unavailable, not a server error. The gateway checks the key first,
// so the invalid key is still refused as an authentication failure.
func TestAccWire_gatewayRefusalsNamed(t *testing.T) {
	t.Parallel()
	cases := []struct {
		behaviour standin.Behaviour
		category  string
		status    int64
	}{
		{standin.GatewayTokenQuota, "quota_exhausted", 401},
		{standin.GatewayUserQuota, "quota_exhausted", 403},
		{standin.GatewayNoChannel, "model_unavailable", 503},
		{standin.GatewayNoPrice, "model_unavailable", 500},
		{standin.GatewayModelDenied, "model_unavailable", 403},
	}
	for _, gw := range []standin.Gateway{standin.GatewayOneAPI, standin.GatewayNewAPI} {
		for _, tc := range cases {
			t.Run(string(gw)+"/"+string(tc.behaviour), func(t *testing.T) {
				e := newTestEnvWith(t, standin.Options{APIKeys: []string{approvedKey}, Gateway: gw, Behaviour: tc.behaviour})
				resource.ParallelTest(t, resource.TestCase{
					ProtoV6ProviderFactories: e.factories(),
					TerraformVersionChecks:   writeOnlyArguments,
					Steps: []resource.TestStep{{
						Config: e.checkConfig(recordOnly),
						ConfigStateChecks: []statecheck.StateCheck{
							expect("happy_path.category", knownvalue.StringExact(tc.category)),
							expect("happy_path.status_code", knownvalue.Int64Exact(tc.status)),
							expect("happy_path.request_id", knownvalue.StringRegexp(regexp.MustCompile(`^\d{20,}([A-Za-z0-9]{8})?$`))),
							expect("error_path.result", knownvalue.StringExact("pass")),
							expect("decision_reasons", strs("happy_path_failed")),
						},
					}},
				})
			})
		}
	}
}

// A key written sk-<token>-<n> is the token pinned to channel n. The
// generated invalid key keeps at most the public prefix, so the gateway
// refuses it as an invalid token instead of reading it as the real token on
// another channel (400 invalid channel id, or on a lucky draw an accepted,
// billed request).
func TestAccWire_generatedInvalidKeyIsRefusedByAGateway(t *testing.T) {
	const token, pinned = "sk-test-gwtoken7Hq2", "sk-test-gwtoken7Hq2-1"
	e := newTestEnvWith(t, standin.Options{APIKeys: []string{token}, Gateway: standin.GatewayOneAPI})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   writeOnlyArguments,
		Steps: []resource.TestStep{{
			Config: e.checkConfig(fmt.Sprintf("api_key_wo = %q\n  api_key_wo_version = 1", pinned)),
			ConfigStateChecks: []statecheck.StateCheck{
				expect("happy_path.category", knownvalue.StringExact("ok")),
				expect("error_path.category", knownvalue.StringExact("auth_failure")),
				expect("error_path.status_code", knownvalue.Int64Exact(401)),
				expect("decision", knownvalue.StringExact("proceed")),
			},
			Check: func(*terraform.State) error {
				for _, r := range e.standin.Requests() {
					if r.Key == pinned {
						continue
					}
					for i := 0; i+4 <= len(pinned)-len("sk-"); i++ {
						if part := pinned[len("sk-")+i : len("sk-")+i+4]; strings.Contains(r.Key, part) {
							return fmt.Errorf("the invalid key shares %q with the approved key's secret part", part)
						}
					}
					return nil
				}
				return fmt.Errorf("no request with another key than the approved one")
			},
		}},
	})
}

// Every stored field of both paths is scrubbed of both keys, as sent and
// as a server echoes them trimmed, whatever the keys look like: gateway
// tokens without a vendor prefix and Google keys included. The error
// path's answer echoes the APPROVED key here, which a path scrubbing only
// its own key let into state.
func TestAccWire_echoedKeysNeverStored(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, key string
		behaviour standin.Behaviour
		protocol  probe.Protocol
	}{
		{"approved key echoed to the error path", approvedKey, standin.EchoApprovedKey, probe.OpenAIChat},
		{"prefix-less gateway token echoed to the error path", "8f3c9a71d2e64b0fa5c1e9d7b3a2f6c4", standin.EchoApprovedKey, probe.OpenAIChat},
		{"Google key echoed to the error path", "AIzaSyTestStandinFakeKey0123456789abcd", standin.EchoApprovedKey, probe.Gemini},
		{"short key echoed to the error path", "k9Xq2mWz", standin.EchoApprovedKey, probe.OpenAIChat},
		{"key with a trailing space echoed trimmed", approvedKey + " ", standin.EchoTrimmedKey, probe.OpenAIChat},
		{"each path's key echoed back", "8f3c9a71d2e64b0fa5c1e9d7b3a2f6c4", standin.EchoKey, probe.OpenAIChat},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnvWith(t, standin.Options{APIKeys: []string{strings.TrimSpace(tc.key)}, Behaviour: tc.behaviour})
			args := fmt.Sprintf("api_key_wo = %q\n  api_key_wo_version = 1\n  invalid_api_key_wo = %q\n  api_protocol = %q\n  %s",
				tc.key, invalidKey, tc.protocol, recordOnly)
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				TerraformVersionChecks:   writeOnlyArguments,
				Steps: []resource.TestStep{{
					Config: e.checkConfig(args),
					ConfigStateChecks: []statecheck.StateCheck{
						expect("error_path.message", knownvalue.StringRegexp(regexp.MustCompile(`\[redacted\]`))),
					},
					// [redacted] in the message shows the stand-in did echo a key.
					Check: absentFromState(strings.TrimSpace(tc.key), invalidKey),
				}},
			})
		})
	}
}

// An endpoint that refuses every key (a wrong api_protocol, a missing
// header, a revoked key) makes the error path inconclusive, not a pass;
// an endpoint that cannot be reached is reported as such, never as an
// accepted invalid key.
func TestAccWire_errorPathInconclusiveOrUnreachable(t *testing.T) {
	t.Parallel()
	t.Run("revoked approved key", func(t *testing.T) {
		e := newTestEnv(t)
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: e.factories(),
			TerraformVersionChecks:   writeOnlyArguments,
			Steps: []resource.TestStep{{
				Config: e.checkConfig(`api_key_wo = "sk-test-revoked-0000"
  api_key_wo_version = 1`),
				ExpectError: regexp.MustCompile(`(?s)refused both keys.*proves nothing about key enforcement`),
			}},
		})
	})
	t.Run("state of a revoked approved key", func(t *testing.T) {
		e := newTestEnv(t)
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: e.factories(),
			TerraformVersionChecks:   writeOnlyArguments,
			Steps: []resource.TestStep{{
				Config: e.checkConfig("api_key_wo = \"sk-test-revoked-0000\"\n  api_key_wo_version = 1\n  " + recordOnly),
				ConfigStateChecks: []statecheck.StateCheck{
					expect("happy_path.category", knownvalue.StringExact("auth_failure")),
					expect("error_path.category", knownvalue.StringExact("auth_failure")),
					expect("error_path.result", knownvalue.StringExact("inconclusive")),
					expect("decision_reasons", strs("happy_path_failed")),
					expect("log", logHas("error_path_result: inconclusive")),
				},
			}},
		})
	})
	t.Run("endpoint down", func(t *testing.T) {
		e := newTestEnv(t)
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: e.factories(),
			TerraformVersionChecks:   writeOnlyArguments,
			Steps: []resource.TestStep{{
				Config:      e.checkConfig(`endpoint = "http://127.0.0.1:1/v1"`),
				ExpectError: regexp.MustCompile(`(?s)could not be reached`),
			}},
		})
	})
}
