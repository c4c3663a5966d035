package leakcheck

import "testing"

func TestFind(t *testing.T) {
	const key = "sk-test-Zq8LmN2vXw4R"
	for _, in := range []string{
		`"s\u200bk\u200b-\u200bt\u200be\u200bs\u200bt\u200b-\u200bZ\u200bq\u200b8\u200bL\u200bm\u200bN"`,
		"Zq8LmN2v", "ZQ8LMN2V", "%5A%71%38%4C%6D%4E%32%76", "&#90;&#x71;8LmN2v", "Ｚｑ８ＬｍＮ２ｖ", "v2NmL8qZ",
		"c2stdGVzdC1acThMbU4ydlh3NFI=", "5a71384c6d4e3276",
	} {
		if Find(in, key) == "" {
			t.Errorf("Find(%q) found nothing", in)
		}
	}
	for _, in := range []string{"Zq8LmN2", "sk-test-other", "nothing"} {
		if got := Find(in, key); got != "" {
			t.Errorf("Find(%q) = %q", in, got)
		}
	}
}
