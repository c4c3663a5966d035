package handoff

import (
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
			if want := len(tt.wantMissing) + len(tt.wantInvalid); len(r.findings) != want {
				t.Errorf("Findings = %q, want %d", findingStrings(r.findings), want)
			}
			if want := len(r.findings) == 0; r.Complete() != want {
				t.Errorf("Complete = %v, want %v", r.Complete(), want)
			}
			if got := r.Message(); got != tt.wantMessage {
				t.Errorf("Message = %q, want %q", got, tt.wantMessage)
			}
		})
	}
}

func findingStrings(findings []invalidField) []string {
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
		reason, found := policy.CheckField(tt.field, tt.value)
		got := ""
		if found {
			got = tt.field + ": " + reason
		}
		if found != (tt.want != "") || got != tt.want {
			t.Errorf("CheckField(%q, %q) = %q, %v; want %q", tt.field, tt.value, reason, found, tt.want)
		}
	}
}

func TestAllocationReportMessage(t *testing.T) {
	r := AllocationReport{findings: []invalidField{{"owner", "is not set"}, {"product", "is a placeholder (\"x\")"}}}
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
