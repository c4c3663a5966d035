package ledger_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/ledger"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/standin"
)

// standinLedger starts the stand-in as gateway g with its log on clock.
func standinLedger(t *testing.T, g standin.Gateway, opts standin.LedgerOptions, clock *fakeClock) (*standin.Server, string) {
	t.Helper()
	s := standin.New(standin.Options{Gateway: g, APIKeys: []string{fakeAPIKey}})
	url, stop := s.Start()
	t.Cleanup(stop)
	opts.AccessToken, opts.Now = fakeToken, clock.Now
	s.SetLedger(opts)
	return s, url
}

// smoke plays one check against the stand-in's gateway as the runner does:
// Before, the request (its row written on the log's clock), then Find.
func smoke(ctx context.Context, c *ledger.Reader, s *standin.Server, clock *fakeClock, token string, shape standin.LedgerOptions) ledger.Result {
	ticket := c.Before(ctx, model)
	sent := clock.Now()
	id := fmt.Sprintf("20261130030405%017d", time.Now().UnixNano()%1e17)
	// The prompt carries the ticket's signature: a word a token.
	tokens := int64(prompt + ticket.SignatureTokens())
	s.AddLedgerRow(standin.LedgerRow{RequestID: id, Model: model, TokenName: token, PromptTokens: int(tokens), CompletionTokens: output})
	time.Sleep(2 * time.Millisecond) // an answer takes a while: other checks' requests land now
	q := ledger.Query{RequestID: id, Model: model, SentAt: sent, ReceivedAt: clock.Now(), ServerDate: clock.Now().Truncate(time.Second),
		PromptTokens: tokens, CompletionTokens: output, Ticket: ticket}
	if shape.NoRequestID {
		q.RequestID = "" // new-api up to v0.10 answers with an id its rows do not keep; its rows carry none
	}
	return c.Find(ctx, q)
}

// A fleet's checks run at once against the same model and token. Where rows
// carry no request id, each prompt carries its own signature, so each check
// is the only candidate among its own; where they carry one, the id tells.
func TestFleetOrdering(t *testing.T) {
	tests := []struct {
		name       string
		gateway    standin.Gateway
		opts       standin.LedgerOptions
		tokenName  string
		wantStatus ledger.Status
		wantBy     string
		maxReads   int // log API requests for the whole fleet
	}{
		{name: "one-api rows, told apart by request id", gateway: standin.GatewayOneAPI,
			wantStatus: ledger.Confirmed, wantBy: ledger.MatchedByRequestID, maxReads: 3 * 8},
		{name: "new-api rows with request ids", gateway: standin.GatewayNewAPI,
			wantStatus: ledger.Confirmed, wantBy: ledger.MatchedByRequestID, maxReads: 3 * 8},
		{name: "new-api rows without request ids: told apart by their signatures", gateway: standin.GatewayNewAPI, opts: standin.LedgerOptions{NoRequestID: true},
			wantStatus: ledger.Confirmed, wantBy: ledger.MatchedByTimeModelTokens, maxReads: 3 * 8},
		{name: "another token's twin rows: ambiguous", gateway: standin.GatewayNewAPI, opts: standin.LedgerOptions{NoRequestID: true, TwinToken: "prod"},
			wantStatus: ledger.Ambiguous, maxReads: 3 * 8},
		{name: "another token's twin rows, read for our token only", gateway: standin.GatewayNewAPI,
			opts: standin.LedgerOptions{NoRequestID: true, TwinToken: "prod"}, tokenName: "ci-token",
			wantStatus: ledger.Confirmed, wantBy: ledger.MatchedByTimeModelTokens, maxReads: 3 * 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock(t0)
			s, url := standinLedger(t, tt.gateway, tt.opts, clock)
			c := ledger.New(ledger.Options{Endpoint: url, Token: fakeToken, TokenName: tt.tokenName, Wait: 5 * time.Second,
				Now: clock.Now, After: clock.After})
			results := fleet(t, c, s, clock, 8, tt.opts)
			for i, r := range results {
				if r.Status != tt.wantStatus || r.MatchedBy != tt.wantBy {
					t.Errorf("check %d: %s by %q (%s), want %s by %q", i, r.Status, r.MatchedBy, r.Message, tt.wantStatus, tt.wantBy)
				}
				if r.Status == ledger.Ambiguous && (!strings.Contains(r.Message, "ledger_token_name") || !strings.Contains(r.Message, "“prod”")) {
					t.Errorf("check %d: message %q names neither the rows nor the way out", i, r.Message)
				}
			}
			if n := s.LedgerRequests(); n > tt.maxReads {
				t.Errorf("%d log reads for 8 checks, want at most %d", n, tt.maxReads)
			}
			// The configured token name is the gateway's filter on every
			// read, not only the reader's own: the rows it filters out
			// client-side would hide a reader that stopped sending it.
			if tt.tokenName != "" {
				reads := s.LedgerURLs()
				if len(reads) == 0 {
					t.Fatal("the log was never read")
				}
				for i, u := range reads {
					if got := u.Query()["token_name"]; len(got) != 1 || got[0] != tt.tokenName {
						t.Errorf("log read %d (%s?%s) carried token_name %q, want %q", i, u.Path, u.RawQuery, got, tt.tokenName)
					}
				}
			}
		})
	}
}

// Before never delays a send and reads nothing: where rows may carry no
// request id it draws a signature, unique among the requests in flight of
// the model, and Sign pads the prompt with that many words; once the log
// showed rows with request ids, there is nothing to hold.
func TestBeforeNeverWaitsAndSignsUniquely(t *testing.T) {
	clock := newClock(t0)
	s, url := standinLedger(t, standin.GatewayNewAPI, standin.LedgerOptions{NoRequestID: true}, clock)
	c := ledger.New(ledger.Options{Endpoint: url, Token: fakeToken, Wait: time.Second, Now: clock.Now, After: clock.After})
	seen := map[int]bool{}
	var tickets []*ledger.Ticket
	start := time.Now()
	for range 200 {
		tk := c.Before(t.Context(), model)
		n := tk.SignatureTokens()
		if n < 1 || n > ledger.SignatureRange || seen[n] {
			t.Fatalf("signature %d: want 1..%d, unique among the requests in flight", n, ledger.SignatureRange)
		}
		seen[n] = true
		if got := strings.Count(tk.Sign("ping"), ledger.SignatureWord); got != n || !strings.HasPrefix(tk.Sign("ping"), "ping\n") {
			t.Fatalf("Sign pads with %d words, want the prompt then %d", got, n)
		}
		tickets = append(tickets, tk)
	}
	// Seconds of slack for a loaded machine: a Before that waited even
	// 15 ms a ticket (a read, a poll) would take longer.
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("200 tickets took %v: Before must not wait", d)
	}
	if n := s.LedgerRequests(); n != 0 {
		t.Errorf("Before read the log %d times, want never", n)
	}
	for _, tk := range tickets {
		tk.Release()
	}
	if other := c.Before(t.Context(), "another-model"); other.SignatureTokens() == 0 {
		t.Error("another model's request carries no signature")
	}

	// A log whose rows carry request ids needs none.
	s2, url2 := standinLedger(t, standin.GatewayOneAPI, standin.LedgerOptions{}, clock)
	c2 := ledger.New(ledger.Options{Endpoint: url2, Token: fakeToken, Wait: time.Second, Now: clock.Now, After: clock.After})
	if r := smoke(t.Context(), c2, s2, clock, "ci-token", standin.LedgerOptions{}); r.Status != ledger.Confirmed {
		t.Fatalf("one-api smoke: %s %s", r.Status, r.Message)
	}
	if tk := c2.Before(t.Context(), model); tk != nil || tk.Sign("ping") != "ping" {
		t.Errorf("a ticket %+v where rows carry request ids", tk)
	}
}

// A rate limit's 429 is honoured: the next read waits for Retry-After, and
// a Retry-After beyond the wait ends the lookup rather than reading early.
func TestRetryAfterHonoured(t *testing.T) {
	tests := []struct {
		name       string
		retryAfter string
		wait       time.Duration
		want       ledger.Status
		wantWaits  []time.Duration
		message    string
	}{
		{"seconds", "3", 10 * time.Second, ledger.Confirmed, []time.Duration{3 * time.Second}, ""},
		{"an HTTP date on the server's clock", t0.Add(3 * time.Second).Add(4 * time.Second).UTC().Format(http.TimeFormat), 10 * time.Second,
			ledger.Confirmed, []time.Duration{4 * time.Second}, ""},
		{"longer than the wait", "120", 10 * time.Second, ledger.Unavailable, nil, "HTTP 429"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := &fakeGateway{shape: "one_api", rows: []fakeRow{logRow(0, t0.Add(time.Second), model, ourID, prompt, output, 150)},
				answer: func(n int, w http.ResponseWriter, _ *http.Request) bool {
					if n > 1 {
						return false
					}
					w.Header().Set("Date", t0.Add(3*time.Second).UTC().Format(http.TimeFormat))
					w.Header().Set("Retry-After", tt.retryAfter)
					w.WriteHeader(http.StatusTooManyRequests)
					return true
				}}
			url := startGateway(t, g)
			clock := newClock(t0.Add(3 * time.Second))
			got := ledger.New(ledger.Options{Endpoint: url, Token: fakeToken, Wait: tt.wait, PollInterval: 100 * time.Millisecond,
				Now: clock.Now, After: clock.After}).Find(t.Context(), ourQuery())
			if got.Status != tt.want || !strings.Contains(got.Message, tt.message) {
				t.Errorf("Find %s %q, want %s with %q", got.Status, got.Message, tt.want, tt.message)
			}
			if waits := clock.Waits(); fmt.Sprint(waits) != fmt.Sprint(tt.wantWaits) {
				t.Errorf("waits %v, want %v", waits, tt.wantWaits)
			}
			if got.Status == ledger.Confirmed && got.LogID != 0 {
				t.Errorf("one-api's id 0 read as log id %d", got.LogID)
			}
		})
	}
}

// ledger_wait bounds the whole lookup, each read included, whatever the log
// API does: a page answered late, pages that never end.
func TestWaitBoundsEveryRead(t *testing.T) {
	h, release := hangingHandler(nil)
	defer release()
	url := startGateway(t, h)
	const wait = 300 * time.Millisecond
	start := time.Now()
	c := ledger.New(ledger.Options{Endpoint: url, Token: fakeToken, Wait: wait, ReadTimeout: time.Hour})
	done := make(chan ledger.Result, 1)
	go func() {
		ticket := c.Before(t.Context(), model)
		done <- c.Find(t.Context(), ledger.Query{Model: model, Ticket: ticket})
	}()
	var got ledger.Result
	select {
	case got = <-done:
	case <-time.After(20 * wait):
		t.Fatalf("Before and Find still reading after %s against a log API that never answers, with a wait of %s", 20*wait, wait)
	}
	// Seconds of slack for a loaded machine; a read not bounded by the wait
	// would run for the hour of its timeout.
	if took := time.Since(start); took > wait+3*time.Second {
		t.Errorf("Before and Find took %s against a log API that never answers, with a wait of %s", took, wait)
	}
	if got.Status != ledger.Unavailable || !strings.Contains(got.Message, "within ledger_wait") {
		t.Errorf("Find %s %q, want unavailable within the wait", got.Status, got.Message)
	}
}

// A row's quota or tokens outside what a gateway can charge are no charge
// evidence: unavailable, never confirmed.
func TestImplausibleRows(t *testing.T) {
	tests := []struct {
		name       string
		quota      int64
		prompt     int64
		want       ledger.Status
		wantQuota  bool
		wantCharge string
	}{
		{"a plain charge", 150, prompt, ledger.Confirmed, true, "0.0003"},
		{"a quota of minus 2^63", -1 << 63, prompt, ledger.Unavailable, false, ""},
		{"a negative quota", -150, prompt, ledger.Unavailable, false, ""},
		{"an absurd quota", 1<<40 + 1, prompt, ledger.Unavailable, false, ""},
		{"negative tokens", 150, -8, ledger.Unavailable, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := &fakeGateway{shape: "new_api", rows: []fakeRow{logRow(7, t0, model, ourID, tt.prompt, output, tt.quota)}}
			got := ledger.New(ledger.Options{Endpoint: startGateway(t, g), Token: fakeToken}).Find(t.Context(), ourQuery())
			if got.Status != tt.want || got.HasQuota != tt.wantQuota || got.ChargedUSD != tt.wantCharge {
				t.Errorf("Find %s quota %v %q (%s), want %s %v %q", got.Status, got.HasQuota, got.ChargedUSD, got.Message, tt.want, tt.wantQuota, tt.wantCharge)
			}
		})
	}
}

// What a log API sends is cut only after the credentials are redacted: a
// token after a long run of spaces leaves nothing of itself, and the user
// id and token names are not secrets.
func TestMessagesRedactBeforeTheCut(t *testing.T) {
	tests := []struct {
		name    string
		message string
		want    string
	}{
		{"token after 264 spaces", "refused token" + strings.Repeat(" ", 264) + fakeToken, "the gateway refused the log read: refused token [redacted]"},
		{"the API key echoed", "bad key " + fakeAPIKey, "the gateway refused the log read: bad key [redacted]"},
		{"a user id of 1 is kept", "user 1 at 2026-12-01T10:00:22Z with 1 token", "the gateway refused the log read: user 1 at 2026-12-01T10:00:22Z with 1 token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := &fakeGateway{shape: "one_api", answer: answerWith(http.StatusOK, fmt.Sprintf(`{"success":false,"message":%q}`, tt.message), "application/json")}
			got := ledger.New(ledger.Options{Endpoint: startGateway(t, g), Token: fakeToken, UserID: "1"}).Find(t.Context(),
				ledger.Query{RequestID: ourID, Model: model, Key: fakeAPIKey})
			// The refusal, then the window searched (its Date told the
			// gateway's clock).
			if !strings.HasPrefix(got.Message, tt.want+"; it looked for the row of model “gpt-test”") {
				t.Errorf("Message %q, want %q and the window", got.Message, tt.want)
			}
			for i := 0; i+8 <= len(fakeToken); i++ {
				if strings.Contains(got.Message, fakeToken[i:i+8]) {
					t.Fatalf("Message %q holds part of the token", got.Message)
				}
			}
		})
	}
}

// However many checks look at once, a Reader has only a few reads in
// flight, each bounded in size, so the memory its lookups hold is bounded.
func TestConcurrentLookupsBounded(t *testing.T) {
	var mu sync.Mutex
	inFlight, peak := 0, 0
	release := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inFlight++
		peak = max(peak, inFlight)
		mu.Unlock()
		select {
		case <-release:
		case <-r.Context().Done():
		}
		mu.Lock()
		inFlight--
		mu.Unlock()
		writeJSON(w, map[string]any{"success": true, "data": []any{}})
	})
	url := startGateway(t, h)
	c := ledger.New(ledger.Options{Endpoint: url, Token: fakeToken})
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() { c.Find(t.Context(), ourQuery()) })
	}
	time.Sleep(200 * time.Millisecond)
	close(release)
	wg.Wait()
	if peak < 1 || peak > 8 {
		t.Errorf("%d reads in flight at once for 20 lookups, want at most 8", peak)
	}
}

// On the real clock, a ledger that answers and never holds the record is
// not_found when the wait runs out: the last read starts early enough to
// finish inside the wait, never cut short by it. The bound allows seconds
// of scheduling on a loaded machine, less than the read timeout, so a
// lookup that ran a further read (or waited one out) past the wait fails.
func TestLastReadFinishesInsideTheWait(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		time.Sleep(20 * time.Millisecond) // each answer takes a while
		writeJSON(w, map[string]any{"success": true, "data": []any{}})
	})
	const wait, readTimeout, slack = 500 * time.Millisecond, 5 * time.Second, 2 * time.Second
	c := ledger.New(ledger.Options{Endpoint: startGateway(t, h), Token: fakeToken, Wait: wait, ReadTimeout: readTimeout, PollInterval: 50 * time.Millisecond})
	start := time.Now()
	got := c.Find(t.Context(), ourQuery())
	if got.Status != ledger.NotFound || !strings.Contains(got.Message, "over 500ms") {
		t.Errorf("Find %s %q, want not_found when the wait ran out", got.Status, got.Message)
	}
	if took := time.Since(start); took > wait+slack {
		t.Errorf("Find took %s with a wait of %s (and %s of slack)", took, wait, slack)
	}
}
