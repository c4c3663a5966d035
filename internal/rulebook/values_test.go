package rulebook

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/handoff"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/sources"
)

func TestMissingSourceKinds(t *testing.T) {
	all := map[string]string{
		"pricing": "https://example.com/pricing", "support": "https://example.com/support",
		"allocation": "https://example.com/allocation", "unit_economics": "https://example.com/unit",
	}
	withExtra := maps.Clone(all)
	withExtra["status"] = "https://example.com/status"
	miscased := maps.Clone(all)
	delete(miscased, "pricing")
	miscased["Pricing"] = "https://example.com/pricing"
	tests := []struct {
		name   string
		policy handoff.Policy
		urls   map[string]string
		want   []string
	}{
		{"all present", handoff.DefaultPolicy(), all, nil},
		{"extra kinds allowed", handoff.DefaultPolicy(), withExtra, nil},
		{"none", handoff.DefaultPolicy(), nil, []string{"pricing", "support", "allocation", "unit_economics"}},
		{"missing in policy order", handoff.DefaultPolicy(), map[string]string{"support": "https://example.com/support", "allocation": "https://example.com/a"}, []string{"pricing", "unit_economics"}},
		{"kinds are exact", handoff.DefaultPolicy(), miscased, []string{"pricing"}},
		{"custom policy", handoff.Policy{RequiredSourceKinds: []string{"status"}}, all, []string{"status"}},
		{"zero policy", handoff.Policy{}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := missingSourceKinds(tt.policy, tt.urls); !slices.Equal(got, tt.want) {
				t.Errorf("MissingSourceKinds = %q, want %q", got, tt.want)
			}
		})
	}
}

// The URL rules live in sources (tested there); these cases show that
// the book's entry points use them.
func TestSourceURLRules(t *testing.T) {
	tests := []struct {
		raw     string
		wantErr string // substring of the error, "" for none
	}{
		{raw: "https://example.com/pricing"},
		{raw: "http://127.0.0.1:8080/pages/pricing"},
		{raw: "example.com/pricing", wantErr: `did you mean "https://example.com/pricing"?`},
		{raw: "htp://x", wantErr: `"htp://x" must start with https:// or http://`},
		{raw: " https://example.com/pricing", wantErr: "whitespace"},
		{raw: "https://user:secret@example.com/pricing", wantErr: "user info"},
		{raw: "http://169.254.169.254/latest/meta-data/", wantErr: "link-local or cloud metadata address"},
		{raw: "http://[fd00:ec2::254]/", wantErr: "link-local or cloud metadata address"},
	}
	for _, tt := range tests {
		assertErr(t, "sources.CheckSourceURL("+strconv.Quote(tt.raw)+")", sources.CheckSourceURL(tt.raw), tt.wantErr)
	}
}

func TestCheckEndpoint(t *testing.T) {
	const refused = "allow_plain_http"
	tests := []struct {
		raw            string
		allowPlainHTTP bool
		wantErr        string // substring of the error, "" for none
	}{
		{"https://api.example.com/v1", false, ""},
		{"https://10.0.0.1/v1", false, ""},
		{"http://127.0.0.1:8080/v1", false, ""},
		{"http://127.0.0.2/v1", false, ""},
		{"http://[::1]:8080/v1", false, ""},
		{"http://localhost:8080/v1", false, ""},
		{"http://LocalHost/v1", false, ""},
		{"http://10.0.0.1/v1", false, refused},
		{"http://10.0.0.1/v1", true, ""},
		{"http://example.com/v1", false, refused},
		{"http://example.com/v1", true, ""},
		{"http://localhost.example.com/v1", false, refused},
		{"http://127.0.0.1.example.com/v1", false, refused},
		{"http://0.0.0.0:8080/v1", false, refused},
		{"ftp://127.0.0.1/v1", true, "must start with https:// or http://"},
		{"api.example.com/v1", false, `did you mean "https://api.example.com/v1"?`},
		{"/v1", true, "is not an absolute URL"},
		{"", false, "is not an absolute URL"},
		{" https://api.example.com/v1", false, "whitespace"},
		{"https://user:secret@api.example.com/v1", false, "user info"},
	}
	for _, tt := range tests {
		err := CheckEndpoint(tt.raw, tt.allowPlainHTTP)
		assertErr(t, "CheckEndpoint("+strconv.Quote(tt.raw)+")", err, tt.wantErr)
	}
}

// assertErr checks err against want: nil for "", else an error containing want.
func assertErr(t *testing.T, call string, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Errorf("%s = %v, want nil", call, err)
	case want != "" && err == nil:
		t.Errorf("%s = nil, want an error containing %q", call, want)
	case want != "" && !strings.Contains(err.Error(), want):
		t.Errorf("%s = %q, want it to contain %q", call, err, want)
	}
}

func TestURLErrorsHideUserInfo(t *testing.T) {
	for _, raw := range []string{
		"https://user:s3cret@example.com/pricing",
		"ftp://user:s3cret@example.com/pricing",
		"https://user:s3cret@exa mple.com/pricing",
		" https://s3cret@example.com",
		"https://user:s3cret@example.com",
		"https://user:s3cret@@example.com?next=/x",
	} {
		err := sources.CheckSourceURL(raw)
		if err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("sources.CheckSourceURL(%q) = %v, want an error without the credential", raw, err)
		}
		if err := CheckEndpoint(raw, true); err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("CheckEndpoint(%q) = %v, want an error without the credential", raw, err)
		}
	}
}

func TestSourceKindRule(t *testing.T) {
	tests := []struct {
		kind, wantErr string
	}{
		{"pricing", ""},
		{"unit economics", ""},
		{"pri\x1b[2Kcing", `source kind "pri\x1b[2Kcing" holds control characters; remove them`},
		{"a\nb", `source kind "a\nb" holds control characters; remove them`},
		{strings.Repeat("k", handoff.MaxTagLength+1), "source kind \"" + strings.Repeat("k", handoff.MaxTagLength+1) + "\" is 257 characters long; at most 256 are allowed"},
	}
	for _, tt := range tests {
		err := checkSourceKind(tt.kind)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.wantErr {
			t.Errorf("checkSourceKind(%q) = %q, want %q", tt.kind, got, tt.wantErr)
		}
	}
}

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
		want             handoff.Allocation
		wantUnrecognised []string
	}{
		{
			name: "nil tags",
			tags: nil,
			want: handoff.Allocation{},
		},
		{
			name: "exact keys",
			tags: map[string]string{"owner": "team-search", "workload": "search-api", "environment": "prod", "product": "search", "cost_center": "cc-42"},
			want: handoff.Allocation{"owner": "team-search", "workload": "search-api", "environment": "prod", "product": "search", "cost_center": "cc-42"},
		},
		{
			name: "keys matched ignoring case and surrounding space",
			tags: map[string]string{"Owner": "team-search", "WORKLOAD": "search-api", " environment ": "prod", "Cost_Center\t": "cc-42"},
			want: handoff.Allocation{"owner": "team-search", "workload": "search-api", "environment": "prod", "cost_center": "cc-42"},
		},
		{
			name: "exact key wins over variants sorting before and after it",
			tags: map[string]string{"OWNER": "upper", "owner": "exact", "owner ": "spaced", " Owner": "mixed"},
			want: handoff.Allocation{"owner": "exact"},
		},
		{
			name:             "unrecognised keys returned sorted, as written",
			tags:             map[string]string{"zeta": "z", "owner": "team-search", "Budget": "b", "team": "t", "cost-center": "c"},
			want:             handoff.Allocation{"owner": "team-search"},
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
