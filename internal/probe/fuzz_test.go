package probe

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

var allCategories = []Category{
	CategoryOK, CategoryAuthFailure, CategoryRateLimited, CategoryQuotaExhausted, CategoryModelUnavailable, CategoryClientError,
	CategoryServerError, CategoryTimeout, CategoryNetworkError, CategoryRedirect, CategoryInvalidResponse,
}

func FuzzParseResponse(f *testing.F) {
	names := ProtocolNames()
	for i := range names {
		for _, body := range recordedBodies {
			f.Add(uint8(i), body, "req_seed")
		}
	}
	f.Add(uint8(0), `{"usage": {"total_tokens": 1e400}}`, "")
	f.Add(uint8(2), `{"usage": {"input_tokens": 9223372036854775807, "output_tokens": 1}}`, "")
	f.Fuzz(func(t *testing.T, index uint8, body, requestID string) {
		spec := protocols[Protocol(names[int(index)%len(names)])]
		facts := spec.parseResponse(http.Header{"X-Request-Id": {requestID}}, []byte(body))
		if !facts.Usage.Found && facts.Usage != (Usage{}) {
			t.Errorf("token counts without a usage object: %+v", facts.Usage)
		}
		// The vendor's header id is the request id, unless a gateway named
		// its own (in a refusal's message): then it is the upstream id.
		if requestID != "" && facts.RequestID != requestID && facts.UpstreamRequestID != requestID {
			t.Errorf("request ids %q, %q; want the header's %q as one of them", facts.RequestID, facts.UpstreamRequestID, requestID)
		}
	})
}

func FuzzClassify(f *testing.F) {
	for _, status := range []int{200, 302, 400, 401, 402, 403, 404, 429, 500, 503, 529} {
		for _, body := range recordedBodies {
			f.Add(status, body)
		}
	}
	f.Fuzz(func(t *testing.T, status int, body string) {
		got := classify(status, []byte(body), nil)
		if !slices.Contains(allCategories, got.Category) {
			t.Fatalf("unknown category %q", got.Category)
		}
		if want := statusClassCategories(status); !slices.Contains(want, got.Category) {
			t.Errorf("status %d classified %q, want one of %v", status, got.Category, want)
		}
	})
}

// statusClassCategories lists the categories a status may lead to.
func statusClassCategories(status int) []Category {
	switch {
	case status >= 200 && status <= 299:
		return []Category{CategoryOK, CategoryInvalidResponse}
	case status >= 300 && status <= 399:
		return []Category{CategoryRedirect}
	case status == 401 || status == 403:
		return []Category{CategoryAuthFailure, CategoryQuotaExhausted, CategoryModelUnavailable}
	case status == 400:
		return []Category{CategoryAuthFailure, CategoryClientError, CategoryQuotaExhausted}
	case status == 404:
		return []Category{CategoryClientError, CategoryModelUnavailable}
	case status == 402:
		return []Category{CategoryQuotaExhausted}
	case status == 429:
		return []Category{CategoryRateLimited, CategoryQuotaExhausted}
	case status >= 404 && status <= 499:
		return []Category{CategoryClientError}
	case status == 500 || status == 503:
		return []Category{CategoryServerError, CategoryModelUnavailable}
	case status >= 500 && status <= 599:
		return []Category{CategoryServerError}
	default:
		return []Category{CategoryInvalidResponse}
	}
}

func FuzzSanitize(f *testing.F) {
	for _, body := range recordedBodies {
		f.Add(body, testKey)
	}
	f.Add("Bearer sk-test-x\n\tAIzaTestFakeKey0000000000000", "AIzaTestFakeKey0000000000000")
	f.Fuzz(func(t *testing.T, message, secret string) {
		got := Sanitize(message, secret)
		if credentialShaped.MatchString(secret) && !strings.Contains("Bearer "+redacted, secret) && strings.Contains(got, secret) {
			t.Errorf("secret %q survives in %q", secret, got)
		}
		if !utf8.ValidString(got) || utf8.RuneCountInString(got) > MaxMessageLength {
			t.Errorf("invalid or overlong message %q", got)
		}
		if strings.Contains(got, "  ") || strings.ContainsFunc(got, func(r rune) bool { return r != ' ' && (unicode.IsSpace(r) || unicode.IsControl(r)) }) {
			t.Errorf("whitespace not collapsed in %q", got)
		}
	})
}

// credentialShaped matches the secrets the no-leak property is stated for: a
// secret holding brackets or spaces could be rebuilt from the redaction marker.
var credentialShaped = regexp.MustCompile(`^[A-Za-z0-9_-]{4,}$`)
