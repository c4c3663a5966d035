package handoff

import (
	"math"
	"strconv"
	"testing"
	"time"
)

func TestNextRunID(t *testing.T) {
	day := time.Date(2026, 11, 30, 23, 59, 59, 0, time.UTC)
	tests := []struct {
		name            string
		checkID, prevID string
		now             time.Time
		want            string
	}{
		{"first run", "chk-3f9a1c2b7d4e5f60", "", day, "cost-handoff-20261130-3f9a1c2b7d4e-001"},
		{"continues this check's sequence", "chk-3f9a1c2b7d4e5f60", "cost-handoff-20261101-3f9a1c2b7d4e-041", day, "cost-handoff-20261130-3f9a1c2b7d4e-042"},
		{"an id without the unique part is not ours", "chk-3f9a1c2b7d4e5f60", "cost-handoff-20261101-007", day, "cost-handoff-20261130-3f9a1c2b7d4e-001"},
		{"past 999", "chk-3f9a1c2b7d4e5f60", "cost-handoff-20261101-3f9a1c2b7d4e-999", day, "cost-handoff-20261130-3f9a1c2b7d4e-1000"},
		{"date in UTC", "chk-3f9a1c2b7d4e5f60", "", time.Date(2026, 11, 30, 20, 0, 0, 0, time.FixedZone("EST", -5*3600)), "cost-handoff-20261201-3f9a1c2b7d4e-001"},
		{"id of another shape: a stable hash", "imported/check-1", "", day, "cost-handoff-20261130-" + runIDUniquePart("imported/check-1") + "-001"},
		{"garbage previous id starts over", "chk-3f9a1c2b7d4e5f60", "run-7", day, "cost-handoff-20261130-3f9a1c2b7d4e-001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := nextRunID(tt.checkID, tt.prevID, tt.now); got != tt.want {
				t.Errorf("nextRunID = %q, want %q", got, tt.want)
			}
		})
	}
}

// Two checks applied the same day, and a check and its replacement, never
// share a run id.
func TestRunIDsUniqueAcrossChecks(t *testing.T) {
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	ids := []string{"chk-3f9a1c2b7d4e5f60", "chk-00112233445566ff", "chk-3f9a1c2b7d4e0000x", "legacy-a", "legacy-b", ""}
	seen := map[string]string{}
	for _, id := range ids {
		for _, prev := range []string{"", "cost-handoff-20261129-" + runIDUniquePart(id) + "-001"} {
			runID := nextRunID(id, prev, now)
			if other, dup := seen[runID]; dup {
				t.Errorf("checks %q and %q share run id %s", other, id, runID)
			}
			seen[runID] = id
		}
	}
}

func TestRunIDUniquePart(t *testing.T) {
	tests := []struct {
		checkID string
		want    string // "" for "a hash": 12 lowercase hex digits, not from the id
	}{
		{"chk-3f9a1c2b7d4e5f60", "3f9a1c2b7d4e"},
		{"chk-00112233445566ff", "001122334455"},
		{"chk-3F9A1C2B7D4E5F60", ""}, // not the provider's shape
		{"chk-3f9a1c2b", ""},         // too short
		{"chk-3f9a1c2b7d4e-5f60", ""},
		{"something-else", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got := runIDUniquePart(tt.checkID)
		if len(got) != uniqueLength || !isLowerHex(got) {
			t.Errorf("runIDUniquePart(%q) = %q, want %d lowercase hex digits", tt.checkID, got, uniqueLength)
		}
		if tt.want != "" && got != tt.want {
			t.Errorf("runIDUniquePart(%q) = %q, want %q", tt.checkID, got, tt.want)
		}
		if again := runIDUniquePart(tt.checkID); again != got {
			t.Errorf("runIDUniquePart(%q) is not stable: %q then %q", tt.checkID, got, again)
		}
	}
	if runIDUniquePart("legacy-a") == runIDUniquePart("legacy-b") {
		t.Error("two ids of another shape share a unique part")
	}
}

func TestRunSequence(t *testing.T) {
	tests := []struct {
		runID string
		want  int
	}{
		{"", 0},
		{"cost-handoff-20261130-3f9a1c2b7d4e-001", 1},
		{"cost-handoff-20261130-3f9a1c2b7d4e-1234", 1234},
		{"cost-handoff-20250305-007", 0}, // no unique part: never written by a release
		{"cost-handoff-20250305-0", 0},
		{"cost-handoff-20261130-3F9A1C2B7D4E-001", 0},
		{"cost-handoff-20261130--001", 0},
		{"cost-handoff-20261130-3f9a-1c2b-001", 0},
		{"cost-handoff-20261332-3f9a1c2b7d4e-001", 0}, // no such date
		{"cost-handoff-20261130-3f9a1c2b7d4e-00a", 0},
		{"cost-handoff-20261130-3f9a1c2b7d4e--1", 0},
		{"cost-handoff-20261130-3f9a1c2b7d4e-", 0},
		{"COST-HANDOFF-20261130-001", 0},
		{"x-cost-handoff-20261130-001", 0},
		{"cost-handoff-20261130-" + strconv.Itoa(math.MaxInt), 0},
		{"cost-handoff-20261130-99999999999999999999999", 0},
	}
	for _, tt := range tests {
		if got := runSequence(tt.runID); got != tt.want {
			t.Errorf("runSequence(%q) = %d, want %d", tt.runID, got, tt.want)
		}
	}
}
