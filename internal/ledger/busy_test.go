package ledger_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/ledger"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/standin"
)

// What production gateways do to a reader (DESIGN.md, Ledger: the new-api usage log), played
// on the stand-in made to behave as the busy real builds.

// fleet runs n checks of one Reader, ten at a time, as a provider does
// under Terraform's default parallelism.
func fleet(t *testing.T, c *ledger.Reader, s *standin.Server, clock *fakeClock, n int, shape standin.LedgerOptions) []ledger.Result {
	t.Helper()
	results := make([]ledger.Result, n)
	slots := make(chan struct{}, 10)
	var wg sync.WaitGroup
	for i := range results {
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			results[i] = smoke(t.Context(), c, s, clock, "ci-token", shape)
		})
	}
	wg.Wait()
	return results
}

// A row stamped up to ledger_wait minus 1 s after the answer is found: the
// window's end follows the reads, and the last read comes just before the
// wait runs out.
func TestLateStampedRowsAreFound(t *testing.T) {
	const wait = 5 * time.Second
	for _, g := range []standin.Gateway{standin.GatewayOneAPI, standin.GatewayNewAPI} {
		for _, shape := range []standin.LedgerOptions{{}, {NoRequestID: true}} {
			if g == standin.GatewayOneAPI && shape.NoRequestID {
				continue
			}
			t.Run(string(g)+map[bool]string{true: " rows without request ids", false: ""}[shape.NoRequestID], func(t *testing.T) {
				clock := newClock(t0)
				opts := standin.BusyLedger(g, wait-time.Second, 0)
				opts.NoRequestID = shape.NoRequestID
				s, url := standinLedger(t, g, opts, clock)
				c := ledger.New(ledger.Options{Endpoint: url, Token: fakeToken, Wait: wait, Now: clock.Now, After: clock.After})
				for i, r := range fleet(t, c, s, clock, 3, shape) {
					if r.Status != ledger.Confirmed {
						t.Errorf("check %d: %s (%s), want confirmed", i, r.Status, r.Message)
					}
				}
			})
		}
	}
}

// The answer's Date is the upstream's clock, which the gateways copy: 60 s
// ahead or behind, it moves no window.
func TestUpstreamDateSkewMovesNoWindow(t *testing.T) {
	for _, skew := range []time.Duration{-time.Minute, time.Minute} {
		t.Run(skew.String(), func(t *testing.T) {
			clock := newClock(t0)
			s, url := standinLedger(t, standin.GatewayNewAPI, standin.LedgerOptions{NoRequestID: true}, clock)
			c := ledger.New(ledger.Options{Endpoint: url, Token: fakeToken, Wait: 5 * time.Second, Now: clock.Now, After: clock.After})
			ticket := c.Before(t.Context(), model)
			tokens := int64(prompt + ticket.SignatureTokens())
			s.AddLedgerRow(standin.LedgerRow{Model: model, TokenName: "ci-token", PromptTokens: int(tokens), CompletionTokens: output})
			got := c.Find(t.Context(), ledger.Query{Model: model, SentAt: clock.Now(), ReceivedAt: clock.Now(),
				ServerDate: clock.Now().Add(skew), PromptTokens: tokens, CompletionTokens: output, Ticket: ticket})
			if got.Status != ledger.Confirmed {
				t.Errorf("%s (%s), want confirmed", got.Status, got.Message)
			}
		})
	}
}

// A fleet of 40 and another of 40 right after (another pipeline, another
// Reader) on new-api's default limit of 180 reads per 180 s without
// Retry-After: 80 of 80 confirmed, no 429, at most 2 reads a check.
func TestTwoFleetsStayWithinNewAPIsLimit(t *testing.T) {
	clock := newClock(t0)
	shape := standin.BusyLedger(standin.GatewayNewAPI, 0, 0)
	shape.NoRequestID = true
	s, url := standinLedger(t, standin.GatewayNewAPI, shape, clock)
	confirmed := 0
	for range 2 {
		c := ledger.New(ledger.Options{Endpoint: url, Token: fakeToken, Wait: 30 * time.Second, Now: clock.Now, After: clock.After})
		for _, r := range fleet(t, c, s, clock, 40, shape) {
			if r.Status == ledger.Confirmed {
				confirmed++
			} else {
				t.Errorf("%s: %s", r.Status, r.Message)
			}
		}
	}
	if confirmed != 80 {
		t.Errorf("%d of 80 confirmed", confirmed)
	}
	if n := s.LedgerThrottled(); n != 0 {
		t.Errorf("%d reads refused with 429", n)
	}
	if n := s.LedgerRequests(); n > 2*80 {
		t.Errorf("%d log reads for 80 checks, want at most 2 a check", n)
	}
	t.Logf("%d log reads for 80 checks", s.LedgerRequests())
}

// A Reader keeps within its share of the limit however many checks wait:
// it never reads more than half the limit in one window.
func TestReadsStayWithinTheBudget(t *testing.T) {
	clock := newClock(t0)
	s, url := standinLedger(t, standin.GatewayNewAPI, standin.LedgerOptions{NoRequestID: true, RateLimit: 10, RateWindow: time.Minute, NoRetryAfter: true}, clock)
	// Nothing is ever written: every check reads until its wait runs out.
	c := ledger.New(ledger.Options{Endpoint: url, Token: fakeToken, Wait: 50 * time.Second, PollInterval: 100 * time.Millisecond,
		LogRateLimit: 10, LogRateWindow: time.Minute, Now: clock.Now, After: clock.After})
	got := c.Find(t.Context(), ledger.Query{Model: model, SentAt: t0, ReceivedAt: t0, PromptTokens: 1, CompletionTokens: 1})
	if got.Status != ledger.NotFound {
		t.Errorf("%s (%s), want not_found", got.Status, got.Message)
	}
	if n, throttled := s.LedgerRequests(), s.LedgerThrottled(); n > 5 || throttled != 0 {
		t.Errorf("%d reads (%d refused) in 50 s on a limit of 10 a minute, want at most 5, none refused", n, throttled)
	}
}

// Five pipelines (five Readers, as five provider processes) apply at once
// through one token on rows without request ids: every check is confirmed,
// each on its own row, told apart by its signature alone.
func TestConcurrentPipelinesAreToldApart(t *testing.T) {
	clock := newClock(t0)
	shape := standin.LedgerOptions{NoRequestID: true}
	s, url := standinLedger(t, standin.GatewayNewAPI, shape, clock)
	sizes := []int{3, 5, 7, 9, 10}
	results := make([][]ledger.Result, len(sizes))
	var wg sync.WaitGroup
	for i, n := range sizes {
		c := ledger.New(ledger.Options{Endpoint: url, Token: fakeToken, Wait: 10 * time.Second, Now: clock.Now, After: clock.After})
		wg.Go(func() { results[i] = fleet(t, c, s, clock, n, shape) })
	}
	wg.Wait()
	rows := map[int64]bool{}
	for p, rs := range results {
		for i, r := range rs {
			if r.Status != ledger.Confirmed || r.MatchedBy != ledger.MatchedByTimeModelTokens {
				t.Errorf("pipeline %d check %d: %s by %q (%s)", p, i, r.Status, r.MatchedBy, r.Message)
			}
			if rows[r.LogID] {
				t.Errorf("pipeline %d check %d matched row %d, another check's", p, i, r.LogID)
			}
			rows[r.LogID] = true
		}
	}
}

// The stored message of each status but confirmed says why: the window
// searched, the candidate rows, the refusal; on new-api rows without
// request ids, not_found speaks of none.
func TestMessagesNameTheWindowTheCandidatesAndTheRefusal(t *testing.T) {
	tests := []struct {
		name  string
		shape standin.LedgerOptions
		play  func(s *standin.Server) // before the lookup
		query func(q *ledger.Query)
		want  ledger.Status
		holds []string
		lacks []string
	}{
		{name: "not_found on rows without request ids", shape: standin.LedgerOptions{NoRequestID: true, NeverWrite: true},
			want: ledger.NotFound, holds: []string{"No row of model “gpt-test”", "from 2026-11-30T03:04:0", " to 03:04:", "reads over 3s"},
			lacks: []string{"request id"}},
		{name: "ambiguous between two tokens' rows", shape: standin.LedgerOptions{NoRequestID: true, TwinToken: "prod"},
			want:  ledger.Ambiguous,
			holds: []string{"2 rows could each be this request", "from 2026-11-30T03:04:0", "of token “ci-token”", "of token “prod”", ". Set ledger_token_name"}},
		{name: "ambiguous within one token: no advice about the token", shape: standin.LedgerOptions{NoRequestID: true},
			play: func(s *standin.Server) {
				// another pipeline's request with the same signature
				s.AddLedgerRow(standin.LedgerRow{Model: model, TokenName: "ci-token", PromptTokens: prompt + 1, CompletionTokens: output})
			},
			query: func(q *ledger.Query) { q.PromptTokens = prompt + 1 },
			want:  ledger.Ambiguous, holds: []string{"2 rows could each be this request", ". Another request"}, lacks: []string{"ledger_token_name", ". set"}},
		{name: "not_found after refusals", shape: standin.LedgerOptions{NoRequestID: true, NeverWrite: true, RateLimit: 1, RateWindow: time.Hour, NoRetryAfter: true},
			want: ledger.NotFound, holds: []string{"of them refused (HTTP 429, no Retry-After)", "from 2026-11-30T03:04:0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock(t0)
			s, url := standinLedger(t, standin.GatewayNewAPI, tt.shape, clock)
			if tt.play != nil {
				tt.play(s)
			}
			c := ledger.New(ledger.Options{Endpoint: url, Token: fakeToken, Wait: 3 * time.Second, Now: clock.Now, After: clock.After})
			q := ledger.Query{Model: model, SentAt: t0, ReceivedAt: t0, PromptTokens: prompt, CompletionTokens: output}
			if tt.query != nil {
				tt.query(&q)
			}
			s.AddLedgerRow(standin.LedgerRow{Model: model, TokenName: "ci-token", PromptTokens: int(q.PromptTokens), CompletionTokens: output})
			got := c.Find(t.Context(), q)
			if got.Status != tt.want {
				t.Errorf("%s (%s), want %s", got.Status, got.Message, tt.want)
			}
			for _, h := range tt.holds {
				if !strings.Contains(got.Message, h) {
					t.Errorf("message %q lacks %q", got.Message, h)
				}
			}
			for _, l := range tt.lacks {
				if strings.Contains(got.Message, l) {
					t.Errorf("message %q holds %q", got.Message, l)
				}
			}
		})
	}
}

// Every read refused with 429 and no Retry-After: unavailable, and the
// message names the refusal and how many reads it met.
func TestEveryReadRefusedIsUnavailable(t *testing.T) {
	clock := newClock(t0)
	s, url := standinLedger(t, standin.GatewayNewAPI, standin.LedgerOptions{RateLimit: 1, RateWindow: time.Hour, NoRetryAfter: true}, clock)
	s.AddLedgerRow(standin.LedgerRow{RequestID: "x", Model: model})
	// One read used the limit up.
	if resp, err := http.Get(url + "/api/log/self?type=2"); err == nil {
		resp.Body.Close()
	}
	c := ledger.New(ledger.Options{Endpoint: url, Token: fakeToken, Wait: 30 * time.Second, Now: clock.Now, After: clock.After})
	got := c.Find(t.Context(), ledger.Query{Model: model, RequestID: "y", SentAt: t0, ReceivedAt: t0, PromptTokens: prompt, CompletionTokens: output})
	if got.Status != ledger.Unavailable || !strings.Contains(got.Message, "HTTP 429") || !strings.Contains(got.Message, "reads") {
		t.Errorf("%s (%s), want unavailable naming the 429s", got.Status, got.Message)
	}
	// After a refusal the reads pause: a few over 30 s, not one a poll.
	if n := s.LedgerRequests(); n > 6 {
		t.Errorf("%d reads in 30 s of refusals, want the reads held back", n)
	}
}

// A read refused before a check's row was written holds up no send and no
// other check, and the check still finds its own row by its signature.
func TestARefusedFirstReadStillFindsTheRow(t *testing.T) {
	clock := newClock(t0)
	g := &fakeGateway{shape: "new_api", clock: clock}
	c := ledger.New(ledger.Options{Endpoint: startGateway(t, g), Token: fakeToken, Wait: 30 * time.Second, Now: clock.Now, After: clock.After})
	ticket := c.Before(t.Context(), model)
	tokens := int64(prompt + ticket.SignatureTokens())
	g.rows = []fakeRow{logRow(9, t0, model, "", tokens, output, 150), logRow(8, t0, model, "", prompt+2000, output, 150)}
	g.answer = func(n int, w http.ResponseWriter, _ *http.Request) bool {
		if n > 1 {
			return false
		}
		w.WriteHeader(http.StatusTooManyRequests)
		return true
	}
	got := c.Find(t.Context(), ledger.Query{Model: model, SentAt: t0, ReceivedAt: t0, PromptTokens: tokens, CompletionTokens: output, Ticket: ticket})
	if got.Status != ledger.Confirmed || got.LogID != 9 {
		t.Errorf("%s %d (%s), want row 9 confirmed", got.Status, got.LogID, got.Message)
	}
}

// A ledger that hangs ends the lookup within ledger_wait plus one read's
// timeout, whatever ledger_wait is, and Before never waits for it. On the
// real clock: the slack allows a loaded machine's scheduling (and Before's
// lock file), and each is under the read timeout, so Before waiting for a
// read, or the lookup waiting one more out, still fails.
func TestAHangingLedgerIsBounded(t *testing.T) {
	h, release := hangingHandler(nil)
	url := startGateway(t, h)
	defer release()
	const readTimeout, beforeSlack, lookupSlack = 2 * time.Second, time.Second, 1500 * time.Millisecond
	for _, wait := range []time.Duration{0, time.Second} {
		t.Run(wait.String(), func(t *testing.T) {
			c := ledger.New(ledger.Options{Endpoint: url, Token: fakeToken, Wait: wait, ReadTimeout: readTimeout})
			start := time.Now()
			ticket := c.Before(context.Background(), model)
			if d := time.Since(start); d > beforeSlack {
				t.Errorf("Before took %v: the smoke request must be sent on time", d)
			}
			got := c.Find(context.Background(), ledger.Query{Model: model, SentAt: time.Now(), ReceivedAt: time.Now(), PromptTokens: 9, CompletionTokens: 1, Ticket: ticket})
			if d := time.Since(start); d > wait+readTimeout+lookupSlack {
				t.Errorf("the lookup took %v, want at most ledger_wait (%v) + one read's timeout (%v)", d, wait, readTimeout)
			}
			if got.Status != ledger.Unavailable {
				t.Errorf("%s (%s), want unavailable", got.Status, got.Message)
			}
		})
	}
}

// A row without a quota gives none: quota and charged_usd stay unset,
// never 0.
func TestARowWithoutQuotaGivesNone(t *testing.T) {
	row := logRow(7, t0, model, ourID, prompt, output, 0)
	delete(row.fields, "quota")
	g := &fakeGateway{shape: "new_api", rows: []fakeRow{row}}
	clock := newClock(t0.Add(3 * time.Second))
	g.clock = clock
	got := ledger.New(ledger.Options{Endpoint: startGateway(t, g), Token: fakeToken, Now: clock.Now, After: clock.After}).Find(t.Context(), ourQuery())
	if got.Status != ledger.Confirmed || got.HasQuota || got.Quota != 0 || got.ChargedUSD != "" {
		t.Errorf("%+v, want confirmed with no quota and no charge", got)
	}
}

// Rows written while a read pages back push the older ones down, so a row
// comes again on the next page: it is one row, not two candidates.
func TestARowSeenOnTwoPagesIsOneRow(t *testing.T) {
	clock := newClock(t0.Add(3 * time.Second))
	ours := logRow(7, t0, model, "", prompt, output, 150)
	var rows []fakeRow
	for i := range 10 {
		rows = append(rows, logRow(int64(20-i), t0, model, "", prompt+100+int64(i), output, 150))
	}
	// Page 1 holds ten other rows; by the time page 2 is read, a new row
	// pushed the tenth down, so page 2 starts with it again, then ours.
	g := &fakeGateway{shape: "new_api", clock: clock, rows: append(rows, ours)}
	g.answer = func(n int, w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Query().Get("p") != "2" {
			return false
		}
		writeJSON(w, map[string]any{"success": true, "data": map[string]any{"items": []map[string]any{rows[9].fields, ours.fields, ours.fields},
			"total": 12, "page": 2, "page_size": 10}})
		return true
	}
	got := ledger.New(ledger.Options{Endpoint: startGateway(t, g), Token: fakeToken, Now: clock.Now, After: clock.After}).
		Find(t.Context(), ledger.Query{Model: model, SentAt: t0, ReceivedAt: t0, PromptTokens: prompt, CompletionTokens: output})
	if got.Status != ledger.Confirmed || got.LogID != 7 {
		t.Errorf("%s %d (%s), want row 7 confirmed", got.Status, got.LogID, got.Message)
	}
}
