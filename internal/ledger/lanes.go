package ledger

import (
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
)

// Lanes of signatures (DESIGN.md, One log reader per model and token): a
// Reader with smoke requests in flight holds a lane of SignatureRange, and
// pipelines on one host never hold the same lane at once. Where the host
// lets processes lock files (unix), the lane is a lock file in a folder of
// the user's own in the temporary folder, taken without waiting, the first
// free one from the preferred lane on, and given back when the Reader's
// last signature is released; elsewhere the preferred lane is taken as it
// is.
//
// A lane given back is unlocked and its file closed, not removed: removing
// a locked file races with a process that opened it just before (it would
// lock the removed file while a third locks a new one under the same name,
// two holders of one lane). The folder holds laneCount empty files at
// most, and the system's temporary folder cleaning removes them.

// laneCount is the number of lanes.
const laneCount = SignatureRange / signatureLane

// laneDirForTest, when set, is the folder of the lanes' lock files instead
// of the user's folder in the temporary folder: a test points it at its
// own t.TempDir(), so that other processes' lanes (other test binaries of
// go test ./..., providers started by terraform) do not race it.
var laneDirForTest atomic.Pointer[string]

// laneDir is where the lanes' lock files are: a folder per user (by uid),
// so that one user's folder never refuses another's locks.
func laneDir() string {
	if d := laneDirForTest.Load(); d != nil {
		return *d
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("costhandoff-ledger-lanes-%d", os.Getuid()))
}

// acquireLane takes the first free lane from preferred on and returns it
// and how to give it back. When no lane can be locked (all are held, the
// folder is not this user's alone, or the host has no file locks), it
// returns preferred, shared.
func acquireLane(preferred int) (int, func()) {
	dir := laneDir()
	if err := os.MkdirAll(dir, 0o700); err != nil || !privateDir(dir) {
		return preferred, func() {}
	}
	for i := range laneCount {
		lane := (preferred + i) % laneCount
		if release, ok := lockFile(filepath.Join(dir, fmt.Sprintf("lane-%02d", lane))); ok {
			return lane, release
		}
	}
	return preferred, func() {}
}
