package ledger

import "testing"

// TestJudgeKeysOfAMinute: a usage API is read for one key, so a minute in
// which this provider sent the model with several keys is ambiguous for
// the checks sent in it, and only for them: a check alone with its key in
// its own minute is confirmed on its bucket, whatever its neighbours hold.
func TestJudgeKeysOfAMinute(t *testing.T) {
	const m = int64(1_800_000_000 - 1_800_000_000%60)
	one := FleetSum{N: 1, PromptTokens: 8, CompletionTokens: 1, Keys: 1}
	two := FleetSum{N: 2, PromptTokens: 16, CompletionTokens: 2, Keys: 2}
	exact := usageBucket{requests: 1, input: 8, output: 1}
	for _, tt := range []struct {
		name    string
		fleet   map[int64]FleetSum
		buckets map[int64]usageBucket
		last    bool
		want    Status
	}{
		{"two keys in its own minute", map[int64]FleetSum{m: two}, map[int64]usageBucket{m: exact}, false, Ambiguous},
		{"two keys in its own minute, nothing arrived", map[int64]FleetSum{m: two}, nil, true, Ambiguous},
		{"alone in its minute, two keys the minute before", map[int64]FleetSum{m - 60: two, m: one}, map[int64]usageBucket{m: exact}, false, Confirmed},
		{"alone in its minute, two keys the minute after", map[int64]FleetSum{m: one, m + 60: two}, map[int64]usageBucket{m: exact}, false, Confirmed},
		{"nothing in its minute, a neighbour of two keys holds rows", map[int64]FleetSum{m: one, m + 60: two},
			map[int64]usageBucket{m + 60: exact}, true, Ambiguous},
		{"one key a recheck kept before keys were counted", map[int64]FleetSum{m: {N: 1, PromptTokens: 8, CompletionTokens: 1}},
			map[int64]usageBucket{m: exact}, false, Confirmed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, f := range []usageFetcher{openAIUsage{}, anthropicUsage{}} {
				res, decided := newUsageAPI(f).judge("key_test", "gpt-test-mini", m, 8, 1, tt.fleet, tt.buckets, false, tt.last)
				if res.Status != tt.want || !decided {
					t.Errorf("%T: %s (decided %v), want %s: %s", f, res.Status, decided, tt.want, res.Message)
				}
			}
		})
	}
}
