package handoff

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/ledger"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/probe"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/sources"
)

// Path results, as the log and the happy_path / error_path objects name them.
const (
	resultPass         = "pass"
	resultFail         = "fail"
	resultInconclusive = "inconclusive"
)

// Check is everything one run of a handoff needs, already resolved against
// the provider defaults.
type Check struct {
	// ID is the resource id, e.g. "chk-3f9a1c2b7d4e5f60"; its random part
	// makes run ids unique across checks.
	ID            string
	Allocation    Allocation
	Operator      string
	FollowUpOwner string
	SourceURLs    map[string]string
	VerifySources bool
	Request       probe.Request
	ApprovedKey   string
	InvalidKey    string
	UnitName      string // "" when unset
	BillingUnit   string // "" when unset
	// ReviewIntervalDays is how long the review holds; 0: it never expires.
	ReviewIntervalDays int64
}

// Previous is what the last run of the same check left in state; the zero
// value means this is the first run.
type Previous struct {
	RunID string // numbers this run
	// Record is the last run's values as state keeps them, at least those
	// its history entry holds (RunRecord.historyEntry).
	Record  RunRecord
	Sources []sources.Page    // the last run's pages, whose digests source_changed compares
	History map[string]string // earlier runs' entries by run id
}

// Outcome is one run, ready to be stored.
type Outcome struct {
	RunID       string
	ReviewedAt  time.Time
	ReviewDueAt time.Time // zero without a review interval
	Probe       probe.Outcome
	// HappyPathResult is pass or fail; ErrorPathResult pass, fail or
	// inconclusive (see ErrorPathResult).
	HappyPathResult string
	ErrorPathResult string
	Sources         []sources.Page
	ChangedSources  []string // kinds whose page digest differs from the previous run's
	Allocation      AllocationReport
	// Ledger is nil when no ledger is configured or it was not asked (the
	// happy path failed); its strings are scrubbed of both keys.
	Ledger           *ledger.Result
	EvidenceCaptured bool
	Decision         Decision
	Reasons          []Reason
	// CredentialFingerprint names the approved key sent (see
	// CredentialFingerprint); "" when none was.
	CredentialFingerprint string
	Log                   string            // this run's log
	History               map[string]string // the previous run's entry added to the previous history
}

// ledgerReader finds the smoke request's record in the account's ledger;
// *ledger.Reader is one. Before is called before the smoke request is sent
// (it never delays it) and its Ticket (which may hold a signature for the
// prompt, unique among the requests in flight) goes into the Query; Find
// releases it.
type ledgerReader interface {
	Before(ctx context.Context, model string) *ledger.Ticket
	Find(ctx context.Context, q ledger.Query) ledger.Result
}

// Runner runs handoffs. Its clock, network and ledger are injected so tests
// control them.
type Runner struct {
	Probe   *probe.Client
	Sources *sources.Fetcher
	Ledger  ledgerReader // nil: no ledger configured
	Policy  Policy
	Now     func() time.Time
}

// Run sends the smoke test and fetches the sources concurrently, asks the
// ledger about a happy path that passed, then decides. historyLimit bounds
// the returned History.
func (r Runner) Run(ctx context.Context, c Check, prev Previous, historyLimit int) Outcome {
	var o Outcome
	o.ReviewedAt = r.Now().UTC().Truncate(time.Second)
	o.RunID = nextRunID(c.ID, prev.RunID, o.ReviewedAt)
	if c.ReviewIntervalDays > 0 {
		o.ReviewDueAt = o.ReviewedAt.AddDate(0, 0, int(c.ReviewIntervalDays))
	}

	var wg sync.WaitGroup
	wg.Go(func() { o.Probe, o.Ledger = r.probeAndConfirm(ctx, c) })
	wg.Go(func() { o.Sources = r.fetchSources(ctx, c) })
	wg.Wait()
	o.scrubPieces(c)

	happy := o.Probe.HappyPath

	o.CredentialFingerprint = CredentialFingerprint(c.ApprovedKey)
	o.HappyPathResult = passFail(happyPathPassed(happy))
	o.ErrorPathResult = errorPathResult(happy, o.Probe.ErrorPath)
	o.ChangedSources = sources.Changed(prev.Sources, o.Sources)
	o.Allocation = r.Policy.CheckAllocation(c.Allocation)
	o.decide(c, r.Ledger != nil)
	o.History = PushHistory(prev.History, prev.Record, historyLimit)
	return o
}

// probeAndConfirm sends the smoke test and, after a happy path that passed,
// looks for its record in the ledger at once. Before never delays the send;
// the ticket's signature is held until the record is found, never longer.
func (r Runner) probeAndConfirm(ctx context.Context, c Check) (probe.Outcome, *ledger.Result) {
	if r.Ledger == nil {
		return r.Probe.Run(ctx, c.Request, c.ApprovedKey, c.InvalidKey), nil
	}
	ticket := r.Ledger.Before(ctx, c.Request.Model)
	defer ticket.Release()
	// Where the ledger's rows may carry no request id, the prompt carries
	// the ticket's signature, which tells its row from every other.
	req := c.Request
	req.Prompt = ticket.Sign(req.Prompt)
	before, probeBefore := r.Now(), time.Now()
	out := r.Probe.Run(ctx, req, c.ApprovedKey, c.InvalidKey)
	receivedAt := r.Now()
	happy := out.HappyPath
	// A smoke request whose counts were missing or refused has nothing to
	// match, and would skew a usage bucket's sum for the checks beside it.
	if !happyPathPassed(happy) || !happy.Usage.Found {
		return out, nil
	}
	// The probe waits for a free slot before it sends (max_concurrent_checks):
	// the send is when the probe started the request, carried onto the
	// runner's clock, which places the usage APIs' minute.
	sentAt := before
	if d := happy.SentAt.Sub(probeBefore); !happy.SentAt.IsZero() && d > 0 {
		sentAt = before.Add(d)
	}
	found := r.Ledger.Find(ctx, ledger.Query{
		RequestID:        happy.RequestID,
		BodyID:           happy.BodyID,
		CallID:           happy.CallID,
		GenerationID:     happy.GenerationID,
		Model:            c.Request.Model,
		SentAt:           sentAt,
		ReceivedAt:       receivedAt,
		ServerDate:       happy.ServerDate,
		PromptTokens:     happy.Usage.InputTokens,
		CompletionTokens: happy.Usage.OutputTokens,
		Key:              c.ApprovedKey,
		Secrets:          []string{c.InvalidKey},
		Endpoint:         c.Request.Endpoint,
		Ticket:           ticket,
	})
	return out, &found
}

// decide derives the run's decision from its facts and renders its log.
func (o *Outcome) decide(c Check, ledgerConfigured bool) {
	facts := o.facts(c, ledgerConfigured)
	o.EvidenceCaptured = facts.evidenceCaptured()
	o.Decision, o.Reasons = decideFacts(facts)
	o.Log = o.logFields(c).Render()
}

// facts are what the decision reads from a run; Run fills every other part
// of o first.
func (o Outcome) facts(c Check, ledgerConfigured bool) runFacts {
	happy := o.Probe.HappyPath
	f := runFacts{
		AllocationComplete: o.Allocation.Complete(),
		HappyPathPassed:    happyPathPassed(happy),
		ErrorPathResult:    o.ErrorPathResult,
		UsageCaptured:      happy.Usage.Found && happy.Usage.TotalTokens > 0,
		MaxAttempts:        max(happy.Attempts, o.Probe.ErrorPath.Attempts),
		SourcesUnverified:  !c.VerifySources || slices.ContainsFunc(o.Sources, notPassed),
		SourcesChanged:     len(o.ChangedSources) > 0,
		RequestIDPresent:   happy.RequestID != "",
		LedgerConfigured:   ledgerConfigured,
	}
	if o.Ledger != nil {
		f.LedgerStatus = o.Ledger.Status
	}
	return f
}

func (r Runner) fetchSources(ctx context.Context, c Check) []sources.Page {
	if !c.VerifySources {
		return sources.Skip(c.SourceURLs)
	}
	// The pages are fetched with no credential; what their servers make the
	// fetcher report is scrubbed of every credential of the run.
	return r.Sources.Fetch(ctx, c.SourceURLs, append([]string{c.ApprovedKey, c.InvalidKey}, c.Request.Credentials...))
}

// notPassed: a page that failed, or was skipped although verify_sources is
// set (it cannot be, today; counting it keeps an unverified page from ever
// reading as verified).
func notPassed(p sources.Page) bool { return p.Result != sources.Pass }

// happyPathPassed: the approved key must get an ordinary answer.
func happyPathPassed(r probe.Result) bool { return r.Category == probe.CategoryOK }

// errorPathResult judges the error path against the happy path. It passes
// only when the invalid key was refused as an authentication failure while
// the approved key was not: when both were refused so, the endpoint refuses
// every key (wrong protocol, missing header, revoked key) and the error path
// proves nothing, so it is inconclusive. Anything else (an accepted key, a
// timeout, an unreachable endpoint, a server error) fails.
func errorPathResult(happy, errPath probe.Result) string {
	switch {
	case errPath.Category != probe.CategoryAuthFailure:
		return resultFail
	case happy.Category == probe.CategoryAuthFailure:
		return resultInconclusive
	default:
		return resultPass
	}
}

// passFail renders a path's outcome the way the checklist does.
func passFail(passed bool) string {
	if passed {
		return resultPass
	}
	return resultFail
}

// logFields collects this run's log values.
func (o Outcome) logFields(c Check) RunRecord {
	happy, errPath := o.Probe.HappyPath, o.Probe.ErrorPath
	f := RunRecord{
		RunID:             o.RunID,
		ReviewedAt:        o.ReviewedAt.Format(time.RFC3339),
		Operator:          c.Operator,
		WorkloadTag:       c.Allocation[FieldWorkload],
		OwnerTag:          c.Allocation[FieldOwner],
		Environment:       c.Allocation[FieldEnvironment],
		HappyPathResult:   o.HappyPathResult,
		ErrorPathResult:   o.ErrorPathResult,
		EvidenceCaptured:  YesNo(o.EvidenceCaptured),
		Decision:          string(o.Decision),
		FollowUpOwner:     c.FollowUpOwner,
		HappyPathCategory: string(happy.Category),
		ErrorPathCategory: string(errPath.Category),
		Model:             happy.Model,
		RequestID:         happy.RequestID,
		UpstreamRequestID: happy.UpstreamRequestID,
		Product:           c.Allocation[FieldProduct],
		CostCenter:        c.Allocation[FieldCostCenter],
		UnitName:          c.UnitName,
		BillingUnit:       c.BillingUnit,
	}
	for _, r := range o.Reasons {
		f.DecisionReasons = append(f.DecisionReasons, string(r))
	}
	f.Endpoint = LogEndpoint(c.Request.Endpoint)
	f.APIProtocol = string(c.Request.Protocol)
	f.CredentialFingerprint = o.CredentialFingerprint
	if happy.Usage.Found {
		f.Tokens = &TokenCounts{Input: happy.Usage.InputTokens, Output: happy.Usage.OutputTokens, Total: happy.Usage.TotalTokens}
	}
	f.SetLedger(o.Ledger)
	f.SetSources(o.Sources, o.ChangedSources)
	if !o.ReviewDueAt.IsZero() {
		f.ReviewDueAt = o.ReviewDueAt.Format(time.RFC3339)
	}
	return f
}

// ledgerLine is what the log shows of a ledger's answer; nil when no
// ledger was asked. Apply and a refresh (Reconfirm) both write it so.
func ledgerLineOf(l *ledger.Result) *ledgerLine {
	if l == nil {
		return nil
	}
	return &ledgerLine{Status: string(l.Status), Matched: l.Matched(), Quota: l.Quota, HasQuota: l.HasQuota,
		ChargedUSD: l.ChargedUSD, Provider: l.ProviderName, Model: l.Model}
}

// checkedURLs lists the URLs checked successfully, in kind order: a page
// skipped, or one that failed (a 404 included), was not checked, and is not
// claimed to be.
func checkedURLs(pages []sources.Page) []string {
	urls := []string{}
	for _, p := range pages {
		if p.Result == sources.Pass {
			urls = append(urls, p.URL)
		}
	}
	return urls
}
