// Package sources fetches and fingerprints the public pages a cost handoff
// cites (pricing, support, allocation, unit economics) and compares their
// fingerprints between runs. It never sends a credential.
package sources

import (
	"fmt"
	"maps"
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

// Page is the check of one source URL. Its JSON form is how the pages a
// refresh read are kept between the refresh and the plan.
type Page struct {
	Kind       string    `json:"kind"`
	URL        string    `json:"url"`
	Result     Result    `json:"result"`
	StatusCode int       `json:"status_code,omitempty"` // 0 when no response
	CheckedAt  time.Time `json:"-"`                     // UTC, truncated to the second; zero for Skipped
	SHA256     string    `json:"sha256,omitempty"`      // hex digest of the body; "" unless a body was read completely
	Message    string    `json:"message,omitempty"`     // short reason on Fail, "" on Pass
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

// Comparison is what a second reading of the pages says about the first.
type Comparison struct {
	// Changed are the kinds, sorted, whose page was read both times, from
	// the same URL, and whose digest differs.
	Changed []string
	// Unchecked are the pages, in kind order, that were read before but
	// failed to load now: no evidence either way, so never a change.
	Unchecked []Page
}

// Compare is the one rule that decides whether a page changed between
// previous and current. Only a kind with the same URL and a digest on both
// sides can have changed: a failed fetch, a skipped page or a new URL is no
// evidence that the page itself changed, and a change re-runs a paid check.
func Compare(previous, current []Page) Comparison {
	before, after := pagesByKind(previous), pagesByKind(current)
	c := Comparison{Changed: []string{}}
	for _, kind := range slices.Sorted(maps.Keys(after)) {
		now := after[kind]
		was, ok := before[kind]
		switch {
		case !ok || was.URL != now.URL || was.SHA256 == "":
		case now.Result == Fail:
			c.Unchecked = append(c.Unchecked, now)
		case now.SHA256 != "" && now.SHA256 != was.SHA256:
			c.Changed = append(c.Changed, kind)
		}
	}
	return c
}

// Changed is Compare's Changed.
func Changed(previous, current []Page) []string { return Compare(previous, current).Changed }

// Status names what a fetch got, for a person: "HTTP 500", or "no response"
// with the reason.
func (p Page) Status() string {
	if p.StatusCode != 0 {
		return fmt.Sprintf("HTTP %d", p.StatusCode)
	}
	if p.Message != "" {
		return "no response (" + p.Message + ")"
	}
	return "no response"
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
