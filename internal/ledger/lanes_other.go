//go:build !unix

package ledger

// lockFile: without file locks, no lane is locked and the preferred lane is
// taken as it is.
func lockFile(string) (func(), bool) { return nil, false }

// privateDir: without file locks no lane is locked, wherever the folder.
func privateDir(string) bool { return false }
