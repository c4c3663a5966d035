package ledger_test

import (
	"net/http"
	"strconv"
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

// A usage API that ignores the filters answers other keys' and models'
// results beside the smoke request's: only the key's and model's are read
// (OpenAI's model "" and Anthropic's null model count as the model), an
// Anthropic result's input is its uncached, cache-creation (both lifetimes)
// and cache-read tokens, its buckets count no requests, and a bucket whose
// start is no time is no evidence.
func TestUsagePagesReadOnlyTheKeyAndModel(t *testing.T) {
	const keyID = "key_fake_approved"
	const minute = 1796007840 // t0's
	start := time.Unix(minute, 0).UTC().Format(time.RFC3339)
	openAI := func(results string) string {
		return `{"object":"page","data":[{"start_time":` + strconv.Itoa(minute) + `,"results":[` + results + `]}],"has_more":false,"next_page":null}`
	}
	anthropic := func(startingAt, results string) string {
		return `{"data":[{"starting_at":"` + startingAt + `","results":[` + results + `]}],"has_more":false,"next_page":null}`
	}
	const (
		openAIOthers = `{"api_key_id":"key_other","model":"gpt-test","input_tokens":900,"output_tokens":90,"num_model_requests":9},` +
			`{"api_key_id":"key_fake_approved","model":"gpt-other","input_tokens":900,"output_tokens":90,"num_model_requests":9}`
		anthropicOthers = `{"api_key_id":"key_other","model":"gpt-test","uncached_input_tokens":900,"output_tokens":90},` +
			`{"api_key_id":null,"model":"gpt-test","uncached_input_tokens":900,"output_tokens":90},` +
			`{"api_key_id":"key_fake_approved","model":"gpt-other","uncached_input_tokens":900,"output_tokens":90}`
		anthropicOwn = `{"api_key_id":"key_fake_approved","model":null,"uncached_input_tokens":3,` +
			`"cache_creation":{"ephemeral_1h_input_tokens":2,"ephemeral_5m_input_tokens":1},"cache_read_input_tokens":2,"output_tokens":1}`
	)
	tests := []struct {
		name    string
		api     ledger.API
		page    string
		want    ledger.Status
		message string
	}{
		{"openai: the key's and model's result", ledger.OpenAIUsage,
			openAI(openAIOthers + `,{"api_key_id":"key_fake_approved","model":"gpt-test","input_tokens":8,"output_tokens":1,"num_model_requests":1}`),
			ledger.Confirmed, ""},
		{"openai: a result without a model", ledger.OpenAIUsage,
			openAI(openAIOthers + `,{"api_key_id":"key_fake_approved","model":"","input_tokens":8,"output_tokens":1,"num_model_requests":1}`),
			ledger.Confirmed, ""},
		{"openai: more requests than sent", ledger.OpenAIUsage,
			openAI(`{"api_key_id":"key_fake_approved","model":"gpt-test","input_tokens":8,"output_tokens":1,"num_model_requests":2}`),
			ledger.Ambiguous, "holds 2 requests, 8 input and 1 output tokens"},
		{"anthropic: input summed from its parts", ledger.AnthropicUsage,
			anthropic(start, anthropicOthers+","+anthropicOwn), ledger.Confirmed, ""},
		{"anthropic: counts no requests", ledger.AnthropicUsage,
			anthropic(start, anthropicOwn+","+anthropicOwn), ledger.Ambiguous, "holds 16 input and 2 output tokens, more than"},
		{"anthropic: a bucket that starts at no time", ledger.AnthropicUsage,
			anthropic("yesterday", anthropicOwn), ledger.Pending, "the usage report's bucket starts at \u201cyesterday\u201d, which is no RFC 3339 time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := startGateway(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(tt.page))
			}))
			clock := newClock(t0.Add(time.Hour))
			r := ledger.New(ledger.Options{API: tt.api, Endpoint: url + "/v1", Token: fakeToken, KeyID: keyID, Now: clock.Now})
			got := r.Recheck(t.Context(), ledger.Recheck{API: tt.api, SentAt: t0, KeyID: keyID, Model: model, PromptTokens: 8, CompletionTokens: 1})
			if got.Status != tt.want || !strings.Contains(got.Message, tt.message) {
				t.Errorf("Recheck = %s %q, want %s with %q", got.Status, got.Message, tt.want, tt.message)
			}
		})
	}
}
