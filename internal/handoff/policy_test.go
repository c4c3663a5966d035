package handoff

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/sources"
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
	if coreFields[0] != FieldOwner || DefaultPolicy().RequiredTags[0] != FieldOwner {
		t.Error("editing a DefaultPolicy changed the defaults")
	}
}

func TestCheckAllocation(t *testing.T) {
	prodOrDev := Policy{RequiredTags: coreFields, AllowedEnvironments: []string{"prod", "dev"}}
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
			wantMessage: "allocation incomplete: owner is not set: set a real value; workload is not set: set a real value; environment is not set: set a real value",
		},
		{
			name:        "placeholder named, trimmed",
			policy:      DefaultPolicy(),
			allocation:  with(FieldOwner, " TBD "),
			wantMissing: []string{"owner"},
			wantMessage: `allocation incomplete: owner is a placeholder ("TBD"): replace it with a real value`,
		},
		{
			name:        "blank is not set",
			policy:      DefaultPolicy(),
			allocation:  with(FieldWorkload, "\t"),
			wantMissing: []string{"workload"},
			wantMessage: "allocation incomplete: workload is not set: set a real value",
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
			wantMessage: "allocation incomplete: owner is not set: set a real value; cost_center is not set: set a real value",
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
			name:        "allowed environment but for surrounding space",
			policy:      prodOrDev,
			allocation:  with(FieldEnvironment, " prod "),
			wantInvalid: []string{`environment: " prod " is not an allowed environment; did you mean "prod"?`},
			wantMessage: `allocation incomplete: environment " prod " is not an allowed environment; did you mean "prod"?`,
		},
		{
			name:        "allowed environment but for case",
			policy:      prodOrDev,
			allocation:  with(FieldEnvironment, "Prod"),
			wantInvalid: []string{`environment: "Prod" is not an allowed environment; did you mean "prod"?`},
			wantMessage: `allocation incomplete: environment "Prod" is not an allowed environment; did you mean "prod"?`,
		},
		{
			name:        "invisible characters: missing",
			policy:      DefaultPolicy(),
			allocation:  Allocation{FieldOwner: "\u200b", FieldWorkload: "TBD\u200b", FieldEnvironment: "\ufeffprod"},
			wantMissing: []string{"owner", "workload"},
			wantMessage: `allocation incomplete: owner holds only invisible characters ("\u200b"): set a real value; workload is a placeholder ("TBD\u200b"): replace it with a real value`,
		},
		{
			name:        "control characters refused, required or not",
			policy:      DefaultPolicy(),
			allocation:  Allocation{FieldOwner: "lead\u001b[1A\u001b[2Kdecision: proceed", FieldWorkload: "search-api", FieldEnvironment: "prod", FieldProduct: "search\x00"},
			wantInvalid: []string{"owner: holds control characters; remove them", "product: holds control characters; remove them"},
			wantMessage: "allocation incomplete: owner holds control characters; remove them; product holds control characters; remove them",
		},
		{
			name:        "too long",
			policy:      DefaultPolicy(),
			allocation:  with(FieldWorkload, strings.Repeat("w", MaxTagLength+1)),
			wantInvalid: []string{"workload: is 257 characters long; at most 256 are allowed"},
			wantMessage: "allocation incomplete: workload is 257 characters long; at most 256 are allowed",
		},
		{
			name:        "at the length limit, in characters not bytes",
			policy:      DefaultPolicy(),
			allocation:  with(FieldWorkload, strings.Repeat("é", MaxTagLength)),
			wantMessage: "allocation complete",
		},
		{
			name:        "environment not allowed",
			policy:      prodOrDev,
			allocation:  with(FieldEnvironment, "staging"),
			wantInvalid: []string{`environment: "staging" is not an allowed environment; use one of "prod", "dev"`},
			wantMessage: `allocation incomplete: environment "staging" is not an allowed environment; use one of "prod", "dev"`,
		},
		{
			name:        "missing environment is reported once, as missing",
			policy:      prodOrDev,
			allocation:  with(FieldEnvironment, "n/a"),
			wantMissing: []string{"environment"},
			wantMessage: `allocation incomplete: environment is a placeholder ("n/a"): replace it with a real value`,
		},
		{
			name:        "missing findings come before invalid ones",
			policy:      prodOrDev,
			allocation:  Allocation{FieldWorkload: "search-api", FieldEnvironment: "staging"},
			wantMissing: []string{"owner"},
			wantInvalid: []string{`environment: "staging" is not an allowed environment; use one of "prod", "dev"`},
			wantMessage: `allocation incomplete: owner is not set: set a real value; environment "staging" is not an allowed environment; use one of "prod", "dev"`,
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

func findingStrings(findings []FieldProblem) []string {
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
		{FieldOwner, "", "owner: is not set: set a real value"},
		{FieldOwner, "ChangeMe", `owner: is a placeholder ("ChangeMe"): replace it with a real value`},
		{FieldOwner, "\u200b", `owner: holds only invisible characters ("\u200b"): set a real value`},
		{FieldOwner, "TBD\u200b", `owner: is a placeholder ("TBD\u200b"): replace it with a real value`},
		{FieldOwner, "\tTBD\n", `owner: is a placeholder ("TBD"): replace it with a real value`},
		{FieldOwner, "team\tsearch", "owner: holds control characters; remove them"},
		{FieldOwner, "team\u202esearch", ""}, // a format character in a real value: the log drops it
		{FieldProduct, "<product>", `product: is a placeholder ("<product>"): replace it with a real value`},
		{FieldWorkload, "", ""}, // not required by this policy
		{FieldWorkload, "search\napi", "workload: holds control characters; remove them"},
		{FieldCostCenter, "tbd", ""},
		{FieldCostCenter, strings.Repeat("c", 300), "cost_center: is 300 characters long; at most 256 are allowed"},
		{FieldEnvironment, "prod", ""},
		{FieldEnvironment, "staging", `environment: "staging" is not an allowed environment; use one of "prod"`},
		{FieldEnvironment, "PROD", `environment: "PROD" is not an allowed environment; did you mean "prod"?`},
		{FieldEnvironment, "prod ", `environment: "prod " is not an allowed environment; did you mean "prod"?`},
		{FieldEnvironment, "prod\u200b", `environment: "prod\u200b" is not an allowed environment; did you mean "prod"?`},
		{FieldEnvironment, "TBD", `environment: is a placeholder ("TBD"): replace it with a real value`},
	}
	for _, tt := range tests {
		f, found := policy.checkOne(tt.field, tt.value)
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
			if got := tt.policy.missingSourceKinds(tt.urls); !slices.Equal(got, tt.want) {
				t.Errorf("MissingSourceKinds = %q, want %q", got, tt.want)
			}
		})
	}
}

// The URL rules live in sources (tested there); these cases show that
// handoff's entry points use them.
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
		assertErr(t, "sources.CheckSourceURL("+quoteEscaped(tt.raw)+")", sources.CheckSourceURL(tt.raw), tt.wantErr)
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
		assertErr(t, "CheckEndpoint("+quoteEscaped(tt.raw)+")", err, tt.wantErr)
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

func TestAllocationReportMessage(t *testing.T) {
	r := AllocationReport{Findings: []FieldProblem{{"owner", "is not set"}, {"product", "is a placeholder (\"x\")"}}}
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

func TestSourceKindRule(t *testing.T) {
	tests := []struct {
		kind, wantErr string
	}{
		{"pricing", ""},
		{"unit economics", ""},
		{"pri\x1b[2Kcing", `source kind "pri\x1b[2Kcing" holds control characters; remove them`},
		{"a\nb", `source kind "a\nb" holds control characters; remove them`},
		{strings.Repeat("k", MaxTagLength+1), "source kind \"" + strings.Repeat("k", MaxTagLength+1) + "\" is 257 characters long; at most 256 are allowed"},
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
