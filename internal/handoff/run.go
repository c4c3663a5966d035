package handoff

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/probe"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/sources"
)

// Check is everything one run of a handoff needs, already resolved against
// the provider defaults.
type Check struct {
	Allocation    Allocation
	Operator      string
	FollowUpOwner string
	SourceURLs    map[string]string
	VerifySources bool
	Request       probe.Request
	ApprovedKey   string
	InvalidKey    string
}

// Previous is what the last run of the same check left in state; the zero
// value means this is the first run.
type Previous struct {
	Record  *Record
	Sources []sources.Page
	History []Record
}

// Outcome is one run, ready to be stored.
type Outcome struct {
	RunID            string
	ReviewedAt       time.Time
	Probe            probe.Outcome
	Sources          []sources.Page
	ChangedSources   []string // kinds whose page digest differs from the previous run's
	Allocation       AllocationReport
	EvidenceCaptured bool
	Decision         Decision
	Reasons          []Reason
	Record           Record
	History          []Record
}

// Runner runs handoffs. Its clock and network are injected so tests control
// both.
type Runner struct {
	Probe   *probe.Client
	Sources *sources.Fetcher
	Policy  Policy
	Now     func() time.Time
}

// Run sends the smoke test and fetches the sources concurrently, then
// decides. historyLimit bounds the returned History.
func (r Runner) Run(ctx context.Context, c Check, prev Previous, historyLimit int) Outcome {
	var o Outcome
	o.ReviewedAt = r.Now().UTC().Truncate(time.Second)
	o.RunID = NextRunID(previousRunID(prev), o.ReviewedAt)

	var wg sync.WaitGroup
	wg.Go(func() { o.Probe = r.Probe.Run(ctx, c.Request, c.ApprovedKey, c.InvalidKey) })
	wg.Go(func() { o.Sources = r.fetchSources(ctx, c) })
	wg.Wait()

	o.ChangedSources = sources.Changed(prev.Sources, o.Sources)
	o.Allocation = r.Policy.CheckAllocation(c.Allocation)
	o.EvidenceCaptured = EvidenceCaptured(o.Probe.HappyPath)
	o.Decision, o.Reasons = Decide(Facts{
		AllocationComplete: o.Allocation.Complete(),
		HappyPathPassed:    HappyPathPassed(o.Probe.HappyPath),
		ErrorPathPassed:    ErrorPathPassed(o.Probe.ErrorPath),
		EvidenceCaptured:   o.EvidenceCaptured,
		MaxAttempts:        max(o.Probe.HappyPath.Attempts, o.Probe.ErrorPath.Attempts),
		SourcesUnverified:  !c.VerifySources || anyFailed(o.Sources),
		SourcesChanged:     len(o.ChangedSources) > 0,
		RequestIDPresent:   o.Probe.HappyPath.RequestID != "",
	})
	o.Record = o.record(c)
	o.History = TrimHistory(prev.History, historyLimit)
	if prev.Record != nil {
		o.History = PushHistory(prev.History, *prev.Record, historyLimit)
	}
	return o
}

func (r Runner) fetchSources(ctx context.Context, c Check) []sources.Page {
	if !c.VerifySources {
		return sources.Skip(c.SourceURLs)
	}
	return r.Sources.Fetch(ctx, c.SourceURLs)
}

func previousRunID(prev Previous) string {
	if prev.Record == nil {
		return ""
	}
	return prev.Record.RunID
}

// HappyPathPassed: the approved key must get an ordinary answer.
func HappyPathPassed(r probe.Result) bool { return r.Category == probe.CategoryOK }

// ErrorPathPassed: an invalid key must be refused as an authentication
// failure; anything else (accepted, rate limited, a server error) proves
// nothing about key enforcement.
func ErrorPathPassed(r probe.Result) bool { return r.Category == probe.CategoryAuthFailure }

// EvidenceCaptured: the happy path passed and carried positive token usage.
func EvidenceCaptured(r probe.Result) bool {
	return HappyPathPassed(r) && r.Usage.Found && r.Usage.TotalTokens > 0
}

// PassFail renders a path's outcome the way the checklist does.
func PassFail(passed bool) string {
	if passed {
		return "pass"
	}
	return "fail"
}

func anyFailed(pages []sources.Page) bool {
	return slices.ContainsFunc(pages, func(p sources.Page) bool { return p.Result == sources.Fail })
}

func (o Outcome) record(c Check) Record {
	return Record{
		RunID:             o.RunID,
		ReviewedAt:        o.ReviewedAt.Format(time.RFC3339),
		Operator:          c.Operator,
		SourceURLsChecked: checkedURLs(o.Sources),
		WorkloadTag:       c.Allocation[FieldWorkload],
		OwnerTag:          c.Allocation[FieldOwner],
		Environment:       c.Allocation[FieldEnvironment],
		HappyPathResult:   PassFail(HappyPathPassed(o.Probe.HappyPath)),
		ErrorPathResult:   PassFail(ErrorPathPassed(o.Probe.ErrorPath)),
		EvidenceCaptured:  YesNo(o.EvidenceCaptured),
		Decision:          string(o.Decision),
		FollowUpOwner:     c.FollowUpOwner,
	}
}

// checkedURLs lists the URLs actually fetched, in kind order; skipped
// sources were not checked and are not claimed to be.
func checkedURLs(pages []sources.Page) []string {
	urls := []string{}
	for _, p := range pages {
		if p.Result != sources.Skipped {
			urls = append(urls, p.URL)
		}
	}
	return urls
}
