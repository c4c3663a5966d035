package probe

import (
	"crypto/rand"
	"strings"
)

const (
	// defaultInvalidKeyPrefix starts the invalid key used when there is no
	// key to imitate.
	defaultInvalidKeyPrefix = "sk-costhandoff-invalid-"
	defaultInvalidKeyRandom = 32
	alphanumerics           = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	// sharedRun is the shortest run of the approved key's secret part that
	// the invalid key may not contain.
	sharedRun = 4
)

// publicKeyPrefixes are the vendors' published key prefixes, the only part
// of a key that is not secret, longest first so that the longest match wins.
var publicKeyPrefixes = []string{"sk-proj-", "sk-ant-", "sk-", "AIza"}

// InvalidKeyFor returns a key the API should refuse, shaped like key so that
// a gateway routing on the vendor prefix routes it the same way. It shares
// nothing secret with key: at most a public vendor prefix is kept, never any
// part of the rest, whatever dashes it holds (a gateway reads
// sk-<token>-<n> as the real token pinned to channel n), and the rest is
// replaced by as many random alphanumerics, without dashes, containing no
// run of sharedRun characters of the original (nor one across the kept
// prefix). It never returns key itself, and takes time linear in the key's
// length whatever the key holds: each character is drawn among those that
// keep the rule, instead of drawing whole candidates until one happens to.
func InvalidKeyFor(key string) string {
	if key == "" {
		return defaultInvalidKeyPrefix + randomAlphanumerics(defaultInvalidKeyRandom)
	}
	prefix := publicPrefix(key)
	secret := key[len(prefix):]
	n := len(secret)
	if n == 0 {
		n = defaultInvalidKeyRandom // nothing to replace: lengthen rather than repeat the key
	}
	random := newRunAvoider(secret).draw(prefix, n)
	if prefix+random == key { // only a secret shorter than a run can be drawn: change one character
		i := strings.IndexByte(alphanumerics, random[0])
		random = string(alphanumerics[(i+1)%len(alphanumerics)]) + random[1:]
	}
	return prefix + random
}

// runAvoider draws alphanumerics that contain no run of sharedRun
// characters of a secret. A state is the last sharedRun-1 characters drawn;
// it is dead when every next character either completes a run of the
// secret or leads to a dead state, so a draw that never enters a dead state
// can always go on.
type runAvoider struct {
	runs map[string]bool // the secret's runs of sharedRun bytes
	dead map[string]bool
}

func newRunAvoider(secret string) runAvoider {
	a := runAvoider{runs: map[string]bool{}, dead: map[string]bool{}}
	for i := 0; i+sharedRun <= len(secret); i++ {
		a.runs[secret[i:i+sharedRun]] = true
	}
	// Only a state that starts a run can be dead at first; each state that
	// dies can kill only the states one character before it.
	var work []string
	for run := range a.runs {
		work = append(work, run[:sharedRun-1])
	}
	for len(work) > 0 {
		state := work[len(work)-1]
		work = work[:len(work)-1]
		if a.dead[state] || !a.allBlocked(state) {
			continue
		}
		a.dead[state] = true
		for i := range len(alphanumerics) {
			work = append(work, alphanumerics[i:i+1]+state[:sharedRun-2])
		}
	}
	return a
}

// blocked reports whether c may not follow the characters in tail.
func (a runAvoider) blocked(tail string, c byte) bool {
	next := tail + string(c)
	if len(next) >= sharedRun && a.runs[next[len(next)-sharedRun:]] {
		return true
	}
	return len(next) >= sharedRun-1 && a.dead[next[len(next)-(sharedRun-1):]]
}

func (a runAvoider) allBlocked(state string) bool {
	for i := range len(alphanumerics) {
		if !a.blocked(state, alphanumerics[i]) {
			return false
		}
	}
	return true
}

// draw returns n random alphanumerics to follow prefix. A prefix whose end
// leaves no way on (a pathological key) is not taken into account.
func (a runAvoider) draw(prefix string, n int) string {
	tail := prefix[max(0, len(prefix)-(sharedRun-1)):]
	if len(tail) == sharedRun-1 && a.dead[tail] {
		tail = ""
	}
	out := make([]byte, 0, n)
	allowed := make([]byte, 0, len(alphanumerics))
	for len(out) < n {
		allowed = allowed[:0]
		for i := range len(alphanumerics) {
			if !a.blocked(tail, alphanumerics[i]) {
				allowed = append(allowed, alphanumerics[i])
			}
		}
		if len(allowed) == 0 { // cannot happen from a live state; never loop on it
			allowed = append(allowed, alphanumerics...)
		}
		c := allowed[randomIndex(len(allowed))]
		out = append(out, c)
		tail = (tail + string(c))[max(0, len(tail)+1-(sharedRun-1)):]
	}
	return string(out)
}

// randomIndex draws uniformly from [0, n), n at most 256.
func randomIndex(n int) int {
	unbiased := 256 - 256%n // bytes at or above this would skew the draw
	var b [1]byte
	for {
		_, _ = rand.Read(b[:]) // never fails: crypto/rand crashes the program instead
		if int(b[0]) < unbiased {
			return int(b[0]) % n
		}
	}
}

// publicPrefix is the longest public vendor prefix key starts with, or "".
func publicPrefix(key string) string {
	for _, p := range publicKeyPrefixes {
		if strings.HasPrefix(key, p) && len(key) > len(p) {
			return p
		}
	}
	return ""
}

// randomAlphanumerics draws n characters uniformly from alphanumerics.
func randomAlphanumerics(n int) string {
	out := make([]byte, n)
	for i := range out {
		out[i] = alphanumerics[randomIndex(len(alphanumerics))]
	}
	return string(out)
}
