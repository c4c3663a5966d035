package ledger_test

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/ledger"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/sanitize"
)

const (
	ourID  = "2026113003040500000000000000001"
	model  = "gpt-test"
	prompt = 8
	output = 1
)

func ourQuery() ledger.Query {
	return ledger.Query{RequestID: ourID, Model: model, SentAt: t0, ReceivedAt: t0.Add(2 * time.Second), PromptTokens: prompt, CompletionTokens: output}
}

// others are n rows of other requests of the same model, newest first,
// all inside the window and with tokens unlike the query's.
func others(n int, firstID int64) []fakeRow {
	rows := make([]fakeRow, n)
	for i := range rows {
		rows[i] = logRow(firstID-int64(i), t0.Add(2*time.Second), model, "other-"+strconv.Itoa(i), 30, 7, 400)
	}
	return rows
}

func answerWith(status int, body string, contentType string) func(int, http.ResponseWriter, *http.Request) bool {
	return func(_ int, w http.ResponseWriter, _ *http.Request) bool {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
		return true
	}
}

func TestFind(t *testing.T) {
	ours := logRow(7, t0.Add(time.Second), model, ourID, prompt, output, 150)
	oursNoID := logRow(7, t0.Add(time.Second), model, "", prompt, output, 150)
	tests := []struct {
		name    string
		shape   string
		rows    []fakeRow
		answer  func(n int, w http.ResponseWriter, r *http.Request) bool
		query   func(*ledger.Query)
		opts    func(*ledger.Options)
		want    ledger.Result // CheckedAt and Message are checked apart
		message string        // a part of Message; "" wants none
		pages   []string      // the p of each request, in order
		waits   []time.Duration
	}{
		{
			name: "one-api shape, matched by request_id", shape: "one_api", rows: []fakeRow{ours},
			want:  ledger.Result{Status: ledger.Confirmed, MatchedBy: ledger.MatchedByRequestID, LogID: 7, RequestID: ourID, TokenName: "ci-token", PromptTokens: prompt, CompletionTokens: output, Quota: 150, HasQuota: true, ChargedUSD: "0.0003", Model: model},
			pages: []string{"0"},
		},
		{
			name: "new-api shape, matched by request_id", shape: "new_api", rows: []fakeRow{ours},
			want:  ledger.Result{Status: ledger.Confirmed, MatchedBy: ledger.MatchedByRequestID, LogID: 7, RequestID: ourID, TokenName: "ci-token", PromptTokens: prompt, CompletionTokens: output, Quota: 150, HasQuota: true, ChargedUSD: "0.0003", Model: model},
			pages: []string{"0"},
		},
		{
			name: "one-api shape, the row on the third page", shape: "one_api", rows: append(others(25, 100), ours),
			want:  ledger.Result{Status: ledger.Confirmed, MatchedBy: ledger.MatchedByRequestID, LogID: 7, RequestID: ourID, TokenName: "ci-token", PromptTokens: prompt, CompletionTokens: output, Quota: 150, HasQuota: true, ChargedUSD: "0.0003", Model: model},
			pages: []string{"0", "1", "2"},
		},
		{
			name: "new-api shape, the row on the third page", shape: "new_api", rows: append(others(25, 100), ours),
			want:  ledger.Result{Status: ledger.Confirmed, MatchedBy: ledger.MatchedByRequestID, LogID: 7, RequestID: ourID, TokenName: "ci-token", PromptTokens: prompt, CompletionTokens: output, Quota: 150, HasQuota: true, ChargedUSD: "0.0003", Model: model},
			pages: []string{"0", "2", "3"},
		},
		{
			name: "rows without request_id: the one row of the model with the tokens", shape: "one_api",
			rows: []fakeRow{
				logRow(9, t0.Add(time.Second), "other-model", "", prompt, output, 150),
				logRow(8, t0.Add(time.Second), model, "", prompt+1, output, 160),
				oursNoID,
			},
			want:  ledger.Result{Status: ledger.Confirmed, MatchedBy: ledger.MatchedByTimeModelTokens, LogID: 7, TokenName: "ci-token", PromptTokens: prompt, CompletionTokens: output, Quota: 150, HasQuota: true, ChargedUSD: "0.0003", Model: model},
			pages: []string{"0"},
		},
		{
			name: "no id came back: rows with ids match on time, model and tokens", shape: "new_api",
			rows:  []fakeRow{logRow(7, t0.Add(time.Second), model, "someone-elses-format", prompt, output, 150)},
			query: func(q *ledger.Query) { q.RequestID = "" },
			want:  ledger.Result{Status: ledger.Confirmed, MatchedBy: ledger.MatchedByTimeModelTokens, LogID: 7, RequestID: "someone-elses-format", TokenName: "ci-token", PromptTokens: prompt, CompletionTokens: output, Quota: 150, HasQuota: true, ChargedUSD: "0.0003", Model: model},
			pages: []string{"0"},
		},
		{
			name: "two candidates are no match, and waiting cannot help", shape: "one_api",
			rows:    []fakeRow{logRow(8, t0.Add(2*time.Second), model, "", prompt, output, 150), oursNoID},
			opts:    func(o *ledger.Options) { o.Wait = 10 * time.Second },
			want:    ledger.Result{Status: ledger.Ambiguous},
			message: "2 rows could each be this request (model “gpt-test”, 8+1 tokens, from 2026-11-30T03:04:04Z to 03:04:08Z): id 8 at 2026-11-30T03:04:07Z of token “ci-token”; id 7 at 2026-11-30T03:04:06Z of token “ci-token”. Another request",
			pages:   []string{"0"},
		},
		{
			name: "a row carrying another request's id is no candidate", shape: "one_api",
			rows:    []fakeRow{logRow(7, t0.Add(time.Second), model, "another-request", prompt, output, 150)},
			want:    ledger.Result{Status: ledger.NotFound},
			message: "No row with request id “" + ourID + "”",
			pages:   []string{"0"},
		},
		{
			name: "a row before the padded window is no candidate", shape: "one_api",
			rows:    []fakeRow{logRow(7, t0.Add(-ledger.DefaultSkew-time.Second), model, "", prompt, output, 150)},
			want:    ledger.Result{Status: ledger.NotFound},
			message: "No row",
			pages:   []string{"0"},
		},
		{
			// The window has no end of its own: a row stamped long after the
			// answer (a contended database) is still this request's.
			name: "a row stamped long after the answer is found", shape: "new_api",
			rows:  []fakeRow{logRow(7, t0.Add(2*time.Second+ledger.DefaultSkew+time.Second), model, "", prompt, output, 150)},
			query: func(q *ledger.Query) { q.RequestID = "" },
			want:  ledger.Result{Status: ledger.Confirmed, MatchedBy: ledger.MatchedByTimeModelTokens, LogID: 7, TokenName: "ci-token", PromptTokens: prompt, CompletionTokens: output, Quota: 150, HasQuota: true, ChargedUSD: "0.0003", Model: model},
			pages: []string{"0"},
		},
		{
			name: "matched by request_id with the gateway's own token estimate", shape: "new_api",
			rows:    []fakeRow{logRow(7, t0.Add(time.Second), model, ourID, prompt+3, output, 165)},
			want:    ledger.Result{Status: ledger.Mismatch, MatchedBy: ledger.MatchedByRequestID, LogID: 7, RequestID: ourID, TokenName: "ci-token", PromptTokens: prompt + 3, CompletionTokens: output, Quota: 165, HasQuota: true, ChargedUSD: "0.00033", Model: model},
			message: "charged 11 prompt and 1 completion tokens; the response reported 8 and 1",
			pages:   []string{"0"},
		},
		{
			name: "a row written late is found on a later read", shape: "one_api", rows: []fakeRow{ours.from(3)},
			opts:  func(o *ledger.Options) { o.Wait, o.PollInterval = 10*time.Second, time.Second },
			want:  ledger.Result{Status: ledger.Confirmed, MatchedBy: ledger.MatchedByRequestID, LogID: 7, RequestID: ourID, TokenName: "ci-token", PromptTokens: prompt, CompletionTokens: output, Quota: 150, HasQuota: true, ChargedUSD: "0.0003", Model: model},
			pages: []string{"0", "0", "0"},
			waits: []time.Duration{time.Second, 2 * time.Second}, // backing off
		},
		{
			name: "a row never written is not_found when the wait runs out, read at its end too", shape: "one_api", rows: others(3, 100),
			opts:    func(o *ledger.Options) { o.Wait, o.PollInterval = 2500*time.Millisecond, time.Second },
			want:    ledger.Result{Status: ledger.NotFound},
			message: "after 3 reads over 2.5s",
			pages:   []string{"0", "0", "0"},
			// the last read a tenth of the wait before its end, then the end
			waits: []time.Duration{time.Second, 1250 * time.Millisecond, 250 * time.Millisecond},
		},
		{
			name: "a wait of zero reads once", shape: "new_api", rows: nil,
			want:    ledger.Result{Status: ledger.NotFound},
			message: "after 1 read over 0s",
			pages:   []string{"0"},
		},
		{
			name: "a row older than the window ends the paging", shape: "one_api",
			rows: append(others(10, 100), append([]fakeRow{logRow(50, t0.Add(-time.Hour), model, "old", 1, 1, 1)}, others(15, 49)...)...),
			want: ledger.Result{Status: ledger.NotFound}, message: "No row", pages: []string{"0", "1"},
		},
		{
			name: "a gateway that ignores p is not paged for ever", shape: "new_api",
			answer: func(_ int, w http.ResponseWriter, _ *http.Request) bool {
				items := make([]map[string]any, 10)
				for i, r := range others(10, 100) {
					items[i] = r.fields
				}
				writeJSON(w, map[string]any{"success": true, "data": map[string]any{"items": items, "total": 1000, "page": 1, "page_size": 10}})
				return true
			},
			want: ledger.Result{Status: ledger.NotFound}, message: "No row", pages: []string{"0", "2"},
		},
		{
			name: "success false is unavailable at once, with the gateway's message", shape: "one_api",
			answer:  answerWith(http.StatusOK, `{"success":false,"message":"无权进行此操作，access token 无效"}`, "application/json"),
			opts:    func(o *ledger.Options) { o.Wait = 10 * time.Second },
			want:    ledger.Result{Status: ledger.Unavailable},
			message: "the gateway refused the log read: 无权进行此操作，access token 无效",
			pages:   []string{"0"},
		},
		{
			name: "a 401 quotes the gateway's message", shape: "new_api",
			answer:  answerWith(http.StatusUnauthorized, `{"success":false,"message":"无权进行此操作，未提供 New-Api-User"}`, "application/json"),
			opts:    func(o *ledger.Options) { o.Wait = 10 * time.Second },
			want:    ledger.Result{Status: ledger.Unavailable},
			message: "HTTP 401: 无权进行此操作，未提供 New-Api-User",
			pages:   []string{"0"},
		},
		{
			name: "HTTP 500 on every read is unavailable when the wait runs out", shape: "one_api",
			answer:  answerWith(http.StatusInternalServerError, "upstream exploded", "text/plain"),
			opts:    func(o *ledger.Options) { o.Wait, o.PollInterval = 2*time.Second, time.Second },
			want:    ledger.Result{Status: ledger.Unavailable},
			message: "the log API answered HTTP 500",
			pages:   []string{"0", "0", "0"},
			waits:   []time.Duration{time.Second, 800 * time.Millisecond, 200 * time.Millisecond},
		},
		{
			name: "HTTP 500 once, then the row", shape: "new_api", rows: []fakeRow{ours},
			answer: func(n int, w http.ResponseWriter, r *http.Request) bool {
				return n == 1 && answerWith(http.StatusServiceUnavailable, "", "text/plain")(n, w, r)
			},
			opts:  func(o *ledger.Options) { o.Wait, o.PollInterval = 10*time.Second, time.Second },
			want:  ledger.Result{Status: ledger.Confirmed, MatchedBy: ledger.MatchedByRequestID, LogID: 7, RequestID: ourID, TokenName: "ci-token", PromptTokens: prompt, CompletionTokens: output, Quota: 150, HasQuota: true, ChargedUSD: "0.0003", Model: model},
			pages: []string{"0", "0"},
			waits: []time.Duration{time.Second},
		},
		{
			name: "an HTML page is unavailable, naming what came", shape: "one_api",
			answer:  answerWith(http.StatusOK, "<!doctype html><title>New API</title>", "text/html; charset=utf-8"),
			want:    ledger.Result{Status: ledger.Unavailable},
			message: "not JSON (text/html)",
			pages:   []string{"0"},
		},
		{
			name: "data that is neither shape is unavailable", shape: "one_api",
			answer:  answerWith(http.StatusOK, `{"success":true,"data":"rows"}`, "application/json"),
			want:    ledger.Result{Status: ledger.Unavailable},
			message: "neither a list of rows nor a page",
			pages:   []string{"0"},
		},
		{
			name: "an answer over the size bound is unavailable", shape: "one_api",
			answer:  answerWith(http.StatusOK, `{"success":true,"data":[],"pad":"`+strings.Repeat("x", 2<<20)+`"}`, "application/json"),
			want:    ledger.Result{Status: ledger.Unavailable},
			message: "over 256 KiB",
			pages:   []string{"0"},
		},
		{
			name: "a redirect is not followed", shape: "one_api",
			answer: func(_ int, w http.ResponseWriter, r *http.Request) bool {
				http.Redirect(w, r, "/elsewhere", http.StatusFound)
				return true
			},
			want:    ledger.Result{Status: ledger.Unavailable},
			message: "HTTP 302 (redirects are not followed)",
			pages:   []string{"0"},
		},
		{
			name: "the token echoed by the gateway is scrubbed; the user id is no secret and stays, as do the figures around it", shape: "new_api",
			answer:  answerWith(http.StatusOK, `{"success":false,"message":"access token `+fakeToken+` of user `+fakeUserID+` (request id: 2026113042170000) refused"}`, "application/json"),
			want:    ledger.Result{Status: ledger.Unavailable},
			message: "access token [redacted] of user 4217 (request id: 2026113042170000) refused",
			pages:   []string{"0"},
		},
		{
			name: "a row's token name holding the token is scrubbed", shape: "one_api",
			rows: []fakeRow{func() fakeRow {
				r := logRow(7, t0.Add(time.Second), model, ourID, prompt, output, 150)
				r.fields["token_name"] = "named " + fakeToken
				return r
			}()},
			want:  ledger.Result{Status: ledger.Confirmed, MatchedBy: ledger.MatchedByRequestID, LogID: 7, RequestID: ourID, TokenName: sanitize.Digest("named " + fakeToken), PromptTokens: prompt, CompletionTokens: output, Quota: 150, HasQuota: true, ChargedUSD: "0.0003", Model: model},
			pages: []string{"0"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock(t0.Add(3 * time.Second))
			g := &fakeGateway{shape: tt.shape, rows: tt.rows, answer: tt.answer, clock: clock}
			url := startGateway(t, g)
			opts := ledger.Options{Endpoint: url + "/", Token: fakeToken, UserID: fakeUserID, Now: clock.Now, After: clock.After}
			if tt.opts != nil {
				tt.opts(&opts)
			}
			q := ourQuery()
			if tt.query != nil {
				tt.query(&q)
			}
			got := ledger.New(opts).Find(context.Background(), q)

			if got.CheckedAt != clock.Now() {
				t.Errorf("CheckedAt %v, want the clock's %v", got.CheckedAt, clock.Now())
			}
			if tt.message == "" && got.Message != "" || !strings.Contains(got.Message, tt.message) {
				t.Errorf("Message %q, want it to hold %q", got.Message, tt.message)
			}
			wantFields, gotFields := tt.want, got
			gotFields.CheckedAt, gotFields.Message = time.Time{}, ""
			if gotFields != wantFields {
				t.Errorf("Find\n got %+v\nwant %+v", gotFields, wantFields)
			}
			assertNoCredential(t, got)
			reqs, heads := g.requests()
			var pages []string
			for i, r := range reqs {
				pages = append(pages, r["p"])
				if r["path"] != "/api/log/self" || r["type"] != "2" || r["model_name"] != q.Model {
					t.Errorf("request %d asked %v, want the log of type 2 and model %q", i, r, q.Model)
				}
				if heads[i].Get("Authorization") != fakeToken || heads[i].Get("New-Api-User") != fakeUserID {
					t.Errorf("request %d carried Authorization %q and New-Api-User %q", i, heads[i].Get("Authorization"), heads[i].Get("New-Api-User"))
				}
			}
			if !slices.Equal(pages, tt.pages) {
				t.Errorf("pages asked %q, want %q", pages, tt.pages)
			}
			if waits := clock.Waits(); !slices.Equal(waits, tt.waits) {
				t.Errorf("waits %v, want %v", waits, tt.waits)
			}
		})
	}
}

// assertNoCredential fails when any string field of r holds the token or
// the API key.
func assertNoCredential(t *testing.T, r ledger.Result) {
	t.Helper()
	v := reflect.ValueOf(r)
	for i := range v.NumField() {
		f := v.Field(i)
		if f.Kind() != reflect.String {
			continue
		}
		s := f.String()
		if strings.Contains(s, fakeToken) || strings.Contains(s, fakeAPIKey) {
			t.Errorf("Result.%s holds a credential: %q", v.Type().Field(i).Name, s)
		}
	}
}

// The window is placed on the gateway's own clock: the log API's Date and
// this host's elapsed time since the send, never the answer's Date (the
// upstream's, which gateways copy). It has a start and no end: the end
// follows the reads. The first read of a Reader, before any Date is known,
// is not filtered by time; later reads start at the send on the gateway's
// clock less a second.
func TestFindPlacesTheWindowOnTheGatewaysClock(t *testing.T) {
	for _, skew := range []time.Duration{-time.Minute, 0, time.Minute} {
		t.Run(fmt.Sprint("log clock ", skew), func(t *testing.T) {
			host := newClock(t0.Add(3 * time.Second))
			gw := newClock(t0.Add(3*time.Second + skew)) // the gateway's clock, skew off this host's
			g := &fakeGateway{shape: "new_api", clock: gw, rows: []fakeRow{
				// stamped in the second of the send on the gateway's clock
				logRow(7, t0.Add(skew), model, "", prompt, output, 150).from(2),
				// an earlier request with the same tokens, 3 s before the send
				logRow(6, t0.Add(skew-3*time.Second), model, "", prompt, output, 150),
			}}
			url := startGateway(t, g)
			c := ledger.New(ledger.Options{Endpoint: url, Token: fakeToken, Wait: 5 * time.Second, Now: host.Now, After: func(d time.Duration) <-chan time.Time {
				gw.After(d)
				return host.After(d)
			}})
			q := ledger.Query{Model: model, SentAt: t0.Add(300 * time.Millisecond), ReceivedAt: t0.Add(2 * time.Second),
				ServerDate:   t0.Add(-2 * skew), // the upstream's clock, copied: it places nothing
				PromptTokens: prompt, CompletionTokens: output}
			got := c.Find(context.Background(), q)
			if got.Status != ledger.Confirmed || got.LogID != 7 {
				t.Errorf("Find %+v, want row 7 confirmed", got)
			}
			reqs, _ := g.requests()
			if len(reqs) != 2 {
				t.Fatalf("%d reads, want 2", len(reqs))
			}
			if _, ok := reqs[0]["start_timestamp"]; ok {
				t.Errorf("the first read, before the gateway's clock is known, asked from %s", reqs[0]["start_timestamp"])
			}
			// The Date is whole seconds and the read takes a while: the start
			// is at most two seconds before the send, never after it.
			send := t0.Add(skew).Unix()
			if from, _ := strconv.ParseInt(reqs[1]["start_timestamp"], 10, 64); from > send || from < send-2 {
				t.Errorf("the second read asked from %d, want the send on the gateway's clock (%d) less at most 2 s", from, send)
			}
			for i, r := range reqs {
				if _, ok := r["end_timestamp"]; ok {
					t.Errorf("read %d has an end_timestamp: the end follows the reads", i)
				}
			}
		})
	}
}

func TestFindBoundsEachRead(t *testing.T) {
	h, release := hangingHandler(nil)
	url := startGateway(t, h)
	defer release()
	c := ledger.New(ledger.Options{Endpoint: url, Token: fakeToken, ReadTimeout: 50 * time.Millisecond})
	done := make(chan ledger.Result, 1)
	go func() { done <- c.Find(context.Background(), ourQuery()) }()
	select {
	case got := <-done:
		if got.Status != ledger.Unavailable || !strings.Contains(got.Message, "did not answer") {
			t.Errorf("Find %+v, want unavailable for the read timeout", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Find outlived its 50ms read timeout")
	}
}

func TestFindHonoursCancellation(t *testing.T) {
	arrived := make(chan struct{}, 1)
	h, release := hangingHandler(arrived)
	hanging := startGateway(t, h)
	defer release()
	empty := startGateway(t, &fakeGateway{shape: "one_api"})
	tests := []struct {
		name   string
		url    string
		cancel func(context.CancelFunc)
		// after, when set, is the pause between reads; it gets the cancel.
		after func(context.CancelFunc) func(time.Duration) <-chan time.Time
	}{
		{name: "cancelled before the first read", url: hanging, cancel: func(cancel context.CancelFunc) { cancel() }},
		{name: "cancelled during a read", url: hanging, cancel: func(cancel context.CancelFunc) { go func() { <-arrived; cancel() }() }},
		{
			name: "cancelled between reads", url: empty, cancel: func(context.CancelFunc) {},
			after: func(cancel context.CancelFunc) func(time.Duration) <-chan time.Time {
				return func(time.Duration) <-chan time.Time { cancel(); return nil } // a pause that never ends
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			tt.cancel(cancel)
			opts := ledger.Options{Endpoint: tt.url, Token: fakeToken, Wait: time.Hour, ReadTimeout: time.Hour}
			if tt.after != nil {
				opts.After = tt.after(cancel)
			}
			done := make(chan ledger.Result, 1)
			go func() { done <- ledger.New(opts).Find(ctx, ourQuery()) }()
			select {
			case got := <-done:
				if got.Status != ledger.Unavailable || !strings.Contains(got.Message, "cancelled after") {
					t.Errorf("Find %+v, want unavailable, cancelled", got)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Find ignored the cancellation")
			}
		})
	}
}

func TestFindQuotaPerUSD(t *testing.T) {
	tests := []struct {
		perUSD float64
		quota  int64
		want   string
	}{
		{0, 150, "0.0003"}, // the default
		{-1, 150, "0.0003"},
		{500000, 500000, "1"},
		{500000, 0, "0"},
		{500000, 123456789, "246.913578"},
		{0.1, 3, "30"},                     // 3 / 0.1 in floats is 30.000000000000004
		{0.1, 10000000000, "100000000000"}, // 0.1 read as its binary value leaves a tail within the decimals shown
		{3, 1, "0.333333333333"},
		{500000, 1 << 40, "2199023.255552"}, // the largest quota taken as a charge
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d per %g", tt.quota, tt.perUSD), func(t *testing.T) {
			g := &fakeGateway{shape: "one_api", rows: []fakeRow{logRow(7, t0, model, ourID, prompt, output, tt.quota)}}
			url := startGateway(t, g)
			got := ledger.New(ledger.Options{Endpoint: url, Token: fakeToken, QuotaPerUSD: tt.perUSD}).Find(context.Background(), ourQuery())
			if got.ChargedUSD != tt.want || got.Quota != tt.quota {
				t.Errorf("quota %d charged %q, want %d and %q", got.Quota, got.ChargedUSD, tt.quota, tt.want)
			}
		})
	}
}

// hangingHandler never answers: it waits for the client to go away, or for
// release, which the test defers so that a client that never gives up
// cannot hang the server's Close. It signals arrived (when not nil) as a
// request comes in.
func hangingHandler(arrived chan<- struct{}) (http.Handler, func()) {
	release := make(chan struct{})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if arrived != nil {
			select {
			case arrived <- struct{}{}:
			default:
			}
		}
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}), sync.OnceFunc(func() { close(release) })
}
