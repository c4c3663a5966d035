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
// run of sharedRun characters of the original. It never returns key itself.
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
	for {
		random := randomAlphanumerics(n)
		if candidate := prefix + random; candidate != key && !sharesRun(random, secret) {
			return candidate
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

// sharesRun reports whether s contains any run of sharedRun characters of
// secret.
func sharesRun(s, secret string) bool {
	for i := 0; i+sharedRun <= len(secret); i++ {
		if strings.Contains(s, secret[i:i+sharedRun]) {
			return true
		}
	}
	return false
}

// randomAlphanumerics draws n characters uniformly from alphanumerics.
func randomAlphanumerics(n int) string {
	const unbiased = 256 - 256%len(alphanumerics) // bytes at or above this would skew the draw
	out := make([]byte, 0, n)
	buf := make([]byte, n)
	for len(out) < n {
		_, _ = rand.Read(buf) // never fails: crypto/rand crashes the program instead
		for _, b := range buf {
			if int(b) < unbiased && len(out) < n {
				out = append(out, alphanumerics[int(b)%len(alphanumerics)])
			}
		}
	}
	return string(out)
}
