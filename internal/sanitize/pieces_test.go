package sanitize_test

import (
	"strings"
	"testing"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/sanitize"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/sanitize/leakcheck"
)

// A key cut into pieces shorter than the window, one in each of five
// stored fields (issue 27, item 3), is not stored whole across them.
func TestPiecesAcrossFields(t *testing.T) {
	const key = "sk-test-Zq8LmN2vXw4RtY6uP0oI9kJ3hG"
	for _, size := range []int{4, 5, 7} {
		var pieces []string
		for k := key; k != ""; k = k[min(size, len(k)):] {
			pieces = append(pieces, k[:min(size, len(k))])
		}
		fields := make([]string, len(pieces))
		stored := make([]sanitize.Stored, len(pieces))
		for i, p := range pieces {
			fields[i] = p
			if i%2 == 0 {
				fields[i] = "HTTP 401: Incorrect API key provided: " + p + "."
			}
			stored[i] = sanitize.Stored{Value: &fields[i], Identifier: i%2 == 1}
		}
		scrub := sanitize.New(key)
		scrub.Pieces(stored...)
		var joined strings.Builder
		for i, f := range fields {
			if i%2 == 1 && !strings.HasPrefix(f, sanitize.DigestPrefix) && len(pieces[i]) >= sanitize.MinPiece && strings.Index(key, pieces[i]) >= len("sk-test-") {
				t.Errorf("size %d: identifier %q, want a digest", size, f)
			}
			joined.WriteString(strings.TrimSuffix(strings.TrimPrefix(f, "HTTP 401: Incorrect API key provided: "), "."))
		}
		if run := leakcheck.Find(joined.String(), key); run != "" {
			t.Errorf("size %d: the fields put together hold %q: %q", size, run, fields)
		}
		if !strings.HasPrefix(fields[2], "HTTP 401: Incorrect API key provided: ") {
			t.Errorf("size %d: the message around a piece changed: %q", size, fields[2])
		}
	}
}

// Fields that hold no pieces of a credential are never changed, nor is a
// lone piece.
func TestPiecesLeaveOthersAlone(t *testing.T) {
	const key = "sk-test-Zq8LmN2vXw4RtY6uP0oI9kJ3hG"
	fields := []string{
		"无效的令牌 (request id: 2026113002045454547535260832950)",
		"gpt-4o-mini", "20261201105105210812644VkuiIjHX", "team-a Zq8L", "used 11 prompt tokens",
	}
	want := append([]string(nil), fields...)
	var stored []sanitize.Stored
	for i := range fields {
		stored = append(stored, sanitize.Stored{Value: &fields[i], Identifier: i > 0})
	}
	sanitize.New(key).Pieces(stored...)
	for i := range fields {
		if fields[i] != want[i] {
			t.Errorf("field %q became %q", want[i], fields[i])
		}
	}
}
