package handoff

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/ledger"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/probe"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/sources"
)

// Obvious fake credentials.
const (
	approvedKey = "sk-fake-approved-0000"
	invalidKey  = "sk-fake-invalid-1111"
	checkID     = "chk-3f9a1c2b7d4e5f60"
)

// answer is how the fake API answers one key.
type answer string

const (
	answerOK        answer = "ok"         // 200 with usage and a request id
	answerNoUsage   answer = "no_usage"   // 200 without usage
	answerZeroUsage answer = "zero_usage" // 200 with usage totalling 0
	answerNoID      answer = "no_id"      // 200 with usage, no request id anywhere
	answerAuth      answer = "auth"       // 401 invalid key
	answerServer    answer = "server"     // 500
)

// fakeAPI is an OpenAI-style chat endpoint and a set of source pages on
// 127.0.0.1. Each key gets the answer configured for it: the approved key
// the happy answer, any other key the error answer.
type fakeAPI struct {
	*httptest.Server
	mu                    sync.Mutex
	happy, other          answer
	pages                 map[string]fakePage
	aiRequests            map[string]int // per Authorization header
	pageRequests          int
	pageAuthorizationSeen bool
}

type fakePage struct {
	status int
	body   string
}

const (
	fakeRequestID = "req-fake-0001"
	fakeModel     = "gpt-fake-mini-2026-11"
)

func newFakeAPI(t *testing.T) *fakeAPI {
	t.Helper()
	f := &fakeAPI{happy: answerOK, other: answerAuth, pages: map[string]fakePage{}, aiRequests: map[string]int{}}
	for _, kind := range sourceKinds {
		f.pages[kind] = fakePage{http.StatusOK, "<html>" + kind + " v1</html>"}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", f.serveAI)
	mux.HandleFunc("GET /pages/{kind}", f.servePage)
	f.Server = httptest.NewServer(mux)
	t.Cleanup(f.Close)
	return f
}

func (f *fakeAPI) set(happy, other answer) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.happy, f.other = happy, other
}

func (f *fakeAPI) setPage(kind string, status int, body string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pages[kind] = fakePage{status, body}
}

func (f *fakeAPI) serveAI(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	auth := r.Header.Get("Authorization")
	f.aiRequests[auth]++
	a := f.other
	if auth == "Bearer "+approvedKey {
		a = f.happy
	}
	f.mu.Unlock()

	w.Header().Set("Content-Type", "application/json")
	if a != answerNoID {
		w.Header().Set("X-Request-Id", fakeRequestID)
	}
	switch a {
	case answerAuth:
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}`))
		return
	case answerServer:
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"error":{"message":"upstream exploded","type":"server_error"}}`))
		return
	}
	usage := `,"usage":{"prompt_tokens":8,"completion_tokens":1,"total_tokens":9}`
	switch a {
	case answerNoUsage:
		usage = ""
	case answerZeroUsage:
		usage = `,"usage":{"prompt_tokens":0,"completion_tokens":0,"total_tokens":0}`
	}
	_, _ = w.Write([]byte(`{"object":"chat.completion","model":"` + fakeModel + `","choices":[{"index":0,"message":{"role":"assistant","content":"pong"}}]` + usage + `}`))
}

func (f *fakeAPI) servePage(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.pageRequests++
	if r.Header.Get("Authorization") != "" {
		f.pageAuthorizationSeen = true
	}
	p, ok := f.pages[r.PathValue("kind")]
	f.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.WriteHeader(p.status)
	_, _ = w.Write([]byte(p.body))
}

// requestsPerPath returns the AI requests the server saw with each key.
func (f *fakeAPI) requestsPerPath() (happy, errPath int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.aiRequests["Bearer "+approvedKey], f.aiRequests["Bearer "+invalidKey]
}

func (f *fakeAPI) pageURL(kind string) string { return f.URL + "/pages/" + kind }

// runClock is late evening west of UTC, so the run's UTC date is the next day.
var runClock = time.Date(2026, 11, 29, 22, 30, 15, 500_000_000, time.FixedZone("EST", -5*3600))

// runReviewedAt is runClock in UTC, truncated to the second.
var runReviewedAt = time.Date(2026, 11, 30, 3, 30, 15, 0, time.UTC)

var sourceKinds = []string{sourceAllocation, sourcePricing, sourceSupport, sourceUnitEconomics} // sorted

// steppingClock returns runClock, then one second later on each call, so a
// test can tell which call produced which time.
func steppingClock() func() time.Time {
	var mu sync.Mutex
	next := runClock
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now := next
		next = next.Add(time.Second)
		return now
	}
}

// fakeLedger answers every Find with result and records the queries.
type fakeLedger struct {
	mu      sync.Mutex
	result  ledger.Result
	queries []ledger.Query
}

func (l *fakeLedger) Find(_ context.Context, q ledger.Query) ledger.Result {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.queries = append(l.queries, q)
	return l.result
}

func (l *fakeLedger) Before(context.Context, string) *ledger.Ticket { return nil }

func (l *fakeLedger) calls() []ledger.Query {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]ledger.Query(nil), l.queries...)
}

// newRunner wires a Runner to the real probe and sources packages. ledger
// may be nil.
func newRunner(led ledgerReader) Runner {
	return Runner{
		Probe:   probe.NewClient(probe.Options{Timeout: 5 * time.Second}),
		Sources: sources.NewFetcher(sources.Options{Now: func() time.Time { return runClock }, Timeout: 5 * time.Second}),
		Ledger:  led,
		Policy:  DefaultPolicy(),
		Now:     steppingClock(),
	}
}

// completeCheck is a handoff against f that proceeds.
func completeCheck(f *fakeAPI) Check {
	urls := map[string]string{}
	for _, kind := range sourceKinds {
		urls[kind] = f.pageURL(kind)
	}
	return Check{
		ID:            checkID,
		Allocation:    completeAllocation(),
		Operator:      "finops-oncall",
		FollowUpOwner: "team-search",
		SourceURLs:    urls,
		VerifySources: true,
		Request: probe.Request{
			Endpoint: f.URL + "/v1", Protocol: probe.OpenAIChat, Model: "gpt-fake-mini", Prompt: "ping", MaxOutputTokens: 1,
		},
		ApprovedKey: approvedKey,
		InvalidKey:  invalidKey,
	}
}

// logValue returns the value of field in log, failing the test when the
// field is not there exactly once.
func logValue(t *testing.T, log, field string) string {
	t.Helper()
	var values []string
	for line := range strings.Lines(log) {
		name, value, _ := strings.Cut(strings.TrimSuffix(line, "\n"), ":")
		if name == field {
			values = append(values, strings.TrimPrefix(value, " "))
		}
	}
	if len(values) != 1 {
		t.Fatalf("log has %d %s lines, want 1:\n%s", len(values), field, log)
	}
	return values[0]
}

// hasLogField reports whether log has a line for field.
func hasLogField(log, field string) bool {
	for line := range strings.Lines(log) {
		if strings.HasPrefix(line, field+":") {
			return true
		}
	}
	return false
}
