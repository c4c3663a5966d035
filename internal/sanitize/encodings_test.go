package sanitize

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"html"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// encodings of the key a server may send, each of which survived the
// sanitiser before the canonical form (issue 27, items 1, 2 and 5).
var keyEncodings = map[string]func(string) string{
	"percent-encoded": func(s string) string {
		var b strings.Builder
		for _, c := range []byte(s) {
			fmt.Fprintf(&b, "%%%02X", c)
		}
		return b.String()
	},
	"query-escaped": url.QueryEscape,
	"entities decimal": func(s string) string {
		return mapRunes(s, func(r rune) string { return "&#" + strconv.Itoa(int(r)) + ";" })
	},
	"entities hex":           func(s string) string { return mapRunes(s, func(r rune) string { return fmt.Sprintf("&#x%x;", r) }) },
	"entities named":         func(s string) string { return strings.ReplaceAll(html.EscapeString(s), "-", "&hyphen;") },
	"JSON \\u escapes":       func(s string) string { return mapRunes(s, func(r rune) string { return fmt.Sprintf(`\u%04x`, r) }) },
	"Go %q of U+200B splits": func(s string) string { return strings.Trim(strconv.Quote(split(s, "\u200b")), `"`) },
	"Go %q of U+0001 splits": func(s string) string { return strings.Trim(strconv.Quote(split(s, "\x01")), `"`) },
	"\\U escapes":            func(s string) string { return mapRunes(s, func(r rune) string { return fmt.Sprintf(`\U%08x`, r) }) },
	"\\x escapes":            func(s string) string { return mapRunes(s, func(r rune) string { return fmt.Sprintf(`\x%02x`, r) }) },
	"fullwidth": func(s string) string {
		return strings.Map(func(r rune) rune { return shift(r, 0xFF01-'!', '!', '~') }, s)
	},
	"mathematical bold": func(s string) string {
		return strings.Map(func(r rune) rune {
			switch {
			case r >= 'A' && r <= 'Z':
				return 0x1D400 + r - 'A'
			case r >= 'a' && r <= 'z':
				return 0x1D41A + r - 'a'
			case r >= '0' && r <= '9':
				return 0x1D7CE + r - '0'
			}
			return r
		}, s)
	},
	"Cyrillic look-alikes": func(s string) string {
		return strings.NewReplacer("a", "а", "e", "е", "o", "о", "p", "р", "c", "с", "x", "х", "y", "у", "K", "К", "T", "Т").Replace(s)
	},
	"Greek look-alikes": func(s string) string {
		return strings.NewReplacer("o", "ο", "K", "Κ", "A", "Α", "E", "Ε", "v", "ν").Replace(s)
	},
	"combining overlay":      func(s string) string { return split(s, "\u0336") + "\u0336" },
	"upper case":             strings.ToUpper,
	"reversed":               func(s string) string { r := []rune(s); slices.Reverse(r); return string(r) },
	"base64":                 func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) },
	"base64 inside a header": func(s string) string { return base64.StdEncoding.EncodeToString([]byte("Authorization: Bearer " + s)) },
	"base64 url, shifted":    func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte("x" + s)) },
	"hex":                    func(s string) string { return hex.EncodeToString([]byte(s)) },
	"hex upper":              func(s string) string { return strings.ToUpper(hex.EncodeToString([]byte(s))) },
	"split by / every 8":     func(s string) string { return every(s, 8, "/") },
	"split by . every 8":     func(s string) string { return every(s, 8, ".") },
	"double percent":         func(s string) string { return strings.ReplaceAll(url.PathEscape(split(s, "\u200b")), "%", "%25") },
	"percent of \\u escapes": func(s string) string {
		return url.QueryEscape(mapRunes(s, func(r rune) string { return fmt.Sprintf(`\u%04x`, r) }))
	},
}

func mapRunes(s string, f func(rune) string) string {
	var b strings.Builder
	for _, r := range s {
		b.WriteString(f(r))
	}
	return b.String()
}

func shift(r, by, lo, hi rune) rune {
	if r >= lo && r <= hi {
		return r + by
	}
	return r
}

func every(s string, n int, sep string) string {
	var parts []string
	for len(s) > n {
		parts, s = append(parts, s[:n]), s[n:]
	}
	return strings.Join(append(parts, s), sep)
}

// Every encoding of the key is redacted in free text and makes an
// identifier a digest; nothing around it changes.
func TestEncodedKeysRedacted(t *testing.T) {
	scrub := New(key, invalid, token)
	for name, enc := range keyEncodings {
		for _, secret := range []string{key, invalid, token} {
			t.Run(name, func(t *testing.T) {
				encoded := enc(secret)
				got := scrub.Text("before "+encoded+" after", 300)
				if scrub.Leaks(got) || !strings.HasPrefix(got, "before ") || !strings.HasSuffix(got, " after") || !strings.Contains(got, Redacted) {
					t.Errorf("Text(%q) = %q", encoded, got)
				}
				if id := scrub.Identifier(Model, encoded); !strings.HasPrefix(id, DigestPrefix) {
					t.Errorf("Identifier(%q) = %q, want a digest", encoded, id)
				}
				if id := scrub.Identifier(RequestID, "req-"+encoded); !strings.HasPrefix(id, DigestPrefix) {
					t.Errorf("Identifier(req-%q) = %q, want a digest", encoded, id)
				}
			})
		}
	}
}

// Leaks, the checker of every e2e test, sees each encoding.
func TestLeaksSeesEncodings(t *testing.T) {
	scrub := New(key)
	for name, enc := range keyEncodings {
		if !scrub.Leaks("x " + enc(key) + " y") {
			t.Errorf("Leaks misses the key %s", name)
		}
	}
	if scrub.Leaks("nothing here 12345") {
		t.Error("Leaks on innocent text")
	}
}

// Key shapes of any vendor are redacted wherever they start and whatever
// their case (issue 27, item 5), in free text and in identifiers.
func TestKeyShapesAnywhere(t *testing.T) {
	scrub := New()
	for _, in := range []string{
		"keysk-proj-AbCdEf0123456789xyz",
		"key\u200bsk-proj-AbCdEf0123456789xyz",
		"\x1b[2Ksk-ant-api03-AbCdEf0123456789",
		"[2Ksk-ant-api03-AbCdEf0123456789",
		"xAIzaSyA0123456789abcdefghijklmnopqrstu",
		"SK-PROJ-ABCDEF0123456789XYZ",
		"sk_live_51HabcdEFGH0123456789",
		"rk_live_51HabcdEFGH0123456789",
		"sk-ant-admin01-AbCdEf0123456789",
		"sk-admin-AbCdEf0123456789",
		"ghp_0123456789abcdefghijABCDEFGHIJ012345",
		"ｓｋ－ｐｒｏｊ－AbCdEf0123456789xyz",
		"sk%2Dproj%2DAbCdEf0123456789xyz",
		"Bearer abc.def",
	} {
		if got := scrub.Text("got "+in+" here", 300); !strings.Contains(got, Redacted) || strings.Contains(strings.ToLower(got), "0123456789") || strings.Contains(got, "abc.def") {
			t.Errorf("Text(%q) = %q", in, got)
		}
		if got := scrub.Identifier(RequestID, strings.TrimPrefix(in, "\x1b")); !strings.HasPrefix(got, DigestPrefix) {
			t.Errorf("Identifier(%q) = %q", in, got)
		}
	}
}

// What real gateways and APIs send is never changed, whatever the
// credentials: the guard against "11 prompt" becoming "1[redacted] prompt".
// (The fake keys here share no 8-character run with these texts.)
func TestRealMessagesUntouched(t *testing.T) {
	scrub := New(key, invalid, token, "sk-test-Rk4Qz8Wv2Nm7Xc5Jb9Lt")
	for _, in := range []string{
		"无效的令牌 (request id: 2026113002045454547535260832950)",
		"该令牌额度已用尽 (request id: 20261201105105210812644VkuiIjHX)",
		"令牌 team-a（#4）额度已用尽",
		"用户额度不足, 剩余额度: ＄0.000000",
		"当前分组 default 下对于模型 gpt-4o-mini 无可用渠道 (request id: 20261201105105210812644VkuiIjHX)",
		"This model's maximum context length is 8192 tokens. However, you requested 11 prompt tokens (10 in the messages, 1 in the completion).",
		"Rate limit reached for gpt-4o-mini in organization org-AbC123 on tokens per min (TPM): Limit 30000, Used 29990, Requested 11. Please try again in 20ms.",
		"used 11 prompt and 1 completion tokens at 2026-12-01T10:00:00Z, id 1",
		`{"error":{"message":"无效的令牌 (request id: 2026113002045454547535260832950)","type":"one_api_error"}}`,
		"HTTP 401: invalid x-api-key",
		"50% of 100%, a&b &amp; c, path C:\\new\\table, 100%25",
		"claude-3-5-haiku-20241022 models/gemini-1.5-flash openai/gpt-4o",
		"Τhe ΚΕΥ",
		"Ｈｅｌｌｏ ＷＯＲＬＤ ①②",
	} {
		if got := scrub.Text(in, 300); got != in {
			t.Errorf("Text changed a message:\n got %q\nwant %q", got, in)
		}
	}
}

func TestIdentifier(t *testing.T) {
	scrub := New(key, invalid, token)
	kept := []struct {
		kind  Kind
		value string
	}{
		{Model, "gpt-4o-mini"}, {Model, "claude-3-5-haiku-20241022"}, {Model, "models/gemini-1.5-flash"},
		{Model, "openai/gpt-4o"}, {Model, "anthropic.claude-3-5-sonnet-20240620-v1:0"}, {Model, "meta-llama/llama-3.1-8b-instruct:free"},
		{RequestID, "2026113002045454547535260832950"}, {RequestID, "20261201105105210812644VkuiIjHX"},
		{RequestID, "chatcmpl-AbC123dEf456GhI789jKl012MnO345pQr678"}, {RequestID, "req_011CTuV5jFxyPn2uKvS8Hyer"},
		{RequestID, "gen-1733450000-Xq3RmZ8pLk2VbN7wYt5J"}, {RequestID, "9f1c2e3a-4b5d-6e7f-8091-a2b3c4d5e6f7"},
		{Name, "team-a"}, {Name, "默认令牌"}, {Name, "Google AI Studio"}, {Name, "ci token (#2)"},
	}
	for _, k := range kept {
		if got := scrub.Identifier(k.kind, k.value); got != k.value {
			t.Errorf("Identifier(%d, %q) = %q, want it kept", k.kind, k.value, got)
		}
	}
	digested := []struct {
		kind  Kind
		value string
	}{
		{Model, "gpt 4o"}, {Model, strings.Repeat("a", 129)}, {RequestID, "req\x1b[2K"}, {RequestID, "id\u200b"},
		{Name, "team\nname"}, {Name, " lead"}, {RequestID, key}, {Model, "m-" + key[19:27]},
		{RequestID, "%41%42"}, {Name, "x&#65;"},
	}
	for _, d := range digested {
		got := scrub.Identifier(d.kind, d.value)
		if got != Digest(d.value) || len(got) != len(DigestPrefix)+16 || !strings.HasPrefix(got, DigestPrefix) {
			t.Errorf("Identifier(%d, %q) = %q, want %q", d.kind, d.value, got, Digest(d.value))
		}
	}
	if got := scrub.Identifier(RequestID, ""); got != "" {
		t.Errorf("empty identifier became %q", got)
	}
	if got := (*Scrubber)(nil).Identifier(Model, "sk-proj-AbCdEf0123456789xyz"); !strings.HasPrefix(got, DigestPrefix) {
		t.Errorf("nil Scrubber kept a key shape: %q", got)
	}
}

// A window made only of a vendor's public prefix is not looked for: the
// prefix of one key does not cut another key's name or a word.
func TestVendorPrefixNotSecret(t *testing.T) {
	scrub := New("sk-ant-api03-Zq8LmN2vXw")
	in := "skantapi03 and SKANT-API03 are the prefix"
	if got := scrub.Text(in, 300); got != in {
		t.Errorf("Text = %q", got)
	}
	if !scrub.Leaks("sk-ant-api03-Zq8") {
		t.Error("a run reaching into the random part is not found")
	}
}
