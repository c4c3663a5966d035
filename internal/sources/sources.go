// Package sources fetches and fingerprints the public pages a cost handoff
// cites (pricing, support, allocation, unit economics) and compares their
// fingerprints between runs. It never sends a credential.
package sources

import (
	"slices"
	"time"
)

// Result is the outcome of checking one source page.
type Result string

// The possible outcomes of a source check.
const (
	Pass    Result = "pass"
	Fail    Result = "fail"
	Skipped Result = "skipped"
)

// Page is the check of one source URL.
type Page struct {
	Kind       string
	URL        string
	Result     Result
	StatusCode int       // 0 when no response
	CheckedAt  time.Time // UTC, truncated to the second; zero for Skipped
	SHA256     string    // hex digest of the body; "" unless a body was read completely
	Message    string    // short reason on Fail, "" on Pass
}

// Skip records every URL as Skipped, for verify_sources = false, sorted by Kind.
func Skip(urls map[string]string) []Page {
	kinds := sortedKinds(urls)
	pages := make([]Page, len(kinds))
	for i, kind := range kinds {
		pages[i] = Page{Kind: kind, URL: urls[kind], Result: Skipped}
	}
	return pages
}

// Changed returns the kinds, sorted, whose digest differs between previous and
// current. Only kinds with the same URL and a digest on both sides count: a
// failed fetch or a new URL is not evidence that the page itself changed.
func Changed(previous, current []Page) []string {
	before := pagesByKind(previous)
	changed := []string{}
	for kind, now := range pagesByKind(current) {
		was, ok := before[kind]
		if !ok || was.URL != now.URL || was.SHA256 == "" || now.SHA256 == "" {
			continue
		}
		if was.SHA256 != now.SHA256 {
			changed = append(changed, kind)
		}
	}
	slices.Sort(changed)
	return changed
}

// Digests returns kind -> SHA256 for the pages that have a digest.
func Digests(pages []Page) map[string]string {
	digests := make(map[string]string, len(pages))
	for _, page := range pages {
		if page.SHA256 != "" {
			digests[page.Kind] = page.SHA256
		}
	}
	return digests
}

func pagesByKind(pages []Page) map[string]Page {
	byKind := make(map[string]Page, len(pages))
	for _, page := range pages {
		byKind[page.Kind] = page
	}
	return byKind
}

func sortedKinds(urls map[string]string) []string {
	kinds := make([]string, 0, len(urls))
	for kind := range urls {
		kinds = append(kinds, kind)
	}
	slices.Sort(kinds)
	return kinds
}
