package provider

// Acceptance tests of the security model against a hostile endpoint and
// hostile input: keys echoed split by invisible and control characters
// never reach state, and values that would hide a placeholder, hang the
// provider or reach a terminal raw are refused at plan.

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/sanitize/leakcheck"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/standin"
)

// leakedRun is the first run of leakcheck.Window characters of secret (or
// secret itself, when shorter) that text holds in the checker's view
// (decoded, folded, skeletonised; reversed, hex and base64 too); "" when
// none. The checker does not use the provider's sanitiser, so it can find
// what that misses.
func leakedRun(text, secret string) string { return leakcheck.Find(text, secret) }

// noRunInState fails when any attribute of any resource holds a run of a
// secret, however split.
func noRunInState(secrets ...string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		for addr, rs := range s.RootModule().Resources {
			for k, v := range rs.Primary.Attributes {
				for i, secret := range secrets {
					if leakedRun(v, secret) != "" {
						return fmt.Errorf("%s.%s holds part of credential %d", addr, k, i)
					}
				}
			}
		}
		return nil
	}
}

func TestLeakedRun(t *testing.T) {
	const key = "sk-test-0123456789abcdef"
	tests := []struct {
		text string
		leak bool
	}{
		{"nothing here", false},
		{"[redacted]", false},
		{key, true},
		{strings.Join(strings.Split(key, ""), "\u200b"), true},
		{strings.Join(strings.Split(key, ""), "\x01"), true},
		{"x " + key[10:18] + " y", true},
		{"x " + key[10:17] + " y", false},
		{"x " + strings.Join(strings.Split(key, ""), `\u200b`) + " y", true},
	}
	for _, tt := range tests {
		if got := leakedRun(tt.text, key) != ""; got != tt.leak {
			t.Errorf("leakedRun(%q) found %v, want %v", tt.text, got, tt.leak)
		}
	}
}

// Both paths' answers hold both keys, split by U+200B every three bytes or
// by U+0001 between characters: in the 401's message, and as the 200's
// model and body id (with no request-id header, so the body id is the
// request id). The message keeps all but the keys; the model and the
// request id, identifiers no longer in their shape, are stored as digests.
func TestAccSecurity_splitEchoesScrubbed(t *testing.T) {
	const invalidKey = "sk-test-hostile-disabled-0002"
	for _, behaviour := range []standin.Behaviour{standin.EchoSplitFormat, standin.EchoSplitControl} {
		t.Run(string(behaviour), func(t *testing.T) {
			e := newTestEnv(t)
			e.standin.SetBehaviour(behaviour)
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				TerraformVersionChecks:   writeOnlyArguments,
				Steps: []resource.TestStep{{
					Config: e.checkConfig(fmt.Sprintf("invalid_api_key_wo = %q\n  %s", invalidKey, recordOnly)),
					ConfigStateChecks: []statecheck.StateCheck{
						expect("happy_path.category", knownvalue.StringExact("ok")),
						expect("happy_path.model", knownvalue.StringRegexp(storedDigest)),
						expect("happy_path.request_id", knownvalue.StringRegexp(storedDigest)),
						expect("error_path.category", knownvalue.StringExact("auth_failure")),
						expect("error_path.message", knownvalue.StringExact(
							"HTTP 401: Incorrect API key provided: [redacted] (the approved key is [redacted]). You can find your API key in your account settings.")),
						expect("log", knownvalue.StringRegexp(regexp.MustCompile(`(?m)^model: sha256:[0-9a-f]{16}$`))),
						expect("log", knownvalue.StringRegexp(regexp.MustCompile(`(?m)^request_id: sha256:[0-9a-f]{16}$`))),
					},
					Check: resource.ComposeAggregateTestCheckFunc(
						e.expectHappyKey(approvedKey),
						e.expectAIRequests(2),
						noRunInState(approvedKey, invalidKey),
					),
				}},
			})
		})
	}
}

// A server that answers with a raw status line or header line carrying
// both keys split by U+200B or U+0001, which Go's client quotes into its
// error as \u200b and \x01 (issue 27, item 1), or that echoes both keys
// encoded (percent, entities, \u escapes, fullwidth, mathematical bold,
// look-alikes, base64, reversed and split), gets no 8-character run of
// either into state, through the whole plugin-testing cycle (plan, apply,
// refresh, plan).
func TestAccSecurity_transportErrorsAndEncodingsScrubbed(t *testing.T) {
	const invalidKey = "sk-test-hostile-Wq4Zp8Lx-0003"
	cases := []struct {
		behaviour standin.Behaviour
		checks    []statecheck.StateCheck
	}{
		{standin.EchoStatusLine, []statecheck.StateCheck{
			expect("happy_path.category", knownvalue.StringExact("network_error")),
			expect("happy_path.message", knownvalue.StringRegexp(regexp.MustCompile(`malformed HTTP status code "X\[redacted\]"$`))),
			expect("error_path.message", knownvalue.StringRegexp(regexp.MustCompile(`malformed HTTP status code "X\[redacted\]"$`))),
		}},
		{standin.EchoHeaderLine, []statecheck.StateCheck{
			expect("happy_path.category", knownvalue.StringExact("network_error")),
			expect("error_path.message", knownvalue.StringRegexp(regexp.MustCompile(`malformed MIME header line: "Location: \[redacted\]"$`))),
		}},
		{standin.EchoEncoded, []statecheck.StateCheck{
			expect("happy_path.category", knownvalue.StringExact("ok")),
			expect("happy_path.model", knownvalue.StringRegexp(storedDigest)),
			expect("happy_path.request_id", knownvalue.StringRegexp(storedDigest)),
			expect("error_path.category", knownvalue.StringExact("auth_failure")),
			expect("error_path.message", knownvalue.StringRegexp(regexp.MustCompile(`^HTTP 401: Incorrect API key provided: (\[redacted\] ?)+\(the approved key is (\[redacted\] ?)+\)\. You can find`))),
		}},
		// The approved key sk-test-Rk4Qz8Wv2Nm7Xc5Jb9Lt cut in pieces of 7
		// (-Rk4Qz8 as the model, Wv2Nm7X as X-Request-Id, c5Jb9Lt as the
		// gateway's id): each alone is short of the window, and together
		// they are 21 characters of the key, so all three are digests.
		{standin.EchoPieces, []statecheck.StateCheck{
			expect("happy_path.category", knownvalue.StringExact("ok")),
			expect("happy_path.model", knownvalue.StringRegexp(storedDigest)),
			expect("happy_path.upstream_request_id", knownvalue.StringRegexp(storedDigest)),
			expect("happy_path.request_id", knownvalue.StringRegexp(storedDigest)),
		}},
	}
	for _, tc := range cases {
		t.Run(string(tc.behaviour), func(t *testing.T) {
			e := newTestEnv(t)
			e.standin.SetBehaviour(tc.behaviour)
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				TerraformVersionChecks:   writeOnlyArguments,
				Steps: []resource.TestStep{{
					Config:            e.checkConfig(fmt.Sprintf("invalid_api_key_wo = %q\n  %s", invalidKey, recordOnly)),
					ConfigStateChecks: tc.checks,
					Check:             noRunInState(approvedKey, invalidKey),
				}},
			})
		})
	}
}

// storedDigest is how an identifier not in its shape is stored.
var storedDigest = regexp.MustCompile(`^sha256:[0-9a-f]{16}$`)

// A placeholder hidden by an invisible character that is not a format
// character, or written in compatibility characters or with combining
// marks (issue 27, item 9), is still a placeholder.
func TestAccSecurity_invisiblePlaceholdersRefused(t *testing.T) {
	cases := []struct{ name, value, want string }{
		{"combining grapheme joiner", `TBD\u034f`, `owner_tag is a placeholder`},
		{"variation selector", `TBD\ufe0f`, `owner_tag is a placeholder`},
		{"Hangul filler", `\u3164`, `owner_tag holds only invisible characters`},
		{"fullwidth", `ＴＢＤ`, `owner_tag is a placeholder`},
		{"struck through", `T\u0336B\u0336D\u0336`, `owner_tag is a placeholder`},
		{"mathematical bold", `𝐓𝐁𝐃`, `owner_tag is a placeholder`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			config := strings.Replace(e.checkConfig(""), `owner_tag    = "team-search"`, `owner_tag    = "`+tc.value+`"`, 1)
			e.refusedAtPlan(t, config, tc.want)
		})
	}
}

// A 16 KiB key, wherever it is given, is refused at plan (it once hung the
// apply drawing an invalid key) within a bounded time, naming where it came
// from; and an invalid key that is the approved one is refused as such.
func TestAccSecurity_keysRefused(t *testing.T) {
	long := "sk-test-" + strings.Repeat("Ab3Ab3Ab3Ab3Ab3Ab3", 910)
	// The same key as an expression, so that Terraform's quote of the
	// configuration in the diagnostic stays short.
	longHCL := `"sk-test-${join("", [for i in range(910) : "Ab3Ab3Ab3Ab3Ab3Ab3"])}"`
	cases := []struct {
		name, provider, check, want string
		env                         map[string]string
	}{
		{"api_key_wo", "", "api_key_wo = " + longHCL + "\n  api_key_wo_version = 1", `api_key_wo is 16388 bytes long; a key is at most\s+1024 bytes`, nil},
		{"invalid_api_key_wo", "", "invalid_api_key_wo = " + longHCL, `invalid_api_key_wo is 16388 bytes long; a key is at\s+most 1024 bytes`, nil},
		{"provider api_key", "api_key = " + longHCL, "", `api_key is 16388 bytes long`, nil},
		{"COSTHANDOFF_API_KEY", "", "", `api_key is 16388 bytes long.*` + EnvAPIKey, map[string]string{EnvAPIKey: long}},
		{"invalid key is the approved key", "", fmt.Sprintf("invalid_api_key_wo = %q", approvedKey), `invalid_api_key_wo is the same key as the approved key`, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			for k, v := range tc.env {
				e.env[k] = v
			}
			config := e.checkConfig(tc.check)
			if tc.provider != "" || tc.env != nil {
				// The provider block without its own api_key, so that the one
				// under test is the one used.
				config = strings.Replace(config, fmt.Sprintf("api_key  = %q", approvedKey), tc.provider, 1)
			}
			start := time.Now()
			e.refusedAtPlan(t, config, tc.want)
			if took := time.Since(start); took > time.Minute {
				t.Errorf("took %s", took)
			}
		})
	}
}

// The provider's operator, from the configuration or COSTHANDOFF_OPERATOR,
// and source kinds meet the same text rules as the resource's values.
func TestAccSecurity_escapedTextRefused(t *testing.T) {
	escaped := "finops\x1b[2K\nplatform"
	cases := []struct {
		name, from, to, want string
		env                  map[string]string
	}{
		{"COSTHANDOFF_OPERATOR with escapes", `operator = "finops-platform"`, "", `operator holds control characters; remove them.*` + EnvOperator, map[string]string{EnvOperator: escaped}},
		{"provider operator too long", `operator = "finops-platform"`, `operator = "` + strings.Repeat("o", 257) + `"`, `operator is 257 characters long; at most 256 are\s+allowed`, nil},
		{"source kind with an escape", "    pricing =", `    "pri\u001bcing" =`, `source kind "pri\\x1bcing" holds control characters`, nil},
		{"required source kind with a newline", `operator = "finops-platform"`, `operator = "finops-platform"` + "\n  required_source_kinds = [\"pricing\\n\"]", `source kind "pricing\\n" holds control characters`, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			for k, v := range tc.env {
				e.env[k] = v
			}
			config := e.checkConfig("")
			if !strings.Contains(config, tc.from) {
				t.Fatalf("the configuration has no %q", tc.from)
			}
			e.refusedAtPlan(t, strings.Replace(config, tc.from, tc.to, 1), tc.want)
		})
	}
}

// refusedAtPlan plans config, which must fail with an error matching want
// (across Terraform's line wrapping), before any AI request is sent.
func (e *testEnv) refusedAtPlan(t *testing.T, config, want string) {
	t.Helper()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   writeOnlyArguments,
		Steps:                    []resource.TestStep{{Config: config, PlanOnly: true, ExpectError: regexp.MustCompile(`(?s)` + want)}},
	})
	if n := e.standin.AIRequests(); n != 0 {
		t.Errorf("the stand-in saw %d AI requests, want 0", n)
	}
}
