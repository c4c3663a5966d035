package handoff

import (
	"slices"
	"testing"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/ledger"
)

// passingFacts is a run where everything went right.
func passingFacts() Facts {
	return Facts{
		AllocationComplete: true,
		HappyPathPassed:    true,
		ErrorPathResult:    ResultPass,
		UsageCaptured:      true,
		MaxAttempts:        1,
		RequestIDPresent:   true,
	}
}

// causes makes exactly one reason apply to a passing run; every code in
// Reasons must have an entry.
var causes = map[Reason]func(*Facts){
	ReasonAllocationGap: func(f *Facts) { f.AllocationComplete = false },
	// A failed happy path has neither evidence nor a request id to miss.
	ReasonHappyPathFailed:   func(f *Facts) { f.HappyPathPassed, f.UsageCaptured, f.RequestIDPresent = false, false, false },
	ReasonErrorPathFailed:   func(f *Facts) { f.ErrorPathResult = ResultFail },
	ReasonEvidenceGap:       func(f *Facts) { f.UsageCaptured = false },
	ReasonUncontrolledRetry: func(f *Facts) { f.MaxAttempts = 2 },
	ReasonLedgerUnconfirmed: func(f *Facts) { f.LedgerConfigured, f.LedgerStatus = true, ledger.NotFound },
	ReasonLedgerMismatch:    func(f *Facts) { f.LedgerConfigured, f.LedgerStatus = true, ledger.Mismatch },
	ReasonLedgerPending:     func(f *Facts) { f.LedgerConfigured, f.LedgerStatus = true, ledger.Pending },
	ReasonSourceUnverified:  func(f *Facts) { f.SourcesUnverified = true },
	ReasonSourceChanged:     func(f *Facts) { f.SourcesChanged = true },
	ReasonRequestIDMissing:  func(f *Facts) { f.RequestIDPresent = false },
}

func factsWith(reasons ...Reason) Facts {
	f := passingFacts()
	for _, r := range reasons {
		causes[r](&f)
	}
	return f
}

func TestReasonsTable(t *testing.T) {
	want := []ReasonInfo{
		{Code: "allocation_gap", Decision: Stop},
		{Code: "happy_path_failed", Decision: Stop},
		{Code: "error_path_failed", Decision: Stop},
		{Code: "evidence_gap", Decision: Stop},
		{Code: "uncontrolled_retry", Decision: Stop},
		{Code: "ledger_unconfirmed", Decision: Stop},
		{Code: "ledger_pending", Decision: Review},
		{Code: "source_unverified", Decision: Review},
		{Code: "source_changed", Decision: Review},
		{Code: "request_id_missing", Decision: Review},
		{Code: "ledger_mismatch", Decision: Review},
	}
	if len(Reasons) != len(want) {
		t.Fatalf("Reasons has %d codes, want %d", len(Reasons), len(want))
	}
	for i, info := range Reasons {
		if info.Code != want[i].Code || info.Decision != want[i].Decision || info.Meaning == "" {
			t.Errorf("Reasons[%d] = %+v, want %s forcing %s, with a meaning", i, info, want[i].Code, want[i].Decision)
		}
	}
}

// TestDecideEachReasonAlone also proves every entry of Reasons is reachable.
func TestDecideEachReasonAlone(t *testing.T) {
	if len(causes) != len(Reasons) {
		t.Errorf("causes covers %d reasons, Reasons has %d", len(causes), len(Reasons))
	}
	for _, info := range Reasons {
		t.Run(string(info.Code), func(t *testing.T) {
			if causes[info.Code] == nil {
				t.Fatalf("no Facts make %s apply", info.Code)
			}
			decision, reasons := Decide(factsWith(info.Code))
			if decision != info.Decision || !slices.Equal(reasons, []Reason{info.Code}) {
				t.Errorf("Decide = %s %v, want %s [%s]", decision, reasons, info.Decision, info.Code)
			}
		})
	}
}

func TestDecide(t *testing.T) {
	allCodes := make([]Reason, len(Reasons))
	for i, info := range Reasons {
		allCodes[i] = info.Code
	}
	tests := []struct {
		name         string
		facts        Facts
		wantDecision Decision
		wantReasons  []Reason
	}{
		{"all pass", passingFacts(), Proceed, nil},
		{
			name:         "zero facts: nothing was shown to pass",
			facts:        Facts{},
			wantDecision: Stop,
			wantReasons:  []Reason{ReasonAllocationGap, ReasonHappyPathFailed, ReasonErrorPathFailed},
		},
		{
			name:         "stop beats review",
			facts:        factsWith(ReasonRequestIDMissing, ReasonErrorPathFailed),
			wantDecision: Stop,
			wantReasons:  []Reason{ReasonErrorPathFailed, ReasonRequestIDMissing},
		},
		{
			name:         "review reasons in table order",
			facts:        factsWith(ReasonRequestIDMissing, ReasonSourceChanged, ReasonSourceUnverified),
			wantDecision: Review,
			wantReasons:  []Reason{ReasonSourceUnverified, ReasonSourceChanged, ReasonRequestIDMissing},
		},
		{
			name:         "stop reasons in table order",
			facts:        factsWith(ReasonUncontrolledRetry, ReasonEvidenceGap, ReasonAllocationGap),
			wantDecision: Stop,
			wantReasons:  []Reason{ReasonAllocationGap, ReasonEvidenceGap, ReasonUncontrolledRetry},
		},
		{
			name: "every reason a passing happy path allows but a ledger mismatch or pending",
			facts: Facts{
				HappyPathPassed: true, MaxAttempts: 3, SourcesUnverified: true, SourcesChanged: true, LedgerConfigured: true,
				LedgerStatus: ledger.Unavailable,
			},
			wantDecision: Stop,
			wantReasons: slices.DeleteFunc(slices.Clone(allCodes), func(r Reason) bool {
				return r == ReasonHappyPathFailed || r == ReasonLedgerMismatch || r == ReasonLedgerPending
			}),
		},
		{
			name:         "a failed happy path is not also an evidence, request id or ledger gap",
			facts:        Facts{AllocationComplete: true, ErrorPathResult: ResultPass, MaxAttempts: 1, LedgerConfigured: true},
			wantDecision: Stop,
			wantReasons:  []Reason{ReasonHappyPathFailed},
		},
		{
			name:         "an inconclusive error path is no error_path_failed",
			facts:        func() Facts { f := factsWith(ReasonHappyPathFailed); f.ErrorPathResult = ResultInconclusive; return f }(),
			wantDecision: Stop,
			wantReasons:  []Reason{ReasonHappyPathFailed},
		},
		{
			name:         "an error path result other than the three counts as failed",
			facts:        func() Facts { f := passingFacts(); f.ErrorPathResult = "passed"; return f }(),
			wantDecision: Stop,
			wantReasons:  []Reason{ReasonErrorPathFailed},
		},
		{
			name: "a confirmed ledger adds nothing",
			facts: func() Facts {
				f := passingFacts()
				f.LedgerConfigured, f.LedgerStatus = true, ledger.Confirmed
				return f
			}(),
			wantDecision: Proceed,
		},
		{
			// Pending is no missing record: the data arrives late, and a
			// refresh reads it again.
			name: "a pending usage bucket is a review, not unconfirmed",
			facts: func() Facts {
				f := passingFacts()
				f.LedgerConfigured, f.LedgerStatus = true, ledger.Pending
				return f
			}(),
			wantDecision: Review,
			wantReasons:  []Reason{ReasonLedgerPending},
		},
		{
			name:         "a ledger not read (no status) is unconfirmed",
			facts:        func() Facts { f := passingFacts(); f.LedgerConfigured = true; return f }(),
			wantDecision: Stop,
			wantReasons:  []Reason{ReasonLedgerUnconfirmed},
		},
		{
			name:         "no attempt at all is not a retry",
			facts:        func() Facts { f := passingFacts(); f.MaxAttempts = 0; return f }(),
			wantDecision: Proceed,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			decision, reasons := Decide(tt.facts)
			if decision != tt.wantDecision || !slices.Equal(reasons, tt.wantReasons) {
				t.Errorf("Decide = %s %v, want %s %v", decision, reasons, tt.wantDecision, tt.wantReasons)
			}
		})
	}
}

func TestEvidenceCaptured(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Facts)
		want bool
	}{
		{"usage, no ledger", func(*Facts) {}, true},
		{"no usage", func(f *Facts) { f.UsageCaptured = false }, false},
		{"happy path failed", func(f *Facts) { f.HappyPathPassed = false }, false},
		{"ledger confirmed", func(f *Facts) { f.LedgerConfigured, f.LedgerStatus = true, ledger.Confirmed }, true},
		{"ledger mismatch: the row is there", func(f *Facts) { f.LedgerConfigured, f.LedgerStatus = true, ledger.Mismatch }, true},
		{"ledger not found", func(f *Facts) { f.LedgerConfigured, f.LedgerStatus = true, ledger.NotFound }, false},
		{"ledger unavailable", func(f *Facts) { f.LedgerConfigured, f.LedgerStatus = true, ledger.Unavailable }, false},
		{"ledger confirmed, no usage", func(f *Facts) { f.LedgerConfigured, f.LedgerStatus, f.UsageCaptured = true, ledger.Confirmed, false }, false},
		{"a status without a configured ledger is ignored", func(f *Facts) { f.LedgerStatus = ledger.NotFound }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := passingFacts()
			tt.edit(&f)
			if got := f.EvidenceCaptured(); got != tt.want {
				t.Errorf("EvidenceCaptured = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMeaning(t *testing.T) {
	if got := meaning(ReasonUncontrolledRetry); got != "more than one request of a path reached the wire" {
		t.Errorf("meaning(uncontrolled_retry) = %q", got)
	}
	if got := meaning("no_such_reason"); got != "" {
		t.Errorf("Meaning of an unknown code = %q, want empty", got)
	}
}

func BenchmarkDecide(b *testing.B) {
	facts := factsWith(ReasonEvidenceGap, ReasonSourceChanged)
	b.ReportAllocs()
	for b.Loop() {
		Decide(facts)
	}
}
