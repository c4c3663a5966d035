package handoff

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
)

// Source kinds the default policy requires in source_urls.
const (
	SourcePricing       = "pricing"
	SourceSupport       = "support"
	SourceAllocation    = "allocation"
	SourceUnitEconomics = "unit_economics"
)

// Policy is what a complete handoff must carry. The zero value requires
// nothing; DefaultPolicy is what the provider uses when not configured.
type Policy struct {
	RequiredTags        []string
	AllowedEnvironments []string // empty allows any environment
	RequiredSourceKinds []string
}

// DefaultPolicy is SPEC section 2's default configuration.
func DefaultPolicy() Policy {
	return Policy{
		RequiredTags:        slices.Clone(CoreFields),
		RequiredSourceKinds: []string{SourcePricing, SourceSupport, SourceAllocation, SourceUnitEconomics},
	}
}

// Finding is one reason a handoff is incomplete or invalid. Field names the
// allocation field or source kind concerned; Reason completes a sentence
// that starts with the field name.
type Finding struct {
	Field  string
	Reason string
}

func (f Finding) String() string { return f.Field + ": " + f.Reason }

// AllocationReport is the outcome of checking an Allocation against a Policy.
type AllocationReport struct {
	Missing  []string  // required fields that are missing or placeholders, in AllocationFields order
	Invalid  []Finding // present values that break a rule (environment not allowed)
	Findings []Finding // every finding, missing ones first, for diagnostics
}

// Complete reports whether nothing is missing or invalid.
func (r AllocationReport) Complete() bool { return len(r.Findings) == 0 }

// Message is one line a person can act on.
func (r AllocationReport) Message() string {
	if r.Complete() {
		return "allocation complete"
	}
	parts := make([]string, len(r.Findings))
	for i, f := range r.Findings {
		parts[i] = f.Field + " " + f.Reason
	}
	return "allocation incomplete: " + strings.Join(parts, "; ")
}

// CheckAllocation applies the policy to a. Fields not in a are treated as
// missing, so callers must leave out only values that are truly absent.
func (p Policy) CheckAllocation(a Allocation) AllocationReport {
	var r AllocationReport
	for _, field := range AllocationFields {
		if slices.Contains(p.RequiredTags, field) && IsMissing(a[field]) {
			r.Missing = append(r.Missing, field)
			r.Findings = append(r.Findings, Finding{field, missingReason(a[field])})
		}
	}
	if f, bad := p.checkEnvironment(a[FieldEnvironment]); bad {
		r.Invalid = append(r.Invalid, f)
		r.Findings = append(r.Findings, f)
	}
	return r
}

// CheckField applies the policy to one field alone, for attribute-pathed
// diagnostics at plan time.
func (p Policy) CheckField(field, value string) (Finding, bool) {
	if slices.Contains(p.RequiredTags, field) && IsMissing(value) {
		return Finding{field, missingReason(value)}, true
	}
	if field == FieldEnvironment {
		return p.checkEnvironment(value)
	}
	return Finding{}, false
}

func (p Policy) checkEnvironment(env string) (Finding, bool) {
	if len(p.AllowedEnvironments) == 0 || IsMissing(env) || slices.Contains(p.AllowedEnvironments, strings.TrimSpace(env)) {
		return Finding{}, false
	}
	return Finding{FieldEnvironment, fmt.Sprintf("%s is not one of the allowed environments (%s)",
		quote(env), strings.Join(p.AllowedEnvironments, ", "))}, true
}

// MissingSourceKinds returns the required source kinds absent from urls,
// in the policy's order.
func (p Policy) MissingSourceKinds(urls map[string]string) []string {
	var missing []string
	for _, kind := range p.RequiredSourceKinds {
		if _, ok := urls[kind]; !ok {
			missing = append(missing, kind)
		}
	}
	return missing
}

// ValidateSourceURL accepts only absolute http and https URLs with a host,
// without user info or surrounding space.
func ValidateSourceURL(raw string) error {
	_, err := parseHTTPURL(raw)
	return err
}

// parseHTTPURL parses raw as ValidateSourceURL requires. It refuses what
// would pass here yet fail when fetched (surrounding space), and user info,
// which is a credential that would end up in state and in the handoff log.
func parseHTTPURL(raw string) (*url.URL, error) {
	shown := quote(withoutUserInfo(raw))
	if strings.TrimSpace(raw) != raw {
		return nil, fmt.Errorf("%s has leading or trailing whitespace", shown)
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return nil, fmt.Errorf("%s is not an absolute URL", shown)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%s must use http or https, not %s", shown, u.Scheme)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%s must not carry user info: a credential in a URL would be stored in state", shown)
	}
	return u, nil
}

// withoutUserInfo masks whatever sits between "://" and the last "@" of the
// authority, textually, so that even a URL that does not parse is quoted
// without its credential.
func withoutUserInfo(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	authorityEnd := strings.IndexAny(rest, "/?#")
	if authorityEnd < 0 {
		authorityEnd = len(rest)
	}
	at := strings.LastIndex(rest[:authorityEnd], "@")
	if !ok || at < 0 {
		return raw
	}
	return scheme + "://xxxxx" + rest[at:]
}

// CheckEndpoint validates an AI API base URL. Plain http is refused unless
// the host is loopback or allowPlainHTTP is set, because the credential
// would otherwise cross the network in clear text.
func CheckEndpoint(raw string, allowPlainHTTP bool) error {
	u, err := parseHTTPURL(raw)
	if err != nil {
		return err
	}
	if u.Scheme == "http" && !allowPlainHTTP && !isLoopback(u.Hostname()) {
		return fmt.Errorf("%s uses plain http to a non-loopback host; the API key would travel unencrypted. "+
			"Use https, or set allow_plain_http = true in the provider configuration", quote(raw))
	}
	return nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
