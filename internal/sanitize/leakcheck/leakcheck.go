// Package leakcheck is the tests' own checker of stored fields and outputs:
// it decodes, folds and skeletonises a text with the standard library's
// decoders and a look-alike table of its own, not with the sanitiser's
// code, so that a gap in the sanitiser's canonical form is not a gap in
// the check too. It knows nothing of Terraform.
package leakcheck

import (
	"encoding/base64"
	"encoding/hex"
	"html"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Window is the length of a credential run the checker looks for; the
// SPEC's guarantee (section 7) is that none survives.
const Window = 8

var (
	percent  = regexp.MustCompile(`(?:%[0-9A-Fa-f]{2})+`)
	escape   = regexp.MustCompile(`\\(?:u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|x[0-9A-Fa-f]{2}|[0-7]{3}|[abfnrtv\\'"])`)
	skeleton = strings.NewReplacer(
		"а", "a", "е", "e", "о", "o", "р", "p", "с", "c", "х", "x", "у", "y", "і", "i", "ѕ", "s", "ј", "j", "к", "k", "м", "m", "т", "t", "в", "b", "н", "h",
		"α", "a", "ε", "e", "ο", "o", "ρ", "p", "κ", "k", "ν", "v", "τ", "t", "χ", "x", "ι", "i", "υ", "u", "η", "n",
	)
)

// View is text decoded (HTML entities, percent-encoding, Go and JSON
// escapes, each up to three layers deep), NFKC-folded, lower-cased,
// look-alikes replaced and reduced to letters and digits.
func View(text string) string {
	for range 3 {
		text = html.UnescapeString(text)
		text = percent.ReplaceAllStringFunc(text, func(m string) string {
			b, _ := hex.DecodeString(strings.ReplaceAll(m, "%", ""))
			return string(b)
		})
		text = escape.ReplaceAllStringFunc(text, func(m string) string {
			if s, err := strconv.Unquote(`"` + m + `"`); err == nil {
				return s
			}
			return m
		})
	}
	// Capitals first: Greek Η looks like H, its lower case η like n.
	text = skeleton.Replace(strings.NewReplacer("η", "h").Replace(strings.ToLower(norm.NFKC.String(text))))
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return -1
	}, text)
}

// Find is the first Window-long run (or a whole shorter credential) of any
// of secrets that text holds in View, as the credential is, reversed, in
// hex or in base64; "" if none.
func Find(text string, secrets ...string) string {
	v := View(text)
	for _, s := range secrets {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		forms := []string{View(s)}
		if len([]rune(forms[0])) < Window {
			// A credential shorter than the window is looked for whole, as
			// it is: its hex or base64 is two or three characters found in
			// any text.
			if forms[0] != "" && strings.Contains(v, forms[0]) {
				return forms[0]
			}
			continue
		}
		r := []rune(forms[0])
		slices.Reverse(r)
		// Hex and base64 of the part after a public prefix: the encoding of
		// sk-test- alone is in many a hex string.
		secret := s[len(prefixOf(s)):]
		forms = append(forms, string(r), hex.EncodeToString([]byte(secret)))
		for k := range 3 {
			enc := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("\x00", k) + secret))
			if len(enc) > 8 {
				forms = append(forms, View(enc[[]int{0, 2, 3}[k]:len(enc)-4]))
			}
		}
		for _, f := range forms {
			fr := []rune(f)
			for i := 0; i+Window <= len(fr); i++ {
				if run := string(fr[i : i+Window]); strings.Contains(v, run) && !publicPrefix(s, i) {
					return run
				}
			}
		}
	}
	return ""
}

// publicPrefix: the run starting at i of s's view lies in a public vendor
// prefix (sk-test-, sk-proj-, ...), which says nothing secret.
func publicPrefix(s string, i int) bool {
	return i+Window <= len(View(prefixOf(s)))
}

// publicPrefixes are vendors' public key prefixes, longest first: the
// sanitiser's list (sanitize.vendorPrefixes), copied, since the checker
// does not import the code it checks.
var publicPrefixes = []string{
	"sk-ant-admin01-", "sk-ant-api03-", "github_pat_", "sk-svcacct-", "sk-admin-", "sk-or-v1-",
	"sk-proj-", "sk-test-", "sk_live_", "sk_test_", "rk_live_", "rk_test_", "sk-ant-",
	"glpat-", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "gsk_", "xai-", "AIza", "sk-",
}

// prefixOf is the public vendor prefix s starts with, "" if none.
func prefixOf(s string) string {
	for _, p := range publicPrefixes {
		if len(s) >= len(p) && strings.EqualFold(s[:len(p)], p) {
			return s[:len(p)]
		}
	}
	return ""
}
