package ledger_test

import (
	"strings"
	"testing"
	"time"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/ledger"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/sanitize/leakcheck"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/standin"
)

// A pending record read again on refresh: still pending while no bucket
// shows, confirmed once it does, a fleet's bucket confirmed as one of N by
// the sums kept with it, larger figures ambiguous, and still pending 24 h
// after the send not_found. No read carries anything but the admin key.
func TestRecheck(t *testing.T) {
	const keyID = "key_fake_approved"
	sent := t0
	single := ledger.Recheck{API: ledger.OpenAIUsage, SentAt: sent, KeyID: keyID, Model: model, PromptTokens: 8, CompletionTokens: 1}
	fleet := single
	fleet.Fleet = map[string]ledger.FleetSum{"1796007840": {N: 3, PromptTokens: 24, CompletionTokens: 3}}
	if m := sent.Unix() - sent.Unix()%60; m != 1796007840 {
		t.Fatalf("t0's minute is %d", m)
	}
	tests := []struct {
		name    string
		rc      ledger.Recheck
		usage   []standin.UsageRecord
		after   time.Duration
		want    ledger.Status
		matched string
	}{
		{"no bucket yet: pending", single, nil, time.Hour, ledger.Pending, ""},
		{"the bucket: confirmed", single, []standin.UsageRecord{{Requests: 1, Input: 8, Output: 1}}, time.Hour, ledger.Confirmed, ledger.MatchedByBucket},
		{"a fleet's bucket equal to its sums", fleet, []standin.UsageRecord{{Requests: 3, Input: 24, Output: 3}}, time.Hour, ledger.Confirmed, ledger.MatchedByBucketSum},
		{"more than the fleet", fleet, []standin.UsageRecord{{Requests: 4, Input: 32, Output: 4}}, time.Hour, ledger.Ambiguous, ""},
		{"still nothing after 24 h", single, nil, 25 * time.Hour, ledger.NotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock(sent.Add(tt.after))
			s := standin.New(standin.Options{})
			s.SetUsage(standin.UsageOptions{AdminKeys: []string{fakeToken}, Now: clock.Now})
			for _, u := range tt.usage {
				u.KeyID, u.Model, u.At = keyID, model, sent
				s.AddUsage(u)
			}
			url, stop := s.Start()
			t.Cleanup(stop)
			r := ledger.New(ledger.Options{API: ledger.OpenAIUsage, Endpoint: url + "/v1", Token: fakeToken, KeyID: keyID, Now: clock.Now})
			got := r.Recheck(t.Context(), tt.rc)
			if got.Status != tt.want || got.MatchedBy != tt.matched || (got.Status == ledger.Pending) != (got.Recheck != nil) {
				t.Errorf("Recheck = %+v, want %s by %q (a recheck kept only while pending)", got, tt.want, tt.matched)
			}
			for i, req := range s.UsageRequests() {
				if req.Header.Get("Authorization") != "Bearer "+fakeToken {
					t.Errorf("read %d carried %q", i, req.Header.Get("Authorization"))
				}
			}
		})
	}
}

// A usage API whose error text echoes the approved key: a refresh stores
// the server's text in the message (pending, and not_found after 24 h),
// scrubbed of the secrets the caller passes as well as of the ledger token.
func TestRecheckScrubsTheCallersSecrets(t *testing.T) {
	const keyID = "key_fake_approved"
	const approved = "sk-test-Hq3Zv7Mw2Kx9Rb5Ty8Pn"
	rc := ledger.Recheck{API: ledger.OpenAIUsage, SentAt: t0, KeyID: keyID, Model: model, PromptTokens: 8, CompletionTokens: 1}
	for _, tt := range []struct {
		after time.Duration
		want  ledger.Status
	}{{time.Hour, ledger.Pending}, {25 * time.Hour, ledger.NotFound}} {
		t.Run(string(tt.want), func(t *testing.T) {
			clock := newClock(t0.Add(tt.after))
			s := standin.New(standin.Options{})
			s.SetUsage(standin.UsageOptions{AdminKeys: []string{fakeToken}, Now: clock.Now,
				FailMessage: "upstream exploded for key " + approved + ", spelt " + spelt(approved[8:]) + " and token " + fakeToken})
			url, stop := s.Start()
			t.Cleanup(stop)
			r := ledger.New(ledger.Options{API: ledger.OpenAIUsage, Endpoint: url + "/v1", Token: fakeToken, KeyID: keyID, Now: clock.Now})
			got := r.Recheck(t.Context(), rc, approved)
			if got.Status != tt.want || !strings.Contains(got.Message, "upstream exploded") {
				t.Fatalf("Recheck = %+v, want %s with the server's text", got, tt.want)
			}
			if run := leakcheck.Find(got.Message+" "+got.Model, approved, fakeToken); run != "" {
				t.Errorf("the message holds %q of a credential: %s", run, got.Message)
			}
		})
	}
}

// spelt is s as a server that spells it out writes it: its characters
// between dots, which no key-shaped pattern matches.
func spelt(s string) string { return strings.Join(strings.Split(s, ""), ".") }
