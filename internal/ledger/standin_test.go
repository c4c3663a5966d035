package ledger_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/ledger"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/standin"
)

// TestFindOnTheStandin reads the stand-in's own log API, in both flavours,
// with its switches: the reader and the log share one fake clock, so a row
// written late becomes visible as the reader's pauses move the clock on.
func TestFindOnTheStandin(t *testing.T) {
	ourRow := standin.LedgerRow{RequestID: ourID, Model: model, TokenName: "ci-token", PromptTokens: prompt, CompletionTokens: output, CreatedAt: t0.Add(time.Second)}
	tests := []struct {
		name     string
		ledger   standin.LedgerOptions
		rows     []standin.LedgerRow // written in order, after 25 rows of other requests when busy
		busy     bool
		userID   string
		token    string
		want     ledger.Result // CheckedAt and Message apart
		message  string
		requests int // log API requests the stand-in counted
	}{
		{
			name: "confirmed by request_id", rows: []standin.LedgerRow{ourRow},
			want:     ledger.Result{Status: ledger.Confirmed, MatchedBy: ledger.MatchedByRequestID, LogID: 1, RequestID: ourID, TokenName: "ci-token", PromptTokens: prompt, CompletionTokens: output, Quota: 18, HasQuota: true, ChargedUSD: "0.000036", Model: model},
			requests: 1,
		},
		{
			name: "confirmed on a later page of a busy log", rows: []standin.LedgerRow{ourRow}, busy: true,
			want:     ledger.Result{Status: ledger.Confirmed, MatchedBy: ledger.MatchedByRequestID, LogID: 1, RequestID: ourID, TokenName: "ci-token", PromptTokens: prompt, CompletionTokens: output, Quota: 18, HasQuota: true, ChargedUSD: "0.000036", Model: model},
			requests: 3,
		},
		{
			name: "confirmed on time, model and tokens without request_id", ledger: standin.LedgerOptions{NoRequestID: true},
			rows: []standin.LedgerRow{{Model: "other-model", PromptTokens: prompt, CompletionTokens: output, CreatedAt: t0}, ourRow}, busy: true,
			want:     ledger.Result{Status: ledger.Confirmed, MatchedBy: ledger.MatchedByTimeModelTokens, LogID: 2, TokenName: "ci-token", PromptTokens: prompt, CompletionTokens: output, Quota: 18, HasQuota: true, ChargedUSD: "0.000036", Model: model},
			requests: 3, // the whole window is read, to be sure no second row fits
		},
		{
			name: "two rows that fit are no match", ledger: standin.LedgerOptions{NoRequestID: true},
			rows:     []standin.LedgerRow{ourRow, {Model: model, PromptTokens: prompt, CompletionTokens: output, CreatedAt: t0}},
			want:     ledger.Result{Status: ledger.Ambiguous},
			message:  "2 rows could each be this request",
			requests: 1,
		},
		{
			name: "a row written late is found when it shows", ledger: standin.LedgerOptions{Late: 3 * time.Second}, rows: []standin.LedgerRow{ourRow},
			want:     ledger.Result{Status: ledger.Confirmed, MatchedBy: ledger.MatchedByRequestID, LogID: 1, RequestID: ourID, TokenName: "ci-token", PromptTokens: prompt, CompletionTokens: output, Quota: 18, HasQuota: true, ChargedUSD: "0.000036", Model: model},
			requests: 4,
		},
		{
			name: "a row written later than the wait is not found", ledger: standin.LedgerOptions{Late: time.Minute}, rows: []standin.LedgerRow{ourRow},
			want:     ledger.Result{Status: ledger.NotFound},
			message:  "after 5 reads over 5s", // backing off: at 0, 0.5, 1.5, 3.5 and 5 s
			requests: 5,
		},
		{
			name: "a row never written is not found", ledger: standin.LedgerOptions{NeverWrite: true}, rows: []standin.LedgerRow{ourRow},
			want:     ledger.Result{Status: ledger.NotFound},
			message:  "after 5 reads over 5s", // backing off: at 0, 0.5, 1.5, 3.5 and 5 s
			requests: 5,
		},
		{
			name: "the gateway's own estimate is a mismatch", ledger: standin.LedgerOptions{Estimate: true}, rows: []standin.LedgerRow{ourRow},
			want:     ledger.Result{Status: ledger.Mismatch, MatchedBy: ledger.MatchedByRequestID, LogID: 1, RequestID: ourID, TokenName: "ci-token", PromptTokens: prompt + 3, CompletionTokens: output, Quota: 23, HasQuota: true, ChargedUSD: "0.000046", Model: model},
			message:  "charged 11 prompt and 1 completion tokens",
			requests: 1,
		},
		{
			name: "a refused access token is unavailable at once", ledger: standin.LedgerOptions{RefuseToken: true}, rows: []standin.LedgerRow{ourRow},
			want:     ledger.Result{Status: ledger.Unavailable},
			message:  "the gateway refused the log read: 无权进行此操作，access token 无效",
			requests: 1,
		},
		{
			name: "a token that is not the access token is refused", rows: []standin.LedgerRow{ourRow}, token: "fake-other-ledger-4Rb8Xw",
			want:     ledger.Result{Status: ledger.Unavailable},
			message:  "access token 无效",
			requests: 1,
		},
	}
	for _, gateway := range []standin.Gateway{standin.GatewayOneAPI, standin.GatewayNewAPI} {
		for _, tt := range tests {
			if gateway == standin.GatewayOneAPI && tt.ledger.NoRequestID {
				// one-api writes a request id in every row: rows with
				// neither an id nor a request id are new-api's alone.
				continue
			}
			t.Run(string(gateway)+" "+tt.name, func(t *testing.T) {
				s := standin.New(standin.Options{Gateway: gateway, APIKeys: []string{fakeAPIKey}})
				url, stop := s.Start()
				t.Cleanup(stop)
				clock := newClock(t0.Add(3 * time.Second))
				tt.ledger.AccessToken = fakeToken
				tt.ledger.Now = clock.Now
				s.SetLedger(tt.ledger)
				for _, r := range tt.rows {
					s.AddLedgerRow(r)
				}
				if tt.busy {
					for i := range 25 {
						s.AddLedgerRow(standin.LedgerRow{RequestID: fmt.Sprint("busy-", i), Model: model, PromptTokens: 30, CompletionTokens: 7, CreatedAt: t0.Add(2 * time.Second)})
					}
				}
				token := tt.token
				if token == "" {
					token = fakeToken
				}
				c := ledger.New(ledger.Options{Endpoint: url, Token: token, Wait: 5 * time.Second, Now: clock.Now, After: clock.After})
				got := c.Find(context.Background(), ourQuery())

				if !strings.Contains(got.Message, tt.message) || tt.message == "" && got.Message != "" {
					t.Errorf("Message %q, want it to hold %q", got.Message, tt.message)
				}
				fields, want := got, tt.want
				fields.CheckedAt, fields.Message = time.Time{}, ""
				if gateway == standin.GatewayOneAPI {
					want.LogID = 0 // one-api's log leaves the id column out
				}
				if fields != want {
					t.Errorf("Find\n got %+v\nwant %+v", fields, want)
				}
				assertNoCredential(t, got)
				if n := s.LedgerRequests(); n != tt.requests {
					t.Errorf("the log API counted %d requests, want %d", n, tt.requests)
				}
				if s.AIRequests() != 0 {
					t.Errorf("the ledger sent %d AI requests, want none", s.AIRequests())
				}
				for i, h := range s.LedgerHeaders() {
					for name, values := range h {
						if strings.Contains(strings.Join(values, " "), fakeAPIKey) {
							t.Errorf("log request %d carried the API key in %s", i, name)
						}
					}
					if h.Get("Authorization") != token {
						t.Errorf("log request %d carried Authorization %q, want the access token", i, h.Get("Authorization"))
					}
				}
			})
		}
	}
}

func TestFindOnTheStandinSendsTheNewAPIUser(t *testing.T) {
	tests := []struct {
		name, userID string
		want         ledger.Status
		message      string
	}{
		{"its user", "42", ledger.Confirmed, ""},
		{"no user", "", ledger.Unavailable, "未提供 New-Api-User"},
		{"another user", "43", ledger.Unavailable, "New-Api-User 与登录用户不匹配"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := standin.New(standin.Options{Gateway: standin.GatewayNewAPI})
			url, stop := s.Start()
			t.Cleanup(stop)
			s.SetLedger(standin.LedgerOptions{UserID: "42"})
			s.AddLedgerRow(standin.LedgerRow{RequestID: ourID, Model: model, PromptTokens: prompt, CompletionTokens: output, CreatedAt: t0})
			got := ledger.New(ledger.Options{Endpoint: url, Token: standin.DefaultLedgerAccessToken, UserID: tt.userID}).Find(context.Background(), ourQuery())
			if got.Status != tt.want || !strings.Contains(got.Message, tt.message) {
				t.Errorf("Find %+v, want %s with %q", got, tt.want, tt.message)
			}
		})
	}
}
