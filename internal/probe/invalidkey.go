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
)

// InvalidKeyFor returns a key the API should refuse, shaped like key so that a
// gateway routing on the prefix routes it the same way: the prefix up to and
// including the last "-" (or "AIza" for Google keys) is kept, and the rest is
// replaced by as many random alphanumerics. It never returns key itself.
func InvalidKeyFor(key string) string {
	if key == "" {
		return defaultInvalidKeyPrefix + randomAlphanumerics(defaultInvalidKeyRandom)
	}
	prefix := key[:strings.LastIndex(key, "-")+1]
	if strings.HasPrefix(key, "AIza") {
		prefix = "AIza"
	}
	n := len(key) - len(prefix)
	if n == 0 {
		n = defaultInvalidKeyRandom // nothing to replace: lengthen rather than repeat the key
	}
	for {
		if candidate := prefix + randomAlphanumerics(n); candidate != key {
			return candidate
		}
	}
}

// randomAlphanumerics draws n characters uniformly from alphanumerics.
func randomAlphanumerics(n int) string {
	const unbiased = 256 - 256%len(alphanumerics) // bytes at or above this would skew the draw
	out := make([]byte, 0, n)
	buf := make([]byte, n)
	for len(out) < n {
		rand.Read(buf) // never fails: crypto/rand crashes the program instead
		for _, b := range buf {
			if int(b) < unbiased && len(out) < n {
				out = append(out, alphanumerics[int(b)%len(alphanumerics)])
			}
		}
	}
	return string(out)
}
