package handoff

import (
	"maps"
	"slices"
	"testing"
)

func TestIsAllocationField(t *testing.T) {
	for _, name := range []string{"owner", "workload", "environment", "product", "cost_center"} {
		if !isAllocationField(name) {
			t.Errorf("isAllocationField(%q) = false, want true", name)
		}
	}
	// Names are already normalised by the time they are checked.
	for _, name := range []string{"", "Owner", " owner", "team", "cost-center", "costcenter"} {
		if isAllocationField(name) {
			t.Errorf("isAllocationField(%q) = true, want false", name)
		}
	}
}

func TestAllocationFromTags(t *testing.T) {
	tests := []struct {
		name             string
		tags             map[string]string
		want             Allocation
		wantUnrecognised []string
	}{
		{
			name: "nil tags",
			tags: nil,
			want: Allocation{},
		},
		{
			name: "exact keys",
			tags: map[string]string{"owner": "team-search", "workload": "search-api", "environment": "prod", "product": "search", "cost_center": "cc-42"},
			want: Allocation{"owner": "team-search", "workload": "search-api", "environment": "prod", "product": "search", "cost_center": "cc-42"},
		},
		{
			name: "keys matched ignoring case and surrounding space",
			tags: map[string]string{"Owner": "team-search", "WORKLOAD": "search-api", " environment ": "prod", "Cost_Center\t": "cc-42"},
			want: Allocation{"owner": "team-search", "workload": "search-api", "environment": "prod", "cost_center": "cc-42"},
		},
		{
			name: "exact key wins over variants sorting before and after it",
			tags: map[string]string{"OWNER": "upper", "owner": "exact", "owner ": "spaced", " Owner": "mixed"},
			want: Allocation{"owner": "exact"},
		},
		{
			name:             "unrecognised keys returned sorted, as written",
			tags:             map[string]string{"zeta": "z", "owner": "team-search", "Budget": "b", "team": "t", "cost-center": "c"},
			want:             Allocation{"owner": "team-search"},
			wantUnrecognised: []string{"Budget", "cost-center", "team", "zeta"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Repeat so that a dependence on map iteration order shows up.
			for range 50 {
				got, unrecognised := allocationFromTags(tt.tags)
				if !maps.Equal(got, tt.want) {
					t.Fatalf("allocation = %v, want %v", got, tt.want)
				}
				if !slices.Equal(unrecognised, tt.wantUnrecognised) {
					t.Fatalf("unrecognised = %q, want %q", unrecognised, tt.wantUnrecognised)
				}
			}
		})
	}
}

func TestAllocationMerge(t *testing.T) {
	tests := []struct {
		name       string
		base, over Allocation
		want       Allocation
	}{
		{"explicit wins", Allocation{"owner": "from-tags", "workload": "w"}, Allocation{"owner": "explicit"}, Allocation{"owner": "explicit", "workload": "w"}},
		{"nil base", nil, Allocation{"owner": "explicit"}, Allocation{"owner": "explicit"}},
		{"nil over", Allocation{"owner": "from-tags"}, nil, Allocation{"owner": "from-tags"}},
		{"both nil", nil, nil, Allocation{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			baseBefore := maps.Clone(tt.base)
			got := tt.base.Merge(tt.over)
			if got == nil || !maps.Equal(got, tt.want) {
				t.Errorf("Merge = %#v, want %v", got, tt.want)
			}
			if !maps.Equal(tt.base, baseBefore) {
				t.Errorf("Merge changed its receiver to %v, was %v", tt.base, baseBefore)
			}
		})
	}
}

func TestMissingTags(t *testing.T) {
	tests := []struct {
		name string
		tags map[string]string
		want []string
	}{
		{"nil tags", nil, []string{"owner", "workload", "environment"}},
		{"complete", map[string]string{"owner": "team-search", "workload": "search-api", "environment": "prod"}, nil},
		{"keys in any case", map[string]string{"Owner": "team-search", " WORKLOAD ": "search-api", "Environment": "prod"}, nil},
		{"placeholders count as missing, in field order", map[string]string{"environment": "TBD", "owner": "<owner>", "workload": "search-api"}, []string{"owner", "environment"}},
		{"blank", map[string]string{"owner": " ", "workload": "search-api", "environment": "prod"}, []string{"owner"}},
		{"invisible", map[string]string{"owner": "\u200b", "workload": "TBD\u200b", "environment": "prod"}, []string{"owner", "workload"}},
		{"product and cost_center never checked", map[string]string{"owner": "team-search", "workload": "search-api", "environment": "prod", "product": "tbd"}, nil},
		{"unrecognised keys ignored", map[string]string{"team": "search"}, []string{"owner", "workload", "environment"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MissingTags(tt.tags); !slices.Equal(got, tt.want) {
				t.Errorf("MissingTags = %q, want %q", got, tt.want)
			}
		})
	}
}
