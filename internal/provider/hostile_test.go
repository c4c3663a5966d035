package provider

// Acceptance tests of the promises budget owners trust (DESIGN.md: The smoke
// test, How answers are classified, The security model) against endpoints
// that misbehave: each asserts the documented category in
// state, exactly one attempt per path as counted at the stand-in, and, since
// the provider runs in this process, that nothing panics.

import (
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/standin"
)

// recordOnly keeps a stop decision from failing the apply, so that the
// record can be read back from state.
const recordOnly = `enforcement = "record"`

// bothPathsFailed checks the run of a smoke test whose two paths met the
// same misbehaviour: each wrote attempts requests to the wire (0 when the
// connection failed before a request could be written) and got category,
// and the decision is stop for both paths.
func bothPathsFailed(category string, status knownvalue.Check, attempts int64) []statecheck.StateCheck {
	checks := []statecheck.StateCheck{
		expect("decision", knownvalue.StringExact("stop")),
		expect("decision_reasons", knownvalue.ListExact([]knownvalue.Check{
			knownvalue.StringExact("happy_path_failed"), knownvalue.StringExact("error_path_failed"),
		})),
		expect("evidence_captured", knownvalue.Bool(false)),
	}
	for _, p := range []string{"happy_path", "error_path"} {
		checks = append(checks,
			expect(p+".result", knownvalue.StringExact("fail")),
			expect(p+".category", knownvalue.StringExact(category)),
			expect(p+".attempts", knownvalue.Int64Exact(attempts)),
			expect(p+".status_code", status),
		)
	}
	return checks
}

// noRedirectFollowed fails if any request reached the stand-in's redirect
// target: following a redirect would send the key to wherever it points.
func (e *testEnv) noRedirectFollowed() resource.TestCheckFunc {
	return func(*terraform.State) error {
		for _, r := range e.standin.Requests() {
			if r.Protocol == "redirect_target" {
				return fmt.Errorf("the provider followed a redirect to %s", r.Path)
			}
		}
		return nil
	}
}

// heapGrowthBelow fails if the process allocated limit bytes or more since
// the baseline: a 64 MiB body read whole would allocate at least 64 MiB.
func heapGrowthBelow(baseline *uint64, limit uint64) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if grown := totalAlloc() - *baseline; grown >= limit {
			return fmt.Errorf("the process allocated %d MiB during the apply, want under %d MiB", grown>>20, limit>>20)
		}
		return nil
	}
}

// totalAlloc is the bytes this process has allocated so far; the provider
// under test runs in it.
func totalAlloc() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.TotalAlloc
}

// Not parallel: the heap bound is measured over the whole process, so this
// runs before the parallel tests start.
func TestAccHostile_misbehavingEndpoints(t *testing.T) {
	cases := []struct {
		name      string
		behaviour standin.Behaviour
		category  string
		status    knownvalue.Check
	}{
		// The reset may land before or after the status line is read.
		{"connection reset", standin.ConnectionReset, "network_error", knownvalue.NotNull()},
		{"64 MiB body", standin.HugeBody, "invalid_response", knownvalue.Int64Exact(200)},
		{"malformed JSON", standin.MalformedJSON, "invalid_response", knownvalue.Int64Exact(200)},
		{"HTML page with 200", standin.HTMLPage, "invalid_response", knownvalue.Int64Exact(200)},
		{"redirect", standin.Redirect, "redirect", knownvalue.Int64Exact(302)},
		{"429 rate limited", standin.RateLimited, "rate_limited", knownvalue.Int64Exact(429)},
		{"429 quota exhausted", standin.QuotaExhausted, "quota_exhausted", knownvalue.Int64Exact(429)},
		{"402 payment required", standin.PaymentRequired, "quota_exhausted", knownvalue.Int64Exact(402)},
		{"500 server error", standin.ServerError, "server_error", knownvalue.Int64Exact(500)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			e.standin.SetBehaviour(tc.behaviour)
			var baseline uint64
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				TerraformVersionChecks:   writeOnlyArguments,
				Steps: []resource.TestStep{{
					PreConfig:         func() { baseline = totalAlloc() },
					Config:            e.checkConfig(recordOnly),
					ConfigStateChecks: bothPathsFailed(tc.category, tc.status, 1),
					Check: resource.ComposeAggregateTestCheckFunc(
						e.expectAIRequests(2),
						e.noRedirectFollowed(),
						heapGrowthBelow(&baseline, 48<<20),
					),
				}},
			})
		})
	}
}

func TestAccHostile_slowServerTimesOut(t *testing.T) {
	t.Parallel()
	const timeout, latency, stepBudget = time.Second, 5 * time.Second, 4 * time.Second
	e := newTestEnv(t)
	e.standin.SetLatency(latency)
	var stepStart time.Time
	// Each path gave up at the timeout (plus a margin), not at the answer.
	abandonedAtTimeout := knownvalue.Int64Func(func(ms int64) error {
		from, to := timeout.Milliseconds(), (timeout + time.Second).Milliseconds()
		if ms < from || ms >= to {
			return fmt.Errorf("latency_ms %d, want from %d to under %d", ms, from, to)
		}
		return nil
	})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   writeOnlyArguments,
		Steps: []resource.TestStep{{
			PreConfig: func() { stepStart = time.Now() },
			Config:    e.withProvider(fmt.Sprintf("request_timeout = %q", timeout), recordOnly),
			ConfigStateChecks: append(bothPathsFailed("timeout", knownvalue.Int64Exact(0), 1),
				expect("happy_path.latency_ms", abandonedAtTimeout),
				expect("error_path.latency_ms", abandonedAtTimeout),
			),
			Check: resource.ComposeAggregateTestCheckFunc(
				e.expectAIRequests(2),
				func(*terraform.State) error {
					if took := time.Since(stepStart); took > stepBudget {
						return fmt.Errorf("plan and apply took %s against a server answering after %s; want under %s", took, latency, stepBudget)
					}
					return nil
				},
			),
		}},
	})
}

func TestAccHostile_missingEvidence(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		behaviour standin.Behaviour
		// extra arguments: a stop needs enforcement "record" to reach state;
		// a review never fails the apply, so it keeps the default "fail".
		extra    string
		evidence bool
		decision string
		reason   string
	}{
		{"200 without usage", standin.NoUsage, recordOnly, false, "stop", "evidence_gap"},
		{"200 with zero tokens", standin.ZeroUsage, recordOnly, false, "stop", "evidence_gap"},
		{"no request id", standin.NoRequestID, "", true, "review", "request_id_missing"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			e.standin.SetBehaviour(tc.behaviour)
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				TerraformVersionChecks:   writeOnlyArguments,
				Steps: []resource.TestStep{{
					Config: e.checkConfig(tc.extra),
					ConfigStateChecks: []statecheck.StateCheck{
						expect("happy_path.result", knownvalue.StringExact("pass")),
						expect("happy_path.category", knownvalue.StringExact("ok")),
						expect("happy_path.attempts", knownvalue.Int64Exact(1)),
						expect("error_path.result", knownvalue.StringExact("pass")),
						expect("error_path.attempts", knownvalue.Int64Exact(1)),
						expect("evidence_captured", knownvalue.Bool(tc.evidence)),
						expect("decision", knownvalue.StringExact(tc.decision)),
						expect("decision_reasons", knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact(tc.reason)})),
					},
					Check: e.expectAIRequests(2),
				}},
			})
		})
	}
}

// startSelfSignedStandin serves the stand-in over TLS with httptest's
// self-signed certificate, and counts the connections it accepts.
func startSelfSignedStandin(t *testing.T, s *standin.Server) (url string, connections *atomic.Int64) {
	t.Helper()
	connections = new(atomic.Int64)
	ts := httptest.NewUnstartedServer(s)
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are the point
	ts.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			connections.Add(1)
		}
	}
	ts.StartTLS()
	t.Cleanup(ts.Close)
	return ts.URL, connections
}

func TestAccHostile_selfSignedCertificateRefused(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	url, connections := startSelfSignedStandin(t, e.standin)
	certificateMessage := knownvalue.StringRegexp(regexp.MustCompile(`certificate`))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   writeOnlyArguments,
		Steps: []resource.TestStep{{
			Config: e.checkConfig(fmt.Sprintf("endpoint = %q\n  %s", url+"/v1", recordOnly)),
			ConfigStateChecks: append(bothPathsFailed("network_error", knownvalue.Int64Exact(0), 0),
				expect("happy_path.message", certificateMessage),
				expect("error_path.message", certificateMessage),
			),
			Check: resource.ComposeAggregateTestCheckFunc(
				// No request got past the handshake, and each path tried once.
				e.expectAIRequests(0),
				func(*terraform.State) error {
					if n := connections.Load(); n != 2 {
						return fmt.Errorf("the TLS server accepted %d connections, want 2 (one per path)", n)
					}
					return nil
				},
			),
		}},
	})
}

func TestAccHostile_echoedKeyScrubbed(t *testing.T) {
	t.Parallel()
	const invalidKey = "sk-test-hostile-disabled-0001"
	e := newTestEnv(t)
	e.standin.SetBehaviour(standin.EchoKey)
	scrubbed := knownvalue.StringRegexp(regexp.MustCompile(`\[redacted\]`))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   writeOnlyArguments,
		Steps: []resource.TestStep{{
			Config: e.checkConfig(fmt.Sprintf("invalid_api_key_wo = %q\n  %s", invalidKey, recordOnly)),
			ConfigStateChecks: []statecheck.StateCheck{
				expect("happy_path.category", knownvalue.StringExact("auth_failure")),
				expect("error_path.category", knownvalue.StringExact("auth_failure")),
				// The stand-in echoed each key where the message now says [redacted].
				expect("happy_path.message", scrubbed),
				expect("error_path.message", scrubbed),
			},
			Check: resource.ComposeAggregateTestCheckFunc(
				e.expectHappyKey(approvedKey),
				e.expectAIRequests(2),
				absentFromState(approvedKey, invalidKey),
			),
		}},
	})
}

func TestAccHostile_noSpendOutsideApply(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	// watch_sources makes refresh fetch the source pages, so refresh does
	// real network work and still must not reach the AI API.
	config := e.checkConfig("watch_sources = true")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   writeOnlyArguments,
		CheckDestroy:             e.expectAIRequests(2),
		Steps: []resource.TestStep{
			{
				// terraform plan, with and without refresh, before anything exists.
				Config: config, PlanOnly: true, ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPreRefresh:  []plancheck.PlanCheck{aiRequestsAtPlan{e, 0}},
					PostApplyPostRefresh: []plancheck.PlanCheck{aiRequestsAtPlan{e, 0}},
				},
			},
			{
				// terraform apply: the one place a smoke test runs.
				Config: config,
				Check:  e.expectAIRequests(2),
			},
			{
				// terraform refresh (apply -refresh-only).
				RefreshState: true,
				Check:        e.expectAIRequests(2),
			},
			{
				// terraform plan with state: nothing to do, nothing spent.
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan(), aiRequestsAtPlan{e, 2}},
				},
				Check: e.expectAIRequests(2),
			},
			{
				// terraform import is refused before anything is sent.
				ImportState:   true,
				ResourceName:  checkAddr,
				ImportStateId: "anything",
				ExpectError:   regexp.MustCompile(`costhandoff_check cannot be imported`),
			},
			{
				// Confirms the refused import spent nothing; destroy is
				// checked by CheckDestroy.
				Config: config, PlanOnly: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{aiRequestsAtPlan{e, 2}},
				},
			},
		},
	})
}

func TestAccHostile_concurrencyBounded(t *testing.T) {
	t.Parallel()
	const checks, limit = 50, 5
	e := newTestEnv(t)
	// Latency keeps each smoke test in flight long enough to overlap others.
	e.standin.SetLatency(100 * time.Millisecond)
	var stateChecks []statecheck.StateCheck
	for i := range checks {
		addr := fmt.Sprintf("%s[%d]", checkAddr, i)
		stateChecks = append(stateChecks,
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("decision"), knownvalue.StringExact("proceed")),
			statecheck.ExpectKnownValue(addr, jsonPath("happy_path", "attempts"), knownvalue.Int64Exact(1)),
			statecheck.ExpectKnownValue(addr, jsonPath("error_path", "attempts"), knownvalue.Int64Exact(1)),
		)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   writeOnlyArguments,
		Steps: []resource.TestStep{{
			Config:            e.withProvider(fmt.Sprintf("max_concurrent_checks = %d", limit), fmt.Sprintf("count = %d", checks)),
			ConfigStateChecks: stateChecks,
			Check: resource.ComposeAggregateTestCheckFunc(
				e.expectAIRequests(2*checks),
				// Each smoke test sends its two paths at once: at most 2*limit
				// requests in flight, and more than limit proves that several
				// smoke tests did overlap.
				func(*terraform.State) error {
					if peak := e.standin.PeakInFlight(); peak > 2*limit || peak <= limit {
						return fmt.Errorf("peak AI requests in flight %d, want from %d to %d", peak, limit+1, 2*limit)
					}
					return nil
				},
			),
		}},
	})
}

// withProvider is checkConfig with extra provider arguments: checkConfig
// always starts with providerBlock(""), which is swapped for the richer one.
func (e *testEnv) withProvider(providerExtra, checkExtra string) string {
	return e.providerBlock(providerExtra) + strings.TrimPrefix(e.checkConfig(checkExtra), e.providerBlock(""))
}
