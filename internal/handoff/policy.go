package handoff

import (
	"fmt"
	"slices"
	"strings"
)

// Source kinds the default policy requires in source_urls.
const (
	sourcePricing       = "pricing"
	sourceSupport       = "support"
	sourceAllocation    = "allocation"
	sourceUnitEconomics = "unit_economics"
)

// Policy is what a complete handoff must carry. The zero value requires
// nothing; DefaultPolicy is what the provider uses when not configured.
type Policy struct {
	RequiredTags        []string
	AllowedEnvironments []string // empty allows any environment
	RequiredSourceKinds []string
}

// DefaultPolicy is the provider's default configuration (DESIGN.md, Defaults).
func DefaultPolicy() Policy {
	return Policy{
		RequiredTags:        slices.Clone(coreFields),
		RequiredSourceKinds: []string{sourcePricing, sourceSupport, sourceAllocation, sourceUnitEconomics},
	}
}

// invalidField is one reason a handoff is incomplete or invalid. Field names the
// allocation field or source kind concerned; Reason completes a sentence
// that starts with the field name.
type invalidField struct {
	Field  string
	Reason string
}

func (f invalidField) String() string { return f.Field + ": " + f.Reason }

// AllocationReport is the outcome of checking an Allocation against a Policy.
type AllocationReport struct {
	Missing  []string       // required fields that are missing or placeholders, in AllocationFields order
	Invalid  []invalidField // present values that break a rule (control characters, too long, environment not allowed)
	findings []invalidField // every finding, missing ones first: what Complete and Message read
}

// Complete reports whether nothing is missing or invalid.
func (r AllocationReport) Complete() bool { return len(r.findings) == 0 }

// Message is one line a person can act on.
func (r AllocationReport) Message() string {
	if r.Complete() {
		return "allocation complete"
	}
	parts := make([]string, len(r.findings))
	for i, f := range r.findings {
		parts[i] = f.Field + " " + f.Reason
	}
	return "allocation incomplete: " + strings.Join(parts, "; ")
}

// CheckAllocation applies the policy to a. Fields not in a are treated as
// missing, so callers must leave out only values that are truly absent.
// Every present field, required or not, must also be one line of text of a
// bounded length, because each ends up in the log.
func (p Policy) CheckAllocation(a Allocation) AllocationReport {
	var r AllocationReport
	var invalid []invalidField
	for _, field := range AllocationFields {
		f, missing, found := p.fieldProblem(field, a[field])
		switch {
		case !found:
		case missing:
			r.Missing = append(r.Missing, field)
			r.findings = append(r.findings, f)
		default:
			invalid = append(invalid, f)
		}
	}
	r.Invalid = invalid
	r.findings = append(r.findings, invalid...)
	return r
}

// CheckField applies the policy to one field alone, for the rule book's
// attribute-pathed findings at plan time: why value breaks it, completing a
// sentence that starts with the field's name, and whether it does.
func (p Policy) CheckField(field, value string) (reason string, bad bool) {
	f, _, found := p.fieldProblem(field, value)
	return f.Reason, found
}

// fieldProblem is the one rule for a field's value: a required field must not
// be missing; a value must be one line of bounded text; an environment must
// be allowed. It reports at most one finding, the first that applies, and
// whether that finding is a missing value.
func (p Policy) fieldProblem(field, value string) (f invalidField, missing, found bool) {
	if slices.Contains(p.RequiredTags, field) && IsMissing(value) {
		return invalidField{field, missingReason(value)}, true, true
	}
	if reason := textProblem(value); reason != "" {
		return invalidField{field, reason}, false, true
	}
	if field == FieldEnvironment {
		if reason := p.environmentProblem(value); reason != "" {
			return invalidField{field, reason}, false, true
		}
	}
	return invalidField{}, false, false
}

// environmentProblem checks env against AllowedEnvironments, exactly: an
// environment tag is matched by cost reports as written, so "Prod" or
// " prod" would split the spend of "prod". A near miss names the spelling to
// use. A missing environment is the placeholder rule's business.
func (p Policy) environmentProblem(env string) string {
	if len(p.AllowedEnvironments) == 0 || IsMissing(env) || slices.Contains(p.AllowedEnvironments, env) {
		return ""
	}
	for _, allowed := range p.AllowedEnvironments {
		if strings.EqualFold(normalised(env), strings.TrimSpace(allowed)) {
			return fmt.Sprintf("%s is not an allowed environment; did you mean %s?", quoteEscaped(env), quoteEscaped(allowed))
		}
	}
	allowed := make([]string, len(p.AllowedEnvironments))
	for i, a := range p.AllowedEnvironments {
		allowed[i] = quoteEscaped(a)
	}
	return fmt.Sprintf("%s is not an allowed environment; use one of %s", quoteEscaped(env), strings.Join(allowed, ", "))
}
