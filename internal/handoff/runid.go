package handoff

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Run ids are cost-handoff-YYYYMMDD-<unique>-NNN: the date of the run, a
// part taken from the check's id so that no two checks (nor a check and its
// replacement, which gets a new id) share a run id, and the check's run
// sequence.
const (
	runIDPrefix = "cost-handoff-"
	runIDDate   = "20060102"
	// checkIDPrefix starts the ids the provider gives checks; the hex after
	// it is random.
	checkIDPrefix = "chk-"
	// uniqueLength is the length of the unique part, in hex digits: 48 bits
	// of the check id's randomness.
	uniqueLength = 12
)

// nextRunID returns the run id of a run at now of the check checkID, that
// follows previousRunID ("" for the first run). The sequence counts the
// check's runs from 001 whatever the date.
func nextRunID(checkID, previousRunID string, now time.Time) string {
	return fmt.Sprintf("%s%s-%s-%03d", runIDPrefix, now.UTC().Format(runIDDate), runIDUniquePart(checkID), runSequence(previousRunID)+1)
}

// runIDUniquePart is the part of a run id taken from the check id: the
// first hex digits of the random part of an id of the provider's shape
// (chk-<hex>), else as many digits of the id's SHA-256, so any id gives a
// stable part of the same shape.
func runIDUniquePart(checkID string) string {
	if random, ok := strings.CutPrefix(checkID, checkIDPrefix); ok && len(random) >= uniqueLength && isLowerHex(random) {
		return random[:uniqueLength]
	}
	sum := sha256.Sum256([]byte(checkID))
	return hex.EncodeToString(sum[:])[:uniqueLength]
}

// runSequence returns the sequence number of a run id, 0 for "" or an id
// that is not one of ours: cost-handoff-YYYYMMDD-<hex>-NNN, with a real date
// and only digits in NNN.
func runSequence(runID string) int {
	rest, ok := strings.CutPrefix(runID, runIDPrefix)
	if !ok {
		return 0
	}
	parts := strings.Split(rest, "-")
	if len(parts) != 3 || !isLowerHex(parts[1]) {
		return 0
	}
	date, seq := parts[0], parts[2]
	if _, err := time.Parse(runIDDate, date); err != nil || !allDigits(seq) {
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

func isLowerHex(s string) bool {
	return s != "" && strings.Trim(s, "0123456789abcdef") == ""
}
