package handoff

import (
	"strings"
	"testing"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/ledger"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/probe"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/sanitize"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/sanitize/leakcheck"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/standin"
)

// The key cut in pieces of 7 characters by the stand-in's echo_pieces,
// one in each of error_path.message, happy_path.model, upstream_request_id,
// the gateway's request id and the body id, and one more in
// ledger.token_name (issue 27, item 3), is not stored whole across them by
// Run; what holds no piece is kept.
func TestRunStoresNoPiecesAcrossFields(t *testing.T) {
	const key = "sk-test-Zq8LmN2vXw4RtY6uP0oI9kJ3hG5fD7sA1qW"
	s := standin.New(standin.Options{APIKeys: []string{key}, Behaviour: standin.EchoPieces})
	url, stop := s.Start()
	t.Cleanup(stop)
	led := &fakeLedger{result: ledger.Result{Status: ledger.NotFound, TokenName: key[35:] + "x", Model: "gpt-4o-mini"}}
	c := Check{
		ID: checkID, Allocation: completeAllocation(), Operator: "finops-oncall", FollowUpOwner: "team-search",
		Request:     probe.Request{Endpoint: url + "/v1", Protocol: probe.OpenAIChat, Model: "gpt-4o-mini", Prompt: "ping", MaxOutputTokens: 1},
		ApprovedKey: key, InvalidKey: "sk-test-invalid-Pq3Wz8Lk",
	}
	o := newRunner(led).Run(t.Context(), c, Previous{}, 3)
	if o.Ledger == nil {
		t.Fatalf("the ledger was not asked: %+v", o.Probe)
	}
	h, e := o.Probe.HappyPath, o.Probe.ErrorPath
	stored := []string{e.Message, h.Model, h.RequestID, h.UpstreamRequestID, h.BodyID, o.Ledger.TokenName, o.Log}
	if run := leakcheck.Find(strings.Join(stored, ""), key); run != "" {
		t.Errorf("the fields put together hold %q: %q", run, stored)
	}
	for _, id := range []string{h.Model, h.RequestID, h.UpstreamRequestID, h.BodyID, o.Ledger.TokenName} {
		if !strings.HasPrefix(id, sanitize.DigestPrefix) {
			t.Errorf("identifier %q, want a digest", id)
		}
	}
	// The refusal's piece is the public prefix sk-test, which gives nothing
	// away and stays.
	if !strings.Contains(e.Message, "provided: sk-test.") || o.Ledger.Model != "gpt-4o-mini" {
		t.Errorf("message %q, ledger model %q", e.Message, o.Ledger.Model)
	}
}
