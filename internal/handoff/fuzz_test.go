package handoff

import (
	"strings"
	"testing"
	"unicode"
)

// Configuration is user input: no value of it may panic the policy, and the
// placeholder rule must ignore case and surrounding space, as DESIGN.md
// (Missing means missing or a placeholder) says.
func FuzzPolicy(f *testing.F) {
	for _, seed := range [][2]string{
		{"team-search", "prod"},
		{"TBD", " <env> "},
		{"", "YYYY"},
		{"n/a", "qa"},
		{"x-placeholder", "\tprod\n"},
	} {
		f.Add(seed[0], seed[1])
	}
	policy := Policy{
		RequiredTags:        AllocationFields,
		AllowedEnvironments: []string{"prod", "staging"},
		RequiredSourceKinds: []string{sourcePricing},
	}
	f.Fuzz(func(t *testing.T, owner, environment string) {
		if IsMissing(owner) != IsMissing(" "+strings.ToUpper(owner)+"\t") {
			t.Errorf("IsMissing(%q) depends on case or surrounding space", owner)
		}
		report := policy.CheckAllocation(Allocation{FieldOwner: owner, FieldEnvironment: environment})
		if report.Complete() {
			t.Errorf("an allocation without workload was complete: %+v", report)
		}
		// A required field is refused when missing, else exactly when it is
		// not one line of bounded text.
		if _, bad := policy.CheckField(FieldOwner, owner); bad != (IsMissing(owner) || CheckText("owner", owner) != nil) {
			t.Errorf("CheckField(owner, %q) = %v, IsMissing = %v, CheckText = %v", owner, bad, IsMissing(owner), CheckText("owner", owner))
		}
		_ = report.Message()
	})
}

// Whatever a value holds, the log keeps its fields, one line each, with
// nothing a terminal would act on.
func FuzzLog(f *testing.F) {
	for _, seed := range []string{"team-search", "lead\u001b[1A\u001b[2Kdecision: proceed", "a\nb\rc", "\u202e\u200b", "\xff"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, value string) {
		log := RunRecord{
			RunID: value, Operator: value, SourceURLsChecked: []string{value}, OwnerTag: value, FollowUpOwner: value,
			Model: value, Sources: []sourceLine{{Kind: value, Result: value}}, BillingUnit: value,
		}.Render()
		lines := strings.Split(strings.TrimSuffix(log, "\n"), "\n")
		if n := len(lines); n < len(baseFields) || n > len(baseFields)+3 {
			t.Fatalf("%q gave %d lines:\n%s", value, n, log)
		}
		for i, field := range baseFields {
			if name, _, _ := strings.Cut(lines[i], ":"); name != field {
				t.Errorf("%q: line %d is %q, want %s", value, i, lines[i], field)
			}
		}
		for _, line := range lines {
			if strings.ContainsFunc(line, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }) {
				t.Errorf("%q: line %q holds a control or format character", value, line)
			}
		}
	})
}
