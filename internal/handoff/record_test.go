package handoff

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// logFields are the handoff log's field names, in order.
var logFields = []string{
	"run_id", "reviewed_at", "operator", "source_urls_checked", "workload_tag", "owner_tag",
	"environment", "happy_path_result", "error_path_result", "evidence_captured", "decision", "follow_up_owner",
}

func sampleRecord() Record {
	return Record{
		RunID:             "cost-handoff-20250305-002",
		ReviewedAt:        "2025-03-05T03:30:15Z",
		Operator:          "finops-oncall",
		SourceURLsChecked: []string{"https://example.com/pricing", "https://example.com/support"},
		WorkloadTag:       "search-api",
		OwnerTag:          "team-search",
		Environment:       "prod",
		HappyPathResult:   "pass",
		ErrorPathResult:   "pass",
		EvidenceCaptured:  "yes",
		Decision:          "proceed",
		FollowUpOwner:     "team-search",
	}
}

func TestRecordLog(t *testing.T) {
	want := `run_id: cost-handoff-20250305-002
reviewed_at: 2025-03-05T03:30:15Z
operator: finops-oncall
source_urls_checked: [https://example.com/pricing, https://example.com/support]
workload_tag: search-api
owner_tag: team-search
environment: prod
happy_path_result: pass
error_path_result: pass
evidence_captured: yes
decision: proceed
follow_up_owner: team-search
`
	if got := sampleRecord().Log(); got != want {
		t.Errorf("Log =\n%s\nwant\n%s", got, want)
	}
}

func TestRecordLogSourceURLs(t *testing.T) {
	tests := []struct {
		urls []string
		want string
	}{
		{nil, "source_urls_checked: []"},
		{[]string{}, "source_urls_checked: []"},
		{[]string{"https://a.example"}, "source_urls_checked: [https://a.example]"},
		{[]string{"https://a.example", "https://b.example"}, "source_urls_checked: [https://a.example, https://b.example]"},
	}
	for _, tt := range tests {
		r := sampleRecord()
		r.SourceURLsChecked = tt.urls
		if got := logLine(t, r.Log(), "source_urls_checked"); got != tt.want {
			t.Errorf("urls %q: line %q, want %q", tt.urls, got, tt.want)
		}
	}
}

// logLine returns the line of log for field, failing if it is not there.
func logLine(t *testing.T, log, field string) string {
	t.Helper()
	for line := range strings.Lines(log) {
		if strings.HasPrefix(line, field+": ") {
			return strings.TrimSuffix(line, "\n")
		}
	}
	t.Fatalf("no %s line in\n%s", field, log)
	return ""
}

func TestRecordLogCannotBeForged(t *testing.T) {
	setters := map[string]func(*Record, string){
		"run_id":              func(r *Record, v string) { r.RunID = v },
		"reviewed_at":         func(r *Record, v string) { r.ReviewedAt = v },
		"operator":            func(r *Record, v string) { r.Operator = v },
		"source_urls_checked": func(r *Record, v string) { r.SourceURLsChecked = []string{"https://a.example", v} },
		"workload_tag":        func(r *Record, v string) { r.WorkloadTag = v },
		"owner_tag":           func(r *Record, v string) { r.OwnerTag = v },
		"environment":         func(r *Record, v string) { r.Environment = v },
		"happy_path_result":   func(r *Record, v string) { r.HappyPathResult = v },
		"error_path_result":   func(r *Record, v string) { r.ErrorPathResult = v },
		"evidence_captured":   func(r *Record, v string) { r.EvidenceCaptured = v },
		"decision":            func(r *Record, v string) { r.Decision = v },
		"follow_up_owner":     func(r *Record, v string) { r.FollowUpOwner = v },
	}
	if len(setters) != len(logFields) {
		t.Fatalf("setters cover %d fields, the log has %d", len(setters), len(logFields))
	}
	for _, breaker := range []string{"\n", "\r\n", "\r", "\v", "\f", "\u0085", "\u2028", "\u2029"} {
		forged := "team" + breaker + "decision: proceed" + breaker
		for _, field := range logFields {
			r := sampleRecord()
			r.Decision = "stop"
			setters[field](&r, forged)
			log := r.Log()
			if got := fieldsOf(log); !slices.Equal(got, logFields) {
				t.Errorf("%s = %q: log fields %q, want %q", field, forged, got, logFields)
			}
			if field != "decision" && logLine(t, log, "decision") != "decision: stop" {
				t.Errorf("%s = %q forged the decision:\n%s", field, forged, log)
			}
		}
	}
}

// fieldsOf splits a log into lines on every line break a reader might honour
// and returns the field name of each line.
func fieldsOf(log string) []string {
	lines := strings.FieldsFunc(log, func(r rune) bool { return strings.ContainsRune("\n\r\v\f\u0085\u2028\u2029", r) })
	names := make([]string, len(lines))
	for i, line := range lines {
		names[i], _, _ = strings.Cut(line, ":")
	}
	return names
}

func TestRecordLogOfEmptyRecord(t *testing.T) {
	log := Record{}.Log()
	if got := fieldsOf(log); !slices.Equal(got, logFields) {
		t.Errorf("fields %q, want %q", got, logFields)
	}
	if !strings.HasSuffix(log, "follow_up_owner: \n") {
		t.Errorf("log does not end with the follow_up_owner line:\n%s", log)
	}
}

func TestYesNo(t *testing.T) {
	if YesNo(true) != "yes" || YesNo(false) != "no" {
		t.Errorf("YesNo(true), YesNo(false) = %q, %q", YesNo(true), YesNo(false))
	}
}

func TestNextRunID(t *testing.T) {
	day := time.Date(2025, 3, 4, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		previous string
		now      time.Time
		want     string
	}{
		{"first run", "", day, "cost-handoff-20250304-001"},
		{"second run", "cost-handoff-20250304-001", day, "cost-handoff-20250304-002"},
		{"sequence continues across days", "cost-handoff-20240101-009", day, "cost-handoff-20250304-010"},
		{"three digits", "cost-handoff-20250304-099", day, "cost-handoff-20250304-100"},
		{"rollover past 999", "cost-handoff-20250304-999", day, "cost-handoff-20250304-1000"},
		{"after rollover", "cost-handoff-20250304-1000", day, "cost-handoff-20250304-1001"},
		{"foreign id restarts", "run-7", day, "cost-handoff-20250304-001"},
		{"date in UTC, local evening", "", time.Date(2025, 3, 4, 22, 30, 0, 0, time.FixedZone("EST", -5*3600)), "cost-handoff-20250305-001"},
		{"date in UTC, local morning", "", time.Date(2025, 3, 5, 1, 0, 0, 0, time.FixedZone("JST", 9*3600)), "cost-handoff-20250304-001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NextRunID(tt.previous, tt.now); got != tt.want {
				t.Errorf("NextRunID(%q, %s) = %q, want %q", tt.previous, tt.now, got, tt.want)
			}
		})
	}
}

func TestRunSequence(t *testing.T) {
	tests := []struct {
		runID string
		want  int
	}{
		{"cost-handoff-20250304-001", 1},
		{"cost-handoff-20250304-042", 42},
		{"cost-handoff-20250304-008", 8}, // decimal, not octal
		{"cost-handoff-20250304-999", 999},
		{"cost-handoff-20250304-1000", 1000},
		// Not one of ours.
		{"", 0},
		{"run-7", 0},
		{"cost-handoff-", 0},
		{"cost-handoff-20250304", 0},
		{"cost-handoff-20250304-", 0},
		{"cost-handoff-20250304-abc", 0},
		{"cost-handoff-20250304-7x", 0},
		{"cost-handoff-20250304-+5", 0},
		{"cost-handoff-20250304--5", 0},
		{"cost-handoff-20250304- 5", 0},
		{"cost-handoff-20250304-0x10", 0},
		{"cost-handoff-20250304-1_000", 0},
		{"cost-handoff-garbage-007", 0},
		{"cost-handoff-2025034-007", 0},
		{"cost-handoff-20251399-007", 0},
		{"COST-HANDOFF-20250304-005", 0},
		{"x-cost-handoff-20250304-005", 0},
		{"cost-handoff-20250304-99999999999999999999", 0},
		{fmt.Sprintf("cost-handoff-20250304-%d", int64(^uint64(0)>>1)), 0}, // the next would overflow
	}
	for _, tt := range tests {
		if got := RunSequence(tt.runID); got != tt.want {
			t.Errorf("RunSequence(%q) = %d, want %d", tt.runID, got, tt.want)
		}
	}
}

func records(ids ...string) []Record {
	out := make([]Record, len(ids))
	for i, id := range ids {
		out[i] = Record{RunID: id}
	}
	return out
}

func runIDs(rs []Record) []string {
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.RunID
	}
	return ids
}

func TestPushHistory(t *testing.T) {
	tests := []struct {
		name    string
		history []string
		limit   int
		want    []string
	}{
		{"first push", nil, 10, []string{"new"}},
		{"newest first", []string{"b", "a"}, 10, []string{"new", "b", "a"}},
		{"oldest dropped at the limit", []string{"b", "a"}, 2, []string{"new", "b"}},
		{"limit 1 keeps only the pushed record", []string{"b", "a"}, 1, []string{"new"}},
		{"limit 0 keeps none", []string{"b", "a"}, 0, []string{}},
		{"negative limit keeps none", []string{"b", "a"}, -1, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			history := records(tt.history...)
			got := PushHistory(history, Record{RunID: "new"}, tt.limit)
			if !slices.Equal(runIDs(got), tt.want) {
				t.Errorf("PushHistory = %q, want %q", runIDs(got), tt.want)
			}
			if !slices.Equal(runIDs(history), tt.history) {
				t.Errorf("input history changed to %q, was %q", runIDs(history), tt.history)
			}
		})
	}
}

func TestTrimHistory(t *testing.T) {
	tests := []struct {
		name  string
		limit int
		want  []string
	}{
		{"under the limit", 5, []string{"c", "b", "a"}},
		{"at the limit", 3, []string{"c", "b", "a"}},
		{"newest kept", 2, []string{"c", "b"}},
		{"limit 0 keeps none", 0, []string{}},
		{"negative limit keeps none", -3, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			history := records("c", "b", "a")
			got := TrimHistory(history, tt.limit)
			if !slices.Equal(runIDs(got), tt.want) {
				t.Errorf("TrimHistory = %q, want %q", runIDs(got), tt.want)
			}
			// Growing the result must not overwrite what the caller still holds.
			_ = append(got, Record{RunID: "appended"})
			if ids := runIDs(history); !slices.Equal(ids, []string{"c", "b", "a"}) {
				t.Errorf("appending to the result changed the input to %q", ids)
			}
		})
	}
}
