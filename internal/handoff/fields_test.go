package handoff

import (
	"maps"
	"testing"
)

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
