package provider

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/standin"
)

// Obvious fakes: the stand-in accepts approvedKey and nothing else.
const (
	approvedKey = "sk-test-Rk4Qz8Wv2Nm7Xc5Jb9Lt"
	testModel   = "gpt-test-mini"
)

// fakeClock is the provider's clock in tests: it moves only when told.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// After moves the clock by d at once and returns a channel that is ready:
// waits on the fake clock take no real time.
func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.Advance(d)
	ch := make(chan time.Time, 1)
	ch <- c.Now()
	return ch
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// TestMain keeps Terraform from calling home; each test's own world is
// built by newTestEnv, so the tests run in parallel.
func TestMain(m *testing.M) {
	if err := os.Setenv("CHECKPOINT_DISABLE", "1"); err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}

// testEnv is one acceptance test's world: a stand-in AI API on 127.0.0.1,
// a fake clock and a fake environment, wired into the provider.
type testEnv struct {
	t       testing.TB
	standin *standin.Server
	url     string
	clock   *fakeClock
	env     map[string]string
	// realWaits: the provider's pauses take real time and leave the clock
	// where it is, so that a fleet's checks all send at the same moment.
	realWaits bool
}

func newTestEnv(t testing.TB, moreKeys ...string) *testEnv {
	t.Helper()
	return newTestEnvWith(t, standin.Options{APIKeys: append([]string{approvedKey}, moreKeys...)})
}

// newTestEnvWith is newTestEnv with a stand-in configured by opts, e.g. as
// a one-api / new-api gateway.
func newTestEnvWith(t testing.TB, opts standin.Options) *testEnv {
	t.Helper()
	s := standin.New(opts)
	url, stop := s.Start()
	t.Cleanup(stop)
	return &testEnv{
		t: t, standin: s, url: url,
		clock: &fakeClock{now: time.Date(2026, 11, 28, 9, 30, 0, 0, time.UTC)},
		env:   map[string]string{},
	}
}

func (e *testEnv) factories() map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"costhandoff": func() (tfprotov6.ProviderServer, error) {
			after := e.clock.After
			if e.realWaits {
				after = nil
			}
			return serve(&costhandoffProvider{
				version:    "test",
				now:        e.clock.Now,
				getenv:     func(k string) string { return e.env[k] },
				ledgerPoll: 100 * time.Millisecond,
				after:      after,
			})(), nil
		},
	}
}

// providerBlock configures the provider against the stand-in.
func (e *testEnv) providerBlock(extra string) string {
	return fmt.Sprintf(`
provider "costhandoff" {
  endpoint = %q
  api_key  = %q
  operator = "finops-platform"
  %s
}
`, e.url+"/v1", approvedKey, extra)
}

// sourceURLs is the HCL map of the stand-in's four source pages.
func (e *testEnv) sourceURLs() string {
	var b strings.Builder
	b.WriteString("{\n")
	for _, kind := range []string{"pricing", "support", "allocation", "unit_economics"} {
		fmt.Fprintf(&b, "    %s = %q\n", kind, e.url+"/pages/"+kind)
	}
	b.WriteString("  }")
	return b.String()
}

// checkConfig is a complete handoff named "this" with extra arguments.
func (e *testEnv) checkConfig(extra string) string {
	return e.providerBlock("") + fmt.Sprintf(`
resource "costhandoff_check" "this" {
  owner_tag    = "team-search"
  workload_tag = "search-summaries"
  environment  = "prod"
  model        = %q
  source_urls  = %s
  %s
}
`, testModel, e.sourceURLs(), extra)
}

// expectAIRequests fails unless the stand-in has seen exactly n AI requests.
func (e *testEnv) expectAIRequests(n int) func(*terraform.State) error {
	return func(*terraform.State) error {
		if got := e.standin.AIRequests(); got != n {
			return fmt.Errorf("stand-in saw %d AI requests, want %d", got, n)
		}
		return nil
	}
}

// absentFromState fails if any attribute of any resource holds a secret.
func absentFromState(secrets ...string) func(*terraform.State) error {
	return func(s *terraform.State) error {
		for addr, rs := range s.RootModule().Resources {
			for k, v := range rs.Primary.Attributes {
				for _, secret := range secrets {
					if strings.Contains(v, secret) {
						return fmt.Errorf("%s.%s holds a credential", addr, k)
					}
				}
			}
		}
		return nil
	}
}

// expectHappyKey fails unless the first AI request carried key.
func (e *testEnv) expectHappyKey(key string) func(*terraform.State) error {
	return func(*terraform.State) error {
		for _, r := range e.standin.Requests() {
			if r.Header.Get("Authorization") == "Bearer "+key {
				return nil
			}
		}
		return fmt.Errorf("no AI request carried the expected approved key")
	}
}

// aiRequestsAtPlan is a plan check that the stand-in has seen exactly n AI
// requests when the plan is made: refresh and plan must never spend.
type aiRequestsAtPlan struct {
	e *testEnv
	n int
}

func (c aiRequestsAtPlan) CheckPlan(_ context.Context, _ plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	if got := c.e.standin.AIRequests(); got != c.n {
		resp.Error = fmt.Errorf("stand-in saw %d AI requests by plan time, want %d", got, c.n)
	}
}

// runIDOf checks run_id against the check's own id: the date, the part of
// the id that makes run ids unique across checks, and the sequence.
func runIDOf(date string, seq int) statecheck.StateCheck {
	return runIDCheck{date: date, seq: seq}
}

type runIDCheck struct {
	date string
	seq  int
}

func (c runIDCheck) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	values, err := stateValues(req, checkAddr, "id", "run_id")
	if err != nil {
		resp.Error = err
		return
	}
	want := fmt.Sprintf("cost-handoff-%s-%s-%03d", c.date, uniquePartOf(values[0]), c.seq)
	if values[1] != want {
		resp.Error = fmt.Errorf("run_id = %q, want %q (id %q)", values[1], want, values[0])
	}
}

// uniquePartOf is the part of a run id SPEC section 3 takes from a check's
// id, as this test reads it: the first 12 of the hex digits after "chk-"
// (the provider's ids are chk- and 16 random hex digits).
func uniquePartOf(id string) string {
	random, ok := strings.CutPrefix(id, "chk-")
	if !ok || len(random) < 12 {
		return "(id " + id + " is not chk- and 16 hex digits)"
	}
	return random[:12]
}

// logOfRun checks that log starts with this run's run_id line.
func logOfRun(date string, seq int) statecheck.StateCheck {
	return logRunIDCheck{runIDCheck{date: strings.ReplaceAll(date, "-", ""), seq: seq}}
}

type logRunIDCheck struct{ runIDCheck }

func (c logRunIDCheck) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	values, err := stateValues(req, checkAddr, "id", "log")
	if err != nil {
		resp.Error = err
		return
	}
	want := fmt.Sprintf("run_id: cost-handoff-%s-%s-%03d\n", c.date, uniquePartOf(values[0]), c.seq)
	if !strings.HasPrefix(values[1], want) {
		resp.Error = fmt.Errorf("log does not start with %q:\n%s", want, values[1])
	}
}

// stateValues reads top-level string attributes of a resource from state.
func stateValues(req statecheck.CheckStateRequest, addr string, names ...string) ([]string, error) {
	if req.State == nil || req.State.Values == nil || req.State.Values.RootModule == nil {
		return nil, fmt.Errorf("no state")
	}
	for _, r := range req.State.Values.RootModule.Resources {
		if r.Address != addr {
			continue
		}
		out := make([]string, len(names))
		for i, n := range names {
			s, ok := r.AttributeValues[n].(string)
			if !ok {
				return nil, fmt.Errorf("%s.%s is not a string: %v", addr, n, r.AttributeValues[n])
			}
			out[i] = s
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s not in state", addr)
}

// logHas matches a log holding each of lines as a whole line.
func logHas(lines ...string) knownvalue.Check {
	parts := make([]string, len(lines))
	for i, l := range lines {
		parts[i] = "(?m)^" + regexp.QuoteMeta(l) + "$"
	}
	return allOf(parts...)
}

// allOf matches a string that every pattern matches.
func allOf(patterns ...string) knownvalue.Check {
	return stringMatchingAll{patterns}
}

type stringMatchingAll struct{ patterns []string }

func (c stringMatchingAll) CheckValue(v any) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("expected a string, got %T", v)
	}
	for _, p := range c.patterns {
		if !regexp.MustCompile(p).MatchString(s) {
			return fmt.Errorf("%q does not match %s", s, p)
		}
	}
	return nil
}

func (c stringMatchingAll) String() string { return strings.Join(c.patterns, " && ") }

// priorRun captures a run from the prior state of a plan (a tainted check
// about to be replaced), so a later state check can compare with it.
type priorRun struct{ runID string }

func (r *priorRun) capture(addr string, want map[string]string, logLine string) plancheck.PlanCheck {
	return priorRunCheck{r, addr, want, logLine}
}

type priorRunCheck struct {
	run     *priorRun
	addr    string
	want    map[string]string
	logLine string
}

func (c priorRunCheck) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	if req.Plan.PriorState == nil || req.Plan.PriorState.Values == nil {
		resp.Error = fmt.Errorf("the plan has no prior state")
		return
	}
	for _, r := range req.Plan.PriorState.Values.RootModule.Resources {
		if r.Address != c.addr {
			continue
		}
		if !r.Tainted {
			resp.Error = fmt.Errorf("%s is not tainted in the prior state", c.addr)
			return
		}
		for k, v := range c.want {
			if r.AttributeValues[k] != v {
				resp.Error = fmt.Errorf("prior %s.%s = %v, want %q", c.addr, k, r.AttributeValues[k], v)
				return
			}
		}
		if log, _ := r.AttributeValues["log"].(string); !strings.Contains(log, c.logLine) {
			resp.Error = fmt.Errorf("prior log lacks %q:\n%s", c.logLine, log)
			return
		}
		c.run.runID, _ = r.AttributeValues["run_id"].(string)
		return
	}
	resp.Error = fmt.Errorf("%s not in the prior state", c.addr)
}

// differentRunID fails when the check's run id equals the captured one: no
// two runs ever share a run id, even across a replacement.
func (r *priorRun) differentRunID(addr string) statecheck.StateCheck {
	return differentRunIDCheck{r, addr}
}

type differentRunIDCheck struct {
	run  *priorRun
	addr string
}

func (c differentRunIDCheck) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	values, err := stateValues(req, c.addr, "run_id")
	switch {
	case err != nil:
		resp.Error = err
	case c.run.runID == "":
		resp.Error = fmt.Errorf("no earlier run id was captured")
	case values[0] == c.run.runID:
		resp.Error = fmt.Errorf("the replacement reused run id %q", values[0])
	}
}

// writeOnlyArguments skips a test on a CLI older than Terraform 1.11, which
// cannot serve a schema with write-only arguments (api_key_wo,
// invalid_api_key_wo). OpenTofu 1.12 reports its own, higher version.
var writeOnlyArguments = []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)}
