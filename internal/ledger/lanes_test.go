//go:build unix

package ledger

import "testing"

// Two Readers preferring the same lane (two pipelines on one host whose
// process ids are 64 apart) never hold it at once: the second takes the
// next free one, and a lane is given back with the last signature.
func TestLanesAreHeldByOneReaderAtATime(t *testing.T) {
	a, b := newSharedLog(New(Options{})), newSharedLog(New(Options{}))
	a.preferred, b.preferred = 5, 5
	ta, tb := a.ticket("m"), b.ticket("m")
	laneOf := func(tk *Ticket) int { return (tk.pad - 1) / signatureLane }
	if laneOf(ta) == laneOf(tb) {
		t.Fatalf("both Readers drew from lane %d", laneOf(ta))
	}
	given := laneOf(ta)
	ta.Release()
	c := newSharedLog(New(Options{}))
	c.preferred = given
	tc := c.ticket("m")
	defer tc.Release()
	defer tb.Release()
	if laneOf(tc) != given {
		t.Errorf("lane %d, given back, was not taken again: drew from %d", given, laneOf(tc))
	}
}
