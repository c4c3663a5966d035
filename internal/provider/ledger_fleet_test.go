package provider

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/standin"
)

// fleetConfig is the fleet teams declare: one check per workload, the same
// model and prompt, through one gateway token. Teams write for_each; the
// fleet here is written with count because terraform-plugin-testing's state
// shim refuses for_each instances (and modules), and the provider cannot
// tell the two apart: either way Terraform runs N instances of one resource
// at once. Each block is a resource name and its number of workloads.
func (e *testEnv) fleetConfig(providerExtra string, blocks ...fleetBlock) string {
	var b strings.Builder
	b.WriteString(e.providerBlock(providerExtra))
	for _, blk := range blocks {
		fmt.Fprintf(&b, `
resource "costhandoff_check" %q {
  count        = %d
  owner_tag    = "team-search"
  workload_tag = "%s-${count.index}"
  environment  = "prod"
  model        = %q
  source_urls  = %s
}
`, blk.name, blk.count, blk.name, testModel, e.sourceURLs())
	}
	return b.String()
}

type fleetBlock struct {
	name  string
	count int
}

// addrs are the instances' addresses.
func (f fleetBlock) addrs() []string {
	out := make([]string, f.count)
	for i := range out {
		out[i] = fmt.Sprintf("costhandoff_check.%s[%d]", f.name, i)
	}
	return out
}

// fleetExpect checks path of every instance of the blocks.
func fleetExpect(path string, v knownvalue.Check, blocks ...fleetBlock) []statecheck.StateCheck {
	var out []statecheck.StateCheck
	for _, b := range blocks {
		for _, addr := range b.addrs() {
			out = append(out, statecheck.ExpectKnownValue(addr, jsonPath(strings.Split(path, ".")...), v))
		}
	}
	return out
}

// stateCheck adapts a function of the state to a statecheck: the legacy
// state of TestCheckFunc cannot address for_each instances.
type stateCheck func(*tfjson.State) error

func (f stateCheck) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = f(req.State)
}

// instances are the attribute values of the fleet's instances by address.
func instances(s *tfjson.State, blocks ...fleetBlock) (map[string]map[string]any, error) {
	want := map[string]bool{}
	for _, b := range blocks {
		for _, a := range b.addrs() {
			want[a] = true
		}
	}
	out := map[string]map[string]any{}
	if s != nil && s.Values != nil && s.Values.RootModule != nil {
		for _, r := range s.Values.RootModule.Resources {
			if want[r.Address] {
				out[r.Address] = r.AttributeValues
			}
		}
	}
	if len(out) != len(want) {
		return nil, fmt.Errorf("%d of the fleet's %d checks in state", len(out), len(want))
	}
	return out, nil
}

func field(attrs map[string]any, object, name string) string {
	o, _ := attrs[object].(map[string]any)
	if o == nil || o[name] == nil {
		return ""
	}
	return fmt.Sprint(o[name])
}

// eachRowItsOwn fails unless every instance's ledger row is its own smoke
// request: matched by the happy path's request id where rows carry one,
// and no row taken by two checks either way.
func eachRowItsOwn(byRequestID bool, blocks ...fleetBlock) statecheck.StateCheck {
	return stateCheck(func(s *tfjson.State) error {
		all, err := instances(s, blocks...)
		if err != nil {
			return err
		}
		seen := map[string]string{}
		for addr, a := range all {
			key := field(a, "ledger", "log_id")
			if byRequestID {
				if got, want := field(a, "ledger", "request_id"), field(a, "happy_path", "request_id"); got != want {
					return fmt.Errorf("%s: ledger row %q is not its request %q", addr, got, want)
				}
				key = field(a, "ledger", "request_id")
			}
			if other, dup := seen[key]; dup || key == "" {
				return fmt.Errorf("%s and %s were both confirmed by the row %q", other, addr, key)
			}
			seen[key] = addr
		}
		return nil
	})
}

// readsAtMost fails when the ledger was read more than perCheck times per
// check on average, or answered a single 429.
func (e *testEnv) readsAtMost(perCheck float64, checks int) statecheck.StateCheck {
	return stateCheck(func(*tfjson.State) error {
		reads, throttled := e.standin.LedgerRequests(), e.standin.LedgerThrottled()
		if throttled != 0 {
			return fmt.Errorf("the log API answered %d requests with 429", throttled)
		}
		if got := float64(reads) / float64(checks); got > perCheck {
			return fmt.Errorf("%d log reads for %d checks (%.1f a check), want at most %.1f a check", reads, checks, got, perCheck)
		}
		return nil
	})
}

// neverSawTheKey is logAPINeverSawTheKey as a statecheck.
func (e *testEnv) neverSawTheKey() statecheck.StateCheck {
	return stateCheck(func(*tfjson.State) error { return e.logAPINeverSawTheKey()(nil) })
}

// Every check of a fleet is confirmed, on each row shape real builds have:
// one-api's rows (all "id": 0, told apart by request id), new-api's rows
// without request ids (v0.9, v0.10: the sends are ordered so that each
// smoke request is the only candidate among its own) and new-api's newer
// rows with them; then a second apply of three more checks seconds later.
func TestAccLedgerFleet_everyCheckConfirmed(t *testing.T) {
	cases := []struct {
		name      string
		gw        standin.Gateway
		opts      standin.LedgerOptions
		matchedBy string
	}{
		{"one-api rows with id 0", standin.GatewayOneAPI, standin.LedgerOptions{}, "request_id"},
		{"new-api rows without request ids", standin.GatewayNewAPI, standin.LedgerOptions{NoRequestID: true}, "time_model_tokens"},
		{"new-api rows with request ids", standin.GatewayNewAPI, standin.LedgerOptions{}, "request_id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := ledgerEnv(t, tc.gw, tc.opts)
			first, second := fleetBlock{"fleet", 5}, fleetBlock{"later", 3}
			byID := tc.matchedBy == "request_id"
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				TerraformVersionChecks:   writeOnlyArguments,
				Steps: []resource.TestStep{
					{
						Config: e.fleetConfig(ledgerProvider(""), first),
						ConfigStateChecks: append(append(append(
							fleetExpect("ledger.status", knownvalue.StringExact("confirmed"), first),
							fleetExpect("ledger.matched_by", knownvalue.StringExact(tc.matchedBy), first)...),
							fleetExpect("decision", knownvalue.StringExact("proceed"), first)...),
							eachRowItsOwn(byID, first), e.readsAtMost(3, 5), e.neverSawTheKey()),
					},
					{
						PreConfig: func() { e.clock.Advance(3 * time.Second) },
						Config:    e.fleetConfig(ledgerProvider(""), first, second),
						ConfigStateChecks: append(append(
							fleetExpect("ledger.status", knownvalue.StringExact("confirmed"), first, second),
							fleetExpect("ledger.token_name", knownvalue.StringExact("standin-token-1"), second)...),
							eachRowItsOwn(byID, first, second), e.readsAtMost(3, 8)),
					},
				},
			})
		})
	}
}

// Fleets of 25 and 40 through one-api's default global API rate limit
// (480 requests per 180 s per IP) are confirmed without one 429, reading
// the log only a few pages a check, on a busy log where each check's row is
// behind other traffic's on a later page (one-api's ids are all 0, so pages
// are told apart by their rows' request ids).
func TestAccLedgerFleet_underOneAPIsRateLimit(t *testing.T) {
	for _, n := range []int{25, 40} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			e := ledgerEnv(t, standin.GatewayOneAPI, standin.LedgerOptions{RateLimit: standin.OneAPIRateLimit, RateWindow: standin.OneAPIRateWindow,
				Traffic: 10})
			// An upstream takes a while to answer, as real ones do. The
			// fake clock keeps every row inside each check's window, and
			// the reader follows at most 20 pages (200 rows) a read: an
			// upstream answering much faster would bury a check's row
			// deeper than that whenever its first read came late, as it
			// does on a loaded machine.
			e.standin.SetLatency(200 * time.Millisecond)
			fleet := fleetBlock{"fleet", n}
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				TerraformVersionChecks:   writeOnlyArguments,
				Steps: []resource.TestStep{{
					Config: e.fleetConfig(ledgerProvider(""), fleet),
					ConfigStateChecks: append(fleetExpect("ledger.status", knownvalue.StringExact("confirmed"), fleet),
						eachRowItsOwn(true, fleet), e.readsAtMost(6, n)),
				}},
			})
		})
	}
}

// Another token of the same user makes a row twin to the smoke request's
// (the same model and tokens, in the same seconds) on a gateway whose rows
// carry no request id: without ledger_token_name no row can be told to be
// the smoke request's, which stops naming the rows and the way out; with
// it the log is read for that token only and the check is confirmed.
func TestAccLedgerFleet_anotherTokensTwinRow(t *testing.T) {
	twin := standin.LedgerOptions{NoRequestID: true, TwinToken: "prod-token"}
	t.Run("without ledger_token_name", func(t *testing.T) {
		e := ledgerEnv(t, standin.GatewayNewAPI, twin)
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: e.factories(),
			TerraformVersionChecks:   writeOnlyArguments,
			Steps: []resource.TestStep{
				{
					Config: e.withProvider(ledgerProvider(""), recordOnly),
					ConfigStateChecks: []statecheck.StateCheck{
						expect("ledger.status", knownvalue.StringExact("ambiguous")),
						expect("ledger.matched_by", knownvalue.Null()),
						expect("ledger.log_id", knownvalue.Null()),
						expect("ledger.quota", knownvalue.Null()),
						expect("decision", knownvalue.StringExact("stop")),
						expect("decision_reasons", strs("ledger_unconfirmed")),
						expect("evidence_captured", knownvalue.Bool(false)),
						expect("log", logHas("ledger: ambiguous")),
					},
				},
				{
					// Under enforcement "fail" the stop names the rows (id,
					// time, token name) and the way out.
					Config:      e.withProvider(ledgerProvider(""), `rerun_triggers = { cycle = "2" }`),
					ExpectError: regexp.MustCompile(`(?s)ambiguous: 2 rows could each be.*id \d+ at\s+2026-11-28T09:\d\d:\d\dZ\s+of\s+token.*prod-token.*standin-token-1.*ledger_token_name.*dedicated\s+token`),
				},
			},
		})
	})
	t.Run("with ledger_token_name", func(t *testing.T) {
		e := ledgerEnv(t, standin.GatewayNewAPI, twin)
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: e.factories(),
			TerraformVersionChecks:   writeOnlyArguments,
			Steps: []resource.TestStep{{
				Config: e.withProvider(ledgerProvider(`ledger_token_name = "standin-token-1"`), ""),
				ConfigStateChecks: []statecheck.StateCheck{
					expect("ledger.status", knownvalue.StringExact("confirmed")),
					expect("ledger.token_name", knownvalue.StringExact("standin-token-1")),
					expect("decision", knownvalue.StringExact("proceed")),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					func(*terraform.State) error {
						if rows := e.standin.LedgerRows(); len(rows) != 2 || rows[1].TokenName != "prod-token" {
							return fmt.Errorf("rows %+v, want the smoke request's and its twin of prod-token", rows)
						}
						return nil
					},
					e.everyLogReadFor("standin-token-1")),
			}},
		})
	})
}

// everyLogReadFor fails unless the log was read and every read asked the
// gateway for the token's rows only (its token_name filter): the reader
// drops other tokens' rows itself too, which would hide a lost filter from
// the state, but not from the gateway, which then pages through every
// token's traffic.
func (e *testEnv) everyLogReadFor(tokenName string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		reads := e.standin.LedgerURLs()
		if len(reads) == 0 {
			return fmt.Errorf("the log was never read")
		}
		for i, u := range reads {
			if got := u.Query()["token_name"]; len(got) != 1 || got[0] != tokenName {
				return fmt.Errorf("log read %d (%s?%s) carried token_name %q, want %q", i, u.Path, u.RawQuery, got, tokenName)
			}
		}
		return nil
	}
}

// chargesItsTokens fails unless each instance's ledger row holds the
// happy path's own prompt tokens (its signature's words included, where
// rows carry no request id) and the stand-in gateway's quota for them,
// with charged_usd at the default 500000 quota per dollar and the log's
// ledger line saying both. An empty addrs means the single check.
func chargesItsTokens(addrs ...string) statecheck.StateCheck {
	if len(addrs) == 0 {
		addrs = []string{checkAddr}
	}
	return stateCheck(func(s *tfjson.State) error {
		byAddr := map[string]map[string]any{}
		if s != nil && s.Values != nil && s.Values.RootModule != nil {
			for _, r := range s.Values.RootModule.Resources {
				byAddr[r.Address] = r.AttributeValues
			}
		}
		for _, addr := range addrs {
			a := byAddr[addr]
			if a == nil {
				return fmt.Errorf("%s not in state", addr)
			}
			prompt, input := field(a, "ledger", "prompt_tokens"), field(a, "happy_path", "input_tokens")
			if prompt == "" || prompt != input {
				return fmt.Errorf("%s: the ledger charged %s prompt tokens, the response reported %s", addr, prompt, input)
			}
			p, _ := strconv.ParseFloat(prompt, 64)
			c, _ := strconv.ParseFloat(field(a, "ledger", "completion_tokens"), 64)
			quota := int64(math.Round((p + 4*c) * 1.5))
			usd := strconv.FormatFloat(float64(quota)/500000, 'f', -1, 64)
			if got := field(a, "ledger", "quota"); got != fmt.Sprint(quota) {
				return fmt.Errorf("%s: quota %s, want %d", addr, got, quota)
			}
			if got := field(a, "ledger", "charged_usd"); got != usd {
				return fmt.Errorf("%s: charged_usd %s, want %s", addr, got, usd)
			}
			if line := fmt.Sprintf("ledger: confirmed, quota %d, charged_usd %s", quota, usd); !strings.Contains(fmt.Sprint(a["log"]), line+"\n") {
				return fmt.Errorf("%s: the log lacks %q", addr, line)
			}
		}
		return nil
	})
}

// busyProvider configures the stand-in gateway's ledger with a wait.
func busyProvider(wait string) string {
	return fmt.Sprintf(`ledger_api   = "new_api"
  ledger_token = %q
  ledger_wait  = %q`, standin.DefaultLedgerAccessToken, wait)
}

// What production gateways do (DESIGN.md, Ledger: the new-api usage log): rows stamped up to
// ledger_wait minus 1 s after the answer, and an upstream Date (which the
// gateways copy onto the answer) 60 s ahead or behind: every check of a
// fleet confirmed on its own row.
func TestAccLedgerBusy_lateStampsAndCopiedDates(t *testing.T) {
	cases := []struct {
		name string
		gw   standin.Gateway
		opts standin.LedgerOptions
		byID bool
	}{
		{"one-api rows stamped 4 s late", standin.GatewayOneAPI, standin.BusyLedger(standin.GatewayOneAPI, 4*time.Second, 0), true},
		{"new-api rows without ids stamped 4 s late", standin.GatewayNewAPI, withNoIDs(standin.BusyLedger(standin.GatewayNewAPI, 4*time.Second, 0)), false},
		{"upstream Date 60 s ahead", standin.GatewayNewAPI, withNoIDs(standin.BusyLedger(standin.GatewayNewAPI, 0, time.Minute)), false},
		{"upstream Date 60 s behind", standin.GatewayNewAPI, withNoIDs(standin.BusyLedger(standin.GatewayNewAPI, 0, -time.Minute)), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := ledgerEnv(t, tc.gw, tc.opts)
			fleet := fleetBlock{"fleet", 4}
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				TerraformVersionChecks:   writeOnlyArguments,
				Steps: []resource.TestStep{{
					Config: e.fleetConfig(busyProvider("5s"), fleet),
					ConfigStateChecks: append(append(
						fleetExpect("ledger.status", knownvalue.StringExact("confirmed"), fleet),
						fleetExpect("ledger.message", knownvalue.Null(), fleet)...),
						eachRowItsOwn(tc.byID, fleet), chargesItsTokens(fleet.addrs()...)),
				}},
			})
		})
	}
}

func withNoIDs(o standin.LedgerOptions) standin.LedgerOptions {
	o.NoRequestID = true
	return o
}

// A fleet of 40 and another 40 right after, on new-api's default limit
// (180 reads per 180 s per IP, no Retry-After) and rows without request
// ids: 80 of 80 confirmed, each on its own row, no 429, at most 2 log reads
// a check.
func TestAccLedgerBusy_fortyAndFortyOnNewAPIsLimit(t *testing.T) {
	e := ledgerEnv(t, standin.GatewayNewAPI, withNoIDs(standin.BusyLedger(standin.GatewayNewAPI, 0, 0)))
	first, second := fleetBlock{"first", 40}, fleetBlock{"second", 40}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   writeOnlyArguments,
		Steps: []resource.TestStep{
			{
				Config: e.fleetConfig(busyProvider("30s"), first),
				ConfigStateChecks: append(fleetExpect("ledger.status", knownvalue.StringExact("confirmed"), first),
					eachRowItsOwn(false, first), e.readsAtMost(2, 40)),
			},
			{
				PreConfig: func() { e.clock.Advance(2 * time.Second) },
				Config:    e.fleetConfig(busyProvider("30s"), first, second),
				ConfigStateChecks: append(fleetExpect("ledger.status", knownvalue.StringExact("confirmed"), first, second),
					eachRowItsOwn(false, first, second), e.readsAtMost(2, 80)),
			},
		},
	})
}

// The stored ledger.message says why for every status but confirmed: the
// window searched, the candidate rows, the refusal; the decision is still
// stop, recorded under enforcement "record".
func TestAccLedgerBusy_messagesStayInState(t *testing.T) {
	cases := []struct {
		name    string
		opts    standin.LedgerOptions
		before  func(e *testEnv)
		status  string
		message string
	}{
		{"not_found", standin.LedgerOptions{NoRequestID: true}, func(e *testEnv) {
			// An earlier request's row, then none: the rows carry no
			// request id, so the message names none.
			e.standin.AddLedgerRow(standin.LedgerRow{Model: testModel, TokenName: "standin-token-1", PromptTokens: 3, CompletionTokens: 1,
				CreatedAt: e.clock.Now().Add(-time.Hour)})
			e.standin.SetLedger(standin.LedgerOptions{NoRequestID: true, NeverWrite: true, Now: e.clock.Now})
		}, "not_found",
			`^No row of model “gpt-test-mini” with \d+ prompt and 1 completion tokens \(its signature\) in the gateway's log from 2026-11-28T09:\d\d:\d\dZ to 09:\d\d:\d\dZ after \d+ reads over 2s$`},
		{"ambiguous", standin.LedgerOptions{NoRequestID: true, TwinToken: "prod-token"}, nil, "ambiguous",
			`^2 rows could each be this request \(model “gpt-test-mini”, \d+\+1 tokens, from 2026-11-28T09:\d\d:\d\dZ( to 09:\d\d:\d\dZ)?\): id \d+ at 2026-11-28T09:\d\d:\d\dZ of token “prod-token”; id \d+ at 2026-11-28T09:\d\d:\d\dZ of token “standin-token-1”\. Set ledger_token_name`},
		{"unavailable: every read refused", standin.BusyLedger(standin.GatewayNewAPI, 0, 0), func(e *testEnv) {
			// Another client used the gateway's limit up.
			for range standin.NewAPIRateLimit {
				if resp, err := http.Get(e.url + "/api/log/self"); err == nil {
					resp.Body.Close()
				}
			}
		}, "unavailable", `^the log API answered HTTP 429 \(\d+ of \d+ reads?\); it looked for the row of model “gpt-test-mini” with \d+\+1 tokens from 2026-11-28T09:\d\d:\d\dZ`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := ledgerEnv(t, standin.GatewayNewAPI, tc.opts)
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				TerraformVersionChecks:   writeOnlyArguments,
				Steps: []resource.TestStep{{
					PreConfig: func() {
						if tc.before != nil {
							tc.before(e)
						}
					},
					Config: e.withProvider(ledgerProvider(""), recordOnly),
					ConfigStateChecks: []statecheck.StateCheck{
						expect("ledger.status", knownvalue.StringExact(tc.status)),
						expect("ledger.message", knownvalue.StringRegexp(regexp.MustCompile(tc.message))),
						expect("decision", knownvalue.StringExact("stop")),
					},
				}},
			})
		})
	}
}

// A row without a quota gives none: quota and charged_usd stay null, never
// 0, and the check is still confirmed on its tokens.
func TestAccLedgerBusy_rowWithoutQuota(t *testing.T) {
	e := ledgerEnv(t, standin.GatewayNewAPI, standin.LedgerOptions{NoQuota: true})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   writeOnlyArguments,
		Steps: []resource.TestStep{{
			Config: e.withProvider(ledgerProvider(""), ""),
			ConfigStateChecks: []statecheck.StateCheck{
				expect("ledger.status", knownvalue.StringExact("confirmed")),
				expect("ledger.quota", knownvalue.Null()),
				expect("ledger.charged_usd", knownvalue.Null()),
				expect("log", logHas("ledger: confirmed")),
			},
		}},
	})
}

// A ledger that hangs ends the apply within ledger_wait plus one read's
// timeout, whatever ledger_wait is (here 0s, which reads once), and holds
// no smoke request back.
func TestAccLedgerBusy_hangingLedgerIsBounded(t *testing.T) {
	e := ledgerEnv(t, standin.GatewayNewAPI, standin.LedgerOptions{Latency: time.Hour})
	var started time.Time
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   writeOnlyArguments,
		Steps: []resource.TestStep{{
			PreConfig: func() { started = time.Now() },
			Config:    e.withProvider(busyProvider("0s"), recordOnly),
			ConfigStateChecks: []statecheck.StateCheck{
				expect("ledger.status", knownvalue.StringExact("unavailable")),
				expect("ledger.message", knownvalue.StringRegexp(regexp.MustCompile(`did not answer`))),
				expect("happy_path.result", knownvalue.StringExact("pass")),
				stateCheck(func(*tfjson.State) error {
					// ledger_wait 0s reads once: one read's timeout (10 s),
					// with room for the CLI's own work. A read before the
					// send with a timeout of its own took 10 s more.
					if d := time.Since(started); d > ledgerReadTimeout+5*time.Second {
						return fmt.Errorf("the apply took %v with a hanging ledger", d)
					}
					return nil
				}),
			},
		}},
	})
}

// ledgerReadTimeout is one read's timeout, the ledger package's default.
const ledgerReadTimeout = 10 * time.Second
