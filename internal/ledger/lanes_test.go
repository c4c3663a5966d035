//go:build unix

package ledger

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// useLaneDir points the lanes at a folder of the test's own, which
// acquireLane makes (t.TempDir() itself is open to others' reading) and
// the test removes: its lock files are no other process's (go test ./...
// runs other test binaries, and terraform's providers, that take lanes at
// the same time).
func useLaneDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "lanes")
	laneDirForTest.Store(&dir)
	t.Cleanup(func() { laneDirForTest.Store(nil) })
	return dir
}

// Two Readers preferring the same lane (two pipelines on one host whose
// process ids are 64 apart) never hold it at once: the second takes the
// next free one, and a lane is given back with the last signature.
func TestLanesAreHeldByOneReaderAtATime(t *testing.T) {
	useLaneDir(t)
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

// The lanes' folder is the user's own: named by uid, so another user's
// folder never refuses this one's locks, and made 0700.
func TestLaneDirIsTheUsersOwn(t *testing.T) {
	if d := laneDir(); filepath.Dir(d) != filepath.Clean(os.TempDir()) || !strings.HasSuffix(d, fmt.Sprintf("-%d", os.Getuid())) {
		t.Errorf("lane folder %s, want one named by uid %d in %s", d, os.Getuid(), os.TempDir())
	}
	dir := useLaneDir(t)
	lane, release := acquireLane(7)
	defer release()
	fi, err := os.Stat(filepath.Join(dir, "lane-07"))
	if lane != 7 || err != nil {
		t.Fatalf("lane %d, lock file: %v", lane, err)
	}
	if di, err := os.Stat(dir); err != nil || di.Mode().Perm() != 0o700 || fi.Mode().Perm() != 0o600 {
		t.Errorf("folder %v (%v), lock file %v: want 0700 and 0600", di.Mode(), err, fi.Mode())
	}
}

// A folder that others may write (made by someone else under the name, or
// left open) holds no lanes: the preferred lane is taken as it is and no
// lock file is made there.
func TestLaneDirOpenToOthersIsNotUsed(t *testing.T) {
	dir := useLaneDir(t)
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	lane, release := acquireLane(9)
	defer release()
	entries, _ := os.ReadDir(dir)
	if lane != 9 || len(entries) != 0 {
		t.Errorf("lane %d and %d files in a folder open to all, want the preferred lane 9 and none", lane, len(entries))
	}
}
