package handoff

import (
	"slices"
	"testing"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/ledger"
)

// passingFacts is a run where everything went right.
func passingFacts() runFacts {
	return runFacts{
		AllocationComplete: true,
		HappyPathPassed:    true,
		ErrorPathResult:    resultPass,
		UsageCaptured:      true,
		MaxAttempts:        1,
		RequestIDPresent:   true,
	}
}

// causes makes exactly one reason apply to a passing run; every code in
// Reasons must have an entry.
var causes = map[Reason]func(*runFacts){
	reasonAllocationGap: func(f *runFacts) { f.AllocationComplete = false },
	// A failed happy path has neither evidence nor a request id to miss.
	reasonHappyPathFailed:   func(f *runFacts) { f.HappyPathPassed, f.UsageCaptured, f.RequestIDPresent = false, false, false },
	reasonErrorPathFailed:   func(f *runFacts) { f.ErrorPathResult = resultFail },
	reasonEvidenceGap:       func(f *runFacts) { f.UsageCaptured = false },
	reasonUncontrolledRetry: func(f *runFacts) { f.MaxAttempts = 2 },
	reasonLedgerUnconfirmed: func(f *runFacts) { f.LedgerConfigured, f.LedgerStatus = true, ledger.NotFound },
	reasonLedgerMismatch:    func(f *runFacts) { f.LedgerConfigured, f.LedgerStatus = true, ledger.Mismatch },
	reasonLedgerPending:     func(f *runFacts) { f.LedgerConfigured, f.LedgerStatus = true, ledger.Pending },
	reasonSourceUnverified:  func(f *runFacts) { f.SourcesUnverified = true },
	reasonSourceChanged:     func(f *runFacts) { f.SourcesChanged = true },
	reasonRequestIDMissing:  func(f *runFacts) { f.RequestIDPresent = false },
}

func factsWith(reasons ...Reason) runFacts {
	f := passingFacts()
	for _, r := range reasons {
		causes[r](&f)
	}
	return f
}

func TestReasonsTable(t *testing.T) {
	want := []reasonInfo{
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
				t.Fatalf("no runFacts make %s apply", info.Code)
			}
			decision, reasons := decideFacts(factsWith(info.Code))
			if decision != info.Decision || !slices.Equal(reasons, []Reason{info.Code}) {
				t.Errorf("decideFacts = %s %v, want %s [%s]", decision, reasons, info.Decision, info.Code)
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
		facts        runFacts
		wantDecision Decision
		wantReasons  []Reason
	}{
		{"all pass", passingFacts(), Proceed, nil},
		{
			name:         "zero facts: nothing was shown to pass",
			facts:        runFacts{},
			wantDecision: Stop,
			wantReasons:  []Reason{reasonAllocationGap, reasonHappyPathFailed, reasonErrorPathFailed},
		},
		{
			name:         "stop beats review",
			facts:        factsWith(reasonRequestIDMissing, reasonErrorPathFailed),
			wantDecision: Stop,
			wantReasons:  []Reason{reasonErrorPathFailed, reasonRequestIDMissing},
		},
		{
			name:         "review reasons in table order",
			facts:        factsWith(reasonRequestIDMissing, reasonSourceChanged, reasonSourceUnverified),
			wantDecision: Review,
			wantReasons:  []Reason{reasonSourceUnverified, reasonSourceChanged, reasonRequestIDMissing},
		},
		{
			name:         "stop reasons in table order",
			facts:        factsWith(reasonUncontrolledRetry, reasonEvidenceGap, reasonAllocationGap),
			wantDecision: Stop,
			wantReasons:  []Reason{reasonAllocationGap, reasonEvidenceGap, reasonUncontrolledRetry},
		},
		{
			name: "every reason a passing happy path allows but a ledger mismatch or pending",
			facts: runFacts{
				HappyPathPassed: true, MaxAttempts: 3, SourcesUnverified: true, SourcesChanged: true, LedgerConfigured: true,
				LedgerStatus: ledger.Unavailable,
			},
			wantDecision: Stop,
			wantReasons: slices.DeleteFunc(slices.Clone(allCodes), func(r Reason) bool {
				return r == reasonHappyPathFailed || r == reasonLedgerMismatch || r == reasonLedgerPending
			}),
		},
		{
			name:         "a failed happy path is not also an evidence, request id or ledger gap",
			facts:        runFacts{AllocationComplete: true, ErrorPathResult: resultPass, MaxAttempts: 1, LedgerConfigured: true},
			wantDecision: Stop,
			wantReasons:  []Reason{reasonHappyPathFailed},
		},
		{
			name: "an inconclusive error path is no error_path_failed",
			facts: func() runFacts {
				f := factsWith(reasonHappyPathFailed)
				f.ErrorPathResult = resultInconclusive
				return f
			}(),
			wantDecision: Stop,
			wantReasons:  []Reason{reasonHappyPathFailed},
		},
		{
			name:         "an error path result other than the three counts as failed",
			facts:        func() runFacts { f := passingFacts(); f.ErrorPathResult = "passed"; return f }(),
			wantDecision: Stop,
			wantReasons:  []Reason{reasonErrorPathFailed},
		},
		{
			name: "a confirmed ledger adds nothing",
			facts: func() runFacts {
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
			facts: func() runFacts {
				f := passingFacts()
				f.LedgerConfigured, f.LedgerStatus = true, ledger.Pending
				return f
			}(),
			wantDecision: Review,
			wantReasons:  []Reason{reasonLedgerPending},
		},
		{
			name:         "a ledger not read (no status) is unconfirmed",
			facts:        func() runFacts { f := passingFacts(); f.LedgerConfigured = true; return f }(),
			wantDecision: Stop,
			wantReasons:  []Reason{reasonLedgerUnconfirmed},
		},
		{
			name:         "no attempt at all is not a retry",
			facts:        func() runFacts { f := passingFacts(); f.MaxAttempts = 0; return f }(),
			wantDecision: Proceed,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			decision, reasons := decideFacts(tt.facts)
			if decision != tt.wantDecision || !slices.Equal(reasons, tt.wantReasons) {
				t.Errorf("decideFacts = %s %v, want %s %v", decision, reasons, tt.wantDecision, tt.wantReasons)
			}
		})
	}
}

func TestEvidenceCaptured(t *testing.T) {
	tests := []struct {
		name string
		edit func(*runFacts)
		want bool
	}{
		{"usage, no ledger", func(*runFacts) {}, true},
		{"no usage", func(f *runFacts) { f.UsageCaptured = false }, false},
		{"happy path failed", func(f *runFacts) { f.HappyPathPassed = false }, false},
		{"ledger confirmed", func(f *runFacts) { f.LedgerConfigured, f.LedgerStatus = true, ledger.Confirmed }, true},
		{"ledger mismatch: the row is there", func(f *runFacts) { f.LedgerConfigured, f.LedgerStatus = true, ledger.Mismatch }, true},
		{"ledger not found", func(f *runFacts) { f.LedgerConfigured, f.LedgerStatus = true, ledger.NotFound }, false},
		{"ledger unavailable", func(f *runFacts) { f.LedgerConfigured, f.LedgerStatus = true, ledger.Unavailable }, false},
		{"ledger confirmed, no usage", func(f *runFacts) { f.LedgerConfigured, f.LedgerStatus, f.UsageCaptured = true, ledger.Confirmed, false }, false},
		{"a status without a configured ledger is ignored", func(f *runFacts) { f.LedgerStatus = ledger.NotFound }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := passingFacts()
			tt.edit(&f)
			if got := f.evidenceCaptured(); got != tt.want {
				t.Errorf("EvidenceCaptured = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMeaning(t *testing.T) {
	if got := meaning(reasonUncontrolledRetry); got != "more than one request of a path reached the wire" {
		t.Errorf("meaning(uncontrolled_retry) = %q", got)
	}
	if got := meaning("no_such_reason"); got != "" {
		t.Errorf("Meaning of an unknown code = %q, want empty", got)
	}
}

func BenchmarkDecide(b *testing.B) {
	facts := factsWith(reasonEvidenceGap, reasonSourceChanged)
	b.ReportAllocs()
	for b.Loop() {
		decideFacts(facts)
	}
}
