package handoff

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Record is the handoff log a budget owner receives: exactly the fields of
// the hand-filled checklist it replaces, in its order.
type Record struct {
	RunID             string
	ReviewedAt        string
	Operator          string
	SourceURLsChecked []string
	WorkloadTag       string
	OwnerTag          string
	Environment       string
	HappyPathResult   string
	ErrorPathResult   string
	EvidenceCaptured  string // "yes" or "no"
	Decision          string
	FollowUpOwner     string
}

// Log renders the record as the handoff log: one "field: value" line per
// field in checklist order. Values are flattened to one line each so a
// value cannot forge another field's line.
func (r Record) Log() string {
	lines := []string{
		"run_id: " + oneLine(r.RunID),
		"reviewed_at: " + oneLine(r.ReviewedAt),
		"operator: " + oneLine(r.Operator),
		"source_urls_checked: [" + oneLine(strings.Join(r.SourceURLsChecked, ", ")) + "]",
		"workload_tag: " + oneLine(r.WorkloadTag),
		"owner_tag: " + oneLine(r.OwnerTag),
		"environment: " + oneLine(r.Environment),
		"happy_path_result: " + oneLine(r.HappyPathResult),
		"error_path_result: " + oneLine(r.ErrorPathResult),
		"evidence_captured: " + oneLine(r.EvidenceCaptured),
		"decision: " + oneLine(r.Decision),
		"follow_up_owner: " + oneLine(r.FollowUpOwner),
	}
	return strings.Join(lines, "\n") + "\n"
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// YesNo renders a boolean the way the checklist does.
func YesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// runIDPrefix starts every run id; the date, in runIDDate's layout, and the
// sequence follow.
const (
	runIDPrefix = "cost-handoff-"
	runIDDate   = "20060102"
)

// NextRunID returns the run id for a run at now that follows previous (""
// for the first run): cost-handoff-YYYYMMDD-NNN, NNN counting this check's
// runs from 001 whatever the date.
func NextRunID(previous string, now time.Time) string {
	return fmt.Sprintf("%s%s-%03d", runIDPrefix, now.UTC().Format(runIDDate), RunSequence(previous)+1)
}

// RunSequence returns the sequence number of a run id, 0 for "" or an id
// that is not one of ours (cost-handoff-YYYYMMDD-NNN with a real date and
// only digits after it).
func RunSequence(runID string) int {
	rest, ok := strings.CutPrefix(runID, runIDPrefix)
	if !ok {
		return 0
	}
	date, seq, ok := strings.Cut(rest, "-")
	if _, err := time.Parse(runIDDate, date); !ok || err != nil || !allDigits(seq) {
		return 0
	}
	n, err := strconv.Atoi(seq)
	if err != nil || n == math.MaxInt { // MaxInt has no successor
		return 0
	}
	return n
}

func allDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// PushHistory puts previous at the front of history and keeps at most
// limit records (limit < 0 keeps none).
func PushHistory(history []Record, previous Record, limit int) []Record {
	out := append([]Record{previous}, history...)
	return TrimHistory(out, limit)
}

// TrimHistory keeps the newest limit records. A shortened result has no
// spare capacity, so appending to it cannot overwrite the caller's records.
func TrimHistory(history []Record, limit int) []Record {
	limit = max(limit, 0)
	if len(history) > limit {
		return history[:limit:limit]
	}
	return history
}
