package ledger

import (
	"fmt"
	"os"
	"path/filepath"
)

// Lanes of signatures (DESIGN.md, One log reader per model and token): a
// Reader with smoke requests in flight holds a lane of SignatureRange, and
// pipelines on one host never hold the same lane at once. Where the host
// lets processes lock files (unix), the lane is a lock file in the
// temporary folder, taken without waiting, the first free one from the
// preferred lane on, and given back when the Reader's last signature is
// released; elsewhere the preferred lane is taken as it is.

// laneCount is the number of lanes.
const laneCount = SignatureRange / signatureLane

// laneDir is where the lanes' lock files are.
func laneDir() string { return filepath.Join(os.TempDir(), "costhandoff-ledger-lanes") }

// acquireLane takes the first free lane from preferred on and returns it
// and how to give it back. When no lane can be locked (all are held, or
// the host has no file locks), it returns preferred, shared.
func acquireLane(preferred int) (int, func()) {
	dir := laneDir()
	if err := os.MkdirAll(dir, 0o700); err != nil {
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
