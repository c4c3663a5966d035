package sanitize

import (
	"strings"
	"testing"
)

// BenchmarkText: a 16 KiB error body scrubbed of three credentials; the
// scrubber runs on every stored string, so it must stay linear.
func BenchmarkText(b *testing.B) {
	scrub := New(key, invalid, token)
	in := strings.Repeat(`{"error":{"message":"无效的令牌 (request id: 2026113002045454547535260832950) &amp; 50% \u00e9"}} `, 16<<10/100)
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		scrub.Text(in, MaxMessageRunes)
	}
}
