package provider

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/standin"
)

// Obvious fakes: the stand-in accepts approvedKey and nothing else.
const (
	approvedKey = "sk-test-standin-approved"
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

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// testEnv is one acceptance test's world: a stand-in AI API on 127.0.0.1,
// a fake clock and a fake environment, wired into the provider.
type testEnv struct {
	t       testing.TB
	standin *standin.Server
	url     string
	clock   *fakeClock
	env     map[string]string
}

func newTestEnv(t testing.TB, moreKeys ...string) *testEnv {
	t.Helper()
	t.Setenv("CHECKPOINT_DISABLE", "1")
	s := standin.New(standin.Options{APIKeys: append([]string{approvedKey}, moreKeys...)})
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
			return serve(&costhandoffProvider{
				version:    "test",
				now:        e.clock.Now,
				getenv:     func(k string) string { return e.env[k] },
				ledgerPoll: 10 * time.Millisecond,
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
