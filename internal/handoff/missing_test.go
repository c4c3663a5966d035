package handoff

import "testing"

func TestIsMissing(t *testing.T) {
	tests := []struct {
		value string
		want  bool
	}{
		// Absent or blank.
		{"", true},
		{" ", true},
		{"\t", true},
		{"\n", true},
		{" \t\r\n ", true},
		{"\u00a0", true}, // a non-breaking space is still blank
		// Invisible characters that are not format characters: the
		// combining grapheme joiner, variation selectors, Hangul fillers,
		// tag characters, control characters.
		{"TBD\u034f", true},
		{"TBD\ufe0f", true},
		{"T\ufe00BD", true},
		{"\u3164", true},
		{"TBD\u2800", true},
		{"\u115f\u1160\uffa0", true},
		{"TBD\U000E0041", true},
		{"\u034f", true},
		{"team\ufe0f", false},
		// Compatibility forms and combining marks on ASCII letters (issue
		// 27, item 9): fullwidth, struck through, mathematical letters.
		{"ＴＢＤ", true},
		{"T\u0336B\u0336D\u0336", true},
		{"TBD\u0336", true},
		{"𝐓𝐁𝐃", true},
		{"ｎ／ａ", true},
		{"ＹＹＹＹ-team", true},
		{"team\u0336", false},
		{"café", false},
		{"ｔｅａｍ", false},
		// Placeholder words, any case, surrounding space ignored.
		{"TBD", true},
		{" tbd ", true},
		{"\tTBD\n", true},
		{"todo", true},
		{"ToDo", true},
		{"unknown", true},
		{"UNKNOWN", true},
		{"none", true},
		{"None", true},
		{"N/A", true},
		{"n/a", true},
		{"na", true},
		{"NA", true},
		{"NULL", true},
		{"null", true},
		{"ChangeMe", true},
		{"placeholder", true},
		{"PLACEHOLDER", true},
		// Ending in -placeholder.
		{"team-placeholder", true},
		{" Team-Placeholder ", true},
		{"-placeholder", true},
		// Wrapped in <...>.
		{"<owner>", true},
		{" <OWNER> ", true},
		{"<>", true},
		// Containing YYYY, any case.
		{"owner-YYYY", true},
		{"yyyy-q1", true},
		{"cost-yyyy-center", true},
		// Invisible (format) characters are removed before the rule.
		{"\u200b", true},
		{"\ufeff", true},
		{"\u200b\u200c\u200d\u2060", true},
		{"TBD\u200b", true},
		{"T\u00adB\u200bD", true},
		{"\u202e<owner>", true},
		{"\u200bteam-search", false},
		// Real values: a placeholder word is only a placeholder on its own.
		{"team-search", false},
		{"nat", false},
		{"tbd-team", false},
		{"todo-app", false},
		{"none-such", false},
		{"n/a/b", false},
		{"placeholders", false},
		{"teamplaceholder", false},
		{"placeholder-team", false},
		{"<owner", false},
		{"owner>", false},
		{"a<b>c", false},
		{"yyy", false},
		{"2025-q1", false},
		{"prod", false},
		{"0", false},
	}
	for _, tt := range tests {
		if got := IsMissing(tt.value); got != tt.want {
			t.Errorf("IsMissing(%q) = %v, want %v", tt.value, got, tt.want)
		}
	}
}
