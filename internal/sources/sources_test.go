package sources

import (
	"reflect"
	"testing"
)

func TestSkip(t *testing.T) {
	tests := []struct {
		name string
		urls map[string]string
		want []Page
	}{
		{name: "nil map", urls: nil, want: []Page{}},
		{
			name: "sorted by kind, nothing fetched",
			urls: map[string]string{
				"support": "https://example.test/support",
				"pricing": "https://example.test/pricing",
			},
			want: []Page{
				{Kind: "pricing", URL: "https://example.test/pricing", Result: Skipped},
				{Kind: "support", URL: "https://example.test/support", Result: Skipped},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Skip(tt.urls); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Skip() = %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestChanged(t *testing.T) {
	page := func(kind, url, digest string) Page {
		return Page{Kind: kind, URL: url, Result: Pass, SHA256: digest}
	}
	tests := []struct {
		name              string
		previous, current []Page
		want              []string
	}{
		{name: "both empty", want: []string{}},
		{
			name:     "same digests",
			previous: []Page{page("pricing", "u1", "aa"), page("support", "u2", "bb")},
			current:  []Page{page("support", "u2", "bb"), page("pricing", "u1", "aa")},
			want:     []string{},
		},
		{
			name:     "changed digests are reported sorted",
			previous: []Page{page("support", "u2", "bb"), page("pricing", "u1", "aa"), page("allocation", "u3", "cc")},
			current:  []Page{page("support", "u2", "b2"), page("pricing", "u1", "a2"), page("allocation", "u3", "cc")},
			want:     []string{"pricing", "support"},
		},
		{
			name:     "URL changed is not a page change",
			previous: []Page{page("pricing", "u1", "aa")},
			current:  []Page{page("pricing", "u1-new", "zz")},
			want:     []string{},
		},
		{
			name:     "kind missing on either side",
			previous: []Page{page("pricing", "u1", "aa")},
			current:  []Page{page("support", "u2", "bb")},
			want:     []string{},
		},
		{
			name:     "empty digest now (failed fetch)",
			previous: []Page{page("pricing", "u1", "aa")},
			current:  []Page{{Kind: "pricing", URL: "u1", Result: Fail, Message: "HTTP 404"}},
			want:     []string{},
		},
		{
			name:     "empty digest before (skipped)",
			previous: []Page{{Kind: "pricing", URL: "u1", Result: Skipped}},
			current:  []Page{page("pricing", "u1", "aa")},
			want:     []string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Changed(tt.previous, tt.current); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Changed() = %#v, want %#v", got, tt.want)
			}
		})
	}
}

// A page read before and failing now is unchecked, never changed, whatever
// the failure; a page read both times with another digest changed.
func TestCompare(t *testing.T) {
	was := []Page{
		{Kind: "allocation", URL: "u3", Result: Pass, SHA256: "cc"},
		{Kind: "pricing", URL: "u1", Result: Pass, SHA256: "aa"},
		{Kind: "support", URL: "u2", Result: Pass, SHA256: "bb"},
		{Kind: "unit_economics", URL: "u4", Result: Skipped},
	}
	tests := []struct {
		name          string
		now           []Page
		wantChanged   []string
		wantUnchecked []string // kind: status
	}{
		{"same pages", was, []string{}, nil},
		{"a 500 is unchecked", []Page{{Kind: "pricing", URL: "u1", Result: Fail, StatusCode: 500, Message: "HTTP 500"}},
			[]string{}, []string{"pricing: HTTP 500"}},
		{"a 404 is unchecked", []Page{{Kind: "support", URL: "u2", Result: Fail, StatusCode: 404}}, []string{}, []string{"support: HTTP 404"}},
		{"unreachable is unchecked", []Page{{Kind: "allocation", URL: "u3", Result: Fail, Message: "connection refused"}},
			[]string{}, []string{"allocation: no response (connection refused)"}},
		{"one changed, one failing", []Page{
			{Kind: "pricing", URL: "u1", Result: Pass, SHA256: "a2"},
			{Kind: "support", URL: "u2", Result: Fail, StatusCode: 503},
		}, []string{"pricing"}, []string{"support: HTTP 503"}},
		{"a page never read before is neither", []Page{{Kind: "unit_economics", URL: "u4", Result: Fail, StatusCode: 500}}, []string{}, nil},
		{"another URL is neither", []Page{{Kind: "pricing", URL: "u9", Result: Fail, StatusCode: 500}}, []string{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Compare(was, tt.now)
			var unchecked []string
			for _, p := range got.Unchecked {
				unchecked = append(unchecked, p.Kind+": "+p.Status())
			}
			if !reflect.DeepEqual(got.Changed, tt.wantChanged) || !reflect.DeepEqual(unchecked, tt.wantUnchecked) {
				t.Errorf("Compare() = changed %q, unchecked %q; want %q, %q", got.Changed, unchecked, tt.wantChanged, tt.wantUnchecked)
			}
		})
	}
}
