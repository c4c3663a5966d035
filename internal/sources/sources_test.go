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

func TestDigests(t *testing.T) {
	tests := []struct {
		name  string
		pages []Page
		want  map[string]string
	}{
		{name: "no pages", want: map[string]string{}},
		{
			name: "only pages with a digest",
			pages: []Page{
				{Kind: "pricing", URL: "u1", Result: Pass, SHA256: "aa"},
				{Kind: "support", URL: "u2", Result: Fail, Message: "timeout"},
				{Kind: "allocation", URL: "u3", Result: Skipped},
				{Kind: "unit_economics", URL: "u4", Result: Pass, SHA256: "dd"},
			},
			want: map[string]string{"pricing": "aa", "unit_economics": "dd"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Digests(tt.pages); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Digests() = %#v, want %#v", got, tt.want)
			}
		})
	}
}
