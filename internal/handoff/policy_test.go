package handoff

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

// completeAllocation satisfies the default policy.
func completeAllocation() Allocation {
	return Allocation{FieldOwner: "team-search", FieldWorkload: "search-api", FieldEnvironment: "prod"}
}

func TestDefaultPolicy(t *testing.T) {
	p := DefaultPolicy()
	if want := []string{"owner", "workload", "environment"}; !slices.Equal(p.RequiredTags, want) {
		t.Errorf("RequiredTags = %q, want %q", p.RequiredTags, want)
	}
	if want := []string{"pricing", "support", "allocation", "unit_economics"}; !slices.Equal(p.RequiredSourceKinds, want) {
		t.Errorf("RequiredSourceKinds = %q, want %q", p.RequiredSourceKinds, want)
	}
	if len(p.AllowedEnvironments) != 0 {
		t.Errorf("AllowedEnvironments = %q, want any", p.AllowedEnvironments)
	}
	// A caller configuring its policy must not change the shared defaults.
	p.RequiredTags[0] = "product"
	if CoreFields[0] != FieldOwner || DefaultPolicy().RequiredTags[0] != FieldOwner {
		t.Error("editing a DefaultPolicy changed the defaults")
	}
}

func TestCheckAllocation(t *testing.T) {
	prodOrDev := Policy{RequiredTags: CoreFields, AllowedEnvironments: []string{"prod", "dev"}}
	with := func(field, value string) Allocation {
		a := completeAllocation()
		a[field] = value
		return a
	}
	tests := []struct {
		name        string
		policy      Policy
		allocation  Allocation
		wantMissing []string
		wantInvalid []string
		wantMessage string
	}{
		{
			name:        "complete",
			policy:      DefaultPolicy(),
			allocation:  completeAllocation(),
			wantMessage: "allocation complete",
		},
		{
			name:        "everything absent",
			policy:      DefaultPolicy(),
			allocation:  nil,
			wantMissing: []string{"owner", "workload", "environment"},
			wantMessage: "allocation incomplete: owner is not set; workload is not set; environment is not set",
		},
		{
			name:        "placeholder named, trimmed",
			policy:      DefaultPolicy(),
			allocation:  with(FieldOwner, " TBD "),
			wantMissing: []string{"owner"},
			wantMessage: `allocation incomplete: owner is a placeholder ("TBD")`,
		},
		{
			name:        "blank is not set",
			policy:      DefaultPolicy(),
			allocation:  with(FieldWorkload, "\t"),
			wantMissing: []string{"workload"},
			wantMessage: "allocation incomplete: workload is not set",
		},
		{
			name:        "fields not required are not checked",
			policy:      DefaultPolicy(),
			allocation:  with(FieldProduct, "tbd"),
			wantMessage: "allocation complete",
		},
		{
			name:        "missing listed in field order whatever the policy order",
			policy:      Policy{RequiredTags: []string{FieldCostCenter, FieldOwner, FieldProduct}},
			allocation:  Allocation{FieldProduct: "search"},
			wantMissing: []string{"owner", "cost_center"},
			wantMessage: "allocation incomplete: owner is not set; cost_center is not set",
		},
		{
			name:        "zero policy requires nothing",
			policy:      Policy{},
			allocation:  nil,
			wantMessage: "allocation complete",
		},
		{
			name:        "allowed environment",
			policy:      prodOrDev,
			allocation:  with(FieldEnvironment, "dev"),
			wantMessage: "allocation complete",
		},
		{
			name:        "allowed environment with surrounding space",
			policy:      prodOrDev,
			allocation:  with(FieldEnvironment, " prod "),
			wantMessage: "allocation complete",
		},
		{
			name:        "environment not allowed",
			policy:      prodOrDev,
			allocation:  with(FieldEnvironment, "staging"),
			wantInvalid: []string{`environment: "staging" is not one of the allowed environments (prod, dev)`},
			wantMessage: `allocation incomplete: environment "staging" is not one of the allowed environments (prod, dev)`,
		},
		{
			name:        "missing environment is reported once, as missing",
			policy:      prodOrDev,
			allocation:  with(FieldEnvironment, "n/a"),
			wantMissing: []string{"environment"},
			wantMessage: `allocation incomplete: environment is a placeholder ("n/a")`,
		},
		{
			name:        "missing findings come before invalid ones",
			policy:      prodOrDev,
			allocation:  Allocation{FieldWorkload: "search-api", FieldEnvironment: "staging"},
			wantMissing: []string{"owner"},
			wantInvalid: []string{`environment: "staging" is not one of the allowed environments (prod, dev)`},
			wantMessage: `allocation incomplete: owner is not set; environment "staging" is not one of the allowed environments (prod, dev)`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.policy.CheckAllocation(tt.allocation)
			if !slices.Equal(r.Missing, tt.wantMissing) {
				t.Errorf("Missing = %q, want %q", r.Missing, tt.wantMissing)
			}
			if got := findingStrings(r.Invalid); !slices.Equal(got, tt.wantInvalid) {
				t.Errorf("Invalid = %q, want %q", got, tt.wantInvalid)
			}
			if want := len(tt.wantMissing) + len(tt.wantInvalid); len(r.Findings) != want {
				t.Errorf("Findings = %q, want %d", findingStrings(r.Findings), want)
			}
			if want := len(r.Findings) == 0; r.Complete() != want {
				t.Errorf("Complete = %v, want %v", r.Complete(), want)
			}
			if got := r.Message(); got != tt.wantMessage {
				t.Errorf("Message = %q, want %q", got, tt.wantMessage)
			}
		})
	}
}

func findingStrings(findings []Finding) []string {
	var out []string
	for _, f := range findings {
		out = append(out, f.String())
	}
	return out
}

func TestCheckField(t *testing.T) {
	policy := Policy{RequiredTags: []string{FieldOwner, FieldEnvironment, FieldProduct}, AllowedEnvironments: []string{"prod"}}
	tests := []struct {
		field, value string
		want         string // Finding.String(), "" for none
	}{
		{FieldOwner, "team-search", ""},
		{FieldOwner, "", "owner: is not set"},
		{FieldOwner, "ChangeMe", `owner: is a placeholder ("ChangeMe")`},
		{FieldProduct, "<product>", `product: is a placeholder ("<product>")`},
		{FieldWorkload, "", ""}, // not required by this policy
		{FieldCostCenter, "tbd", ""},
		{FieldEnvironment, "prod", ""},
		{FieldEnvironment, "staging", `environment: "staging" is not one of the allowed environments (prod)`},
		{FieldEnvironment, "TBD", `environment: is a placeholder ("TBD")`},
	}
	for _, tt := range tests {
		f, found := policy.CheckField(tt.field, tt.value)
		if found != (tt.want != "") || (found && f.String() != tt.want) {
			t.Errorf("CheckField(%q, %q) = %q, %v; want %q", tt.field, tt.value, f.String(), found, tt.want)
		}
	}
}

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
		policy Policy
		urls   map[string]string
		want   []string
	}{
		{"all present", DefaultPolicy(), all, nil},
		{"extra kinds allowed", DefaultPolicy(), withExtra, nil},
		{"none", DefaultPolicy(), nil, []string{"pricing", "support", "allocation", "unit_economics"}},
		{"missing in policy order", DefaultPolicy(), map[string]string{"support": "https://example.com/support", "allocation": "https://example.com/a"}, []string{"pricing", "unit_economics"}},
		{"kinds are exact", DefaultPolicy(), miscased, []string{"pricing"}},
		{"custom policy", Policy{RequiredSourceKinds: []string{"status"}}, all, []string{"status"}},
		{"zero policy", Policy{}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.policy.MissingSourceKinds(tt.urls); !slices.Equal(got, tt.want) {
				t.Errorf("MissingSourceKinds = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestValidateSourceURL(t *testing.T) {
	tests := []struct {
		raw     string
		wantErr string // substring of the error, "" for none
	}{
		{raw: "https://example.com/pricing"},
		{raw: "http://example.com"},
		{raw: "HTTPS://EXAMPLE.COM/Pricing?tab=api#tokens"},
		{raw: "http://127.0.0.1:8080/pages/pricing"},
		{raw: "http://[::1]:8080/pages/pricing"},
		{raw: "", wantErr: `"" is not an absolute URL`},
		{raw: "   ", wantErr: "whitespace"},
		{raw: "/pricing", wantErr: `"/pricing" is not an absolute URL`},
		{raw: "example.com/pricing", wantErr: "is not an absolute URL"},
		{raw: "https://", wantErr: "is not an absolute URL"},
		{raw: "mailto:billing@example.com", wantErr: "is not an absolute URL"},
		{raw: "ftp://example.com/pricing", wantErr: "must use http or https, not ftp"},
		{raw: "file:///etc/passwd", wantErr: "is not an absolute URL"},
		{raw: "javascript:alert(1)", wantErr: "is not an absolute URL"},
		// Fetching these fails, so plan must refuse them.
		{raw: " https://example.com/pricing", wantErr: "whitespace"},
		{raw: "https://example.com/pricing\n", wantErr: "whitespace"},
		{raw: "https://user:secret@example.com/pricing", wantErr: "user info"},
		{raw: "https://%zz.example.com/", wantErr: "is not an absolute URL"},
	}
	for _, tt := range tests {
		assertErr(t, "ValidateSourceURL("+quote(tt.raw)+")", ValidateSourceURL(tt.raw), tt.wantErr)
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
		{"ftp://127.0.0.1/v1", true, "must use http or https"},
		{"/v1", true, "is not an absolute URL"},
		{"", false, "is not an absolute URL"},
		{" https://api.example.com/v1", false, "whitespace"},
		{"https://user:secret@api.example.com/v1", false, "user info"},
	}
	for _, tt := range tests {
		err := CheckEndpoint(tt.raw, tt.allowPlainHTTP)
		assertErr(t, "CheckEndpoint("+quote(tt.raw)+")", err, tt.wantErr)
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
		err := ValidateSourceURL(raw)
		if err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("ValidateSourceURL(%q) = %v, want an error without the credential", raw, err)
		}
		if err := CheckEndpoint(raw, true); err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("CheckEndpoint(%q) = %v, want an error without the credential", raw, err)
		}
	}
}

func TestAllocationReportMessage(t *testing.T) {
	r := AllocationReport{Findings: []Finding{{"owner", "is not set"}, {"product", "is a placeholder (\"x\")"}}}
	if got, want := r.Message(), `allocation incomplete: owner is not set; product is a placeholder ("x")`; got != want {
		t.Errorf("Message = %q, want %q", got, want)
	}
	if got := (AllocationReport{}).Message(); got != "allocation complete" {
		t.Errorf("zero report Message = %q", got)
	}
}

func BenchmarkCheckAllocation(b *testing.B) {
	policy := Policy{RequiredTags: AllocationFields, AllowedEnvironments: []string{"prod", "dev"}}
	allocation := Allocation{FieldOwner: "team-search", FieldWorkload: "<workload>", FieldEnvironment: "staging", FieldProduct: "search"}
	b.ReportAllocs()
	for b.Loop() {
		policy.CheckAllocation(allocation)
	}
}
