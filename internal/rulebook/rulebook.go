package rulebook

import (
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/handoff"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/ledger"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/sources"
)

// This file is the book's entry point (Judge), its subjects and their
// rules; values.go holds the value rules only the book applies.

// Environment variables the provider reads when an argument is left out;
// the rule book names them in the fixes it suggests.
const (
	EnvEndpoint     = "COSTHANDOFF_ENDPOINT"
	EnvAPIKey       = "COSTHANDOFF_API_KEY"
	EnvOperator     = "COSTHANDOFF_OPERATOR"
	EnvLedgerToken  = "COSTHANDOFF_LEDGER_TOKEN"
	EnvLedgerUserID = "COSTHANDOFF_LEDGER_USER_ID"
)

// ledgerNone is ledger_api's default (ledger.None): no ledger is read.
const ledgerNone = string(ledger.None)

// maxKeyLength bounds, in bytes, every credential the provider is given
// (api_key, api_key_wo, invalid_api_key_wo, ledger_token). Real keys are a
// few hundred bytes at most; a bound keeps the sanitiser's and the
// invalid-key generator's work small, and a longer value is almost always a
// file or several keys pasted by mistake.
const maxKeyLength = 1024

// Bounds of the values the provider sends to the paid API beside the key,
// applied by the schema's length validators. The one-line values' bound is
// the allocation policy's (handoff.MaxTagLength).
const (
	// MaxPromptBytes bounds the prompt sent to the paid API.
	MaxPromptBytes = 4 << 10
	// MaxExtraBodyBytes bounds extra_body_json.
	MaxExtraBodyBytes = 16 << 10
)

// Input is one argument as the moment reading it sees it: a Value the
// configuration gives (Given), one known only at apply (Unknown), or, the
// zero Input, left out.
type Input struct {
	Value   string
	Given   bool
	Unknown bool
}

// known reports a value that is neither left out nor unknown.
func (i Input) known() bool { return i.Given && !i.Unknown }

// null reports a value left out.
func (i Input) null() bool { return !i.Given && !i.Unknown }

// MapInput is a map argument: unknown as a whole, or elements (none when
// left out) each of which may be unknown.
type MapInput struct {
	Elements map[string]Input
	Unknown  bool
}

// Path is the attribute a finding is on: Attribute, and the map key when
// the finding is on one element (source_urls["pricing"]). The zero Path is
// on no attribute.
type Path struct {
	Attribute string
	Key       string
	HasKey    bool
}

// on is the path of an attribute.
func on(attribute string) Path { return Path{Attribute: attribute} }

// onKey is the path of one element of a map attribute.
func onKey(attribute, key string) Path { return Path{Attribute: attribute, Key: key, HasKey: true} }

// String is the path as Terraform prints it: source_urls["pricing"].
func (p Path) String() string {
	if p.HasKey {
		return fmt.Sprintf("%s[%q]", p.Attribute, p.Key)
	}
	return p.Attribute
}

// Finding is one broken rule: where (Path), what (Summary) and a Detail that
// says what to fix. Warning findings do not fail the plan.
type Finding struct {
	Path    Path
	Summary string
	Detail  string
	Warning bool
}

// Subject is what a moment of Terraform's hands the rule book: a
// ProviderConfig, ProviderSettings, CheckConfig, CheckRun or
// AllocationQuery.
type Subject interface {
	review(f *findings)
}

// Judge applies every rule that concerns the subject and returns what
// breaks them, in a stable order. It never sends anything.
func Judge(s Subject) []Finding {
	var f findings
	s.review(&f)
	return f
}

type findings []Finding

func (f *findings) add(p Path, summary, detail string) {
	*f = append(*f, Finding{Path: p, Summary: summary, Detail: detail})
}

func (f *findings) addErr(p Path, summary string, err error) {
	if err != nil {
		f.add(p, summary, err.Error())
	}
}

// ProviderConfig is the provider's configuration as written, before the
// environment and the defaults are applied: what terraform validate and
// every plan judge first. Set holds every ledger_* argument by name (but
// ledger_api), true when the configuration sets it.
type ProviderConfig struct {
	Endpoint       Input
	LedgerEndpoint Input
	AllowPlainHTTP Input // "true" or "false" when known
	LedgerAPI      Input
	LedgerKeyID    Input
	LedgerSettings map[string]Input
	RequestTimeout Input
	LedgerWait     Input
	CACertPEM      Input
}

// Bounds of the provider's durations.
const (
	minRequestTimeout = time.Second
	maxRequestTimeout = 10 * time.Minute
	maxLedgerWait     = 10 * time.Minute
)

func (c ProviderConfig) review(f *findings) {
	durationBetween(f, "request_timeout", c.RequestTimeout, minRequestTimeout, maxRequestTimeout)
	durationBetween(f, "ledger_wait", c.LedgerWait, 0, maxLedgerWait)
	if c.CACertPEM.known() && !x509.NewCertPool().AppendCertsFromPEM([]byte(c.CACertPEM.Value)) {
		f.add(on("ca_cert_pem"), "Invalid CA certificate", "no PEM-encoded certificate could be read from the value")
	}
	if c.Endpoint.known() && !c.AllowPlainHTTP.Unknown {
		for _, e := range []struct {
			name  string
			value Input
		}{{"endpoint", c.Endpoint}, {"ledger_endpoint", c.LedgerEndpoint}} {
			if e.value.known() {
				f.addErr(on(e.name), "Invalid "+e.name, CheckEndpoint(e.value.Value, c.AllowPlainHTTP.Value == "true"))
			}
		}
	}
	if c.LedgerAPI.known() {
		ledgerKeyID(f, c.LedgerAPI.Value, c.LedgerKeyID)
		gatewayLogSettings(f, c.LedgerAPI.Value, c.LedgerSettings)
	}
	// A ledger setting without a ledger would be silently ignored. Only
	// what the configuration sets is judged: COSTHANDOFF_LEDGER_TOKEN and
	// COSTHANDOFF_LEDGER_USER_ID may be set machine-wide for other
	// configurations.
	if c.LedgerAPI.Unknown || (c.LedgerAPI.known() && c.LedgerAPI.Value != ledgerNone) {
		return
	}
	for _, name := range slices.Sorted(maps.Keys(c.LedgerSettings)) {
		if v := c.LedgerSettings[name]; v.known() {
			f.add(on(name), "Ledger setting without a ledger", fmt.Sprintf(
				"%s is set, but ledger_api is %q (the default), so no ledger is read and %s would be silently ignored. "+
					"Set ledger_api to the ledger it belongs to, or remove %s.", name, ledgerNone, name, name))
		}
	}
}

// durationBetween bounds a Go duration; a duration that does not parse is
// the attribute type's to refuse.
func durationBetween(f *findings, name string, v Input, minimum, maximum time.Duration) {
	if !v.known() {
		return
	}
	if d, err := time.ParseDuration(v.Value); err == nil && (d < minimum || d > maximum) {
		f.add(on(name), "Duration out of range",
			fmt.Sprintf("%q is outside the allowed range: write a duration from %s to %s, such as 30s or 1m30s.", v.Value, minimum, maximum))
	}
}

// ProviderSettings is the provider's configuration resolved against the
// environment and the defaults: what every check inherits. Its own rules
// apply when the provider is configured, where values from the environment
// are first seen.
type ProviderSettings struct {
	Endpoint       string
	AllowPlainHTTP bool
	APIKey         string
	Operator       string
	Policy         handoff.Policy
	// LedgerAPI is the ledger read after each run (ledgerNone: none), and
	// LedgerToken its credential ("" when none is configured).
	LedgerAPI   string
	LedgerToken string
	// LedgerEndpoint is the ledger's resolved base URL (LedgerEndpointSet:
	// configured, not derived from endpoint), LedgerKeyID the approved
	// key's id for the usage APIs ("" when not set).
	LedgerEndpoint    string
	LedgerEndpointSet bool
	LedgerKeyID       string
}

func (s ProviderSettings) review(f *findings) {
	f.addErr(on("endpoint"), "Invalid endpoint", CheckEndpoint(s.Endpoint, s.AllowPlainHTTP))
	if err := CheckKey("api_key", s.APIKey); err != nil {
		f.add(on("api_key"), "Invalid api_key", err.Error()+" (the key is the provider's api_key, else "+EnvAPIKey+").")
	}
	if err := handoff.CheckText("operator", s.Operator); err != nil {
		f.add(on("operator"), "Invalid operator", err.Error()+" (the operator is the provider's operator, else "+EnvOperator+").")
	}
	for _, kind := range s.Policy.RequiredSourceKinds {
		f.addErr(on("required_source_kinds"), "Invalid required_source_kinds", checkSourceKind(kind))
	}
	keyID := Input{}
	if s.LedgerKeyID != "" {
		keyID = Input{Value: s.LedgerKeyID, Given: true}
	}
	ledgerKeyID(f, s.LedgerAPI, keyID)
	if _, ok := ledger.Describe(ledger.API(s.LedgerAPI)); ok {
		// The resolved ledger endpoint: configured, or derived from endpoint.
		f.addErr(on("ledger_endpoint"), "Invalid ledger_endpoint", CheckEndpoint(s.LedgerEndpoint, s.AllowPlainHTTP))
		if err := CheckKey("ledger_token", s.LedgerToken); err != nil {
			f.add(on("ledger_token"), "Invalid ledger_token", err.Error()+" (the token is the provider's ledger_token, else "+EnvLedgerToken+").")
		}
	}
	s.adminKeyHost(f)
}

// adminKeyHost: a vendor's usage API is read with the organization's admin
// key, which belongs to the vendor's host alone. Its ledger_endpoint
// defaults to endpoint, which may be a gateway (the provider's default is
// CometAPI): derived that way onto another host, the admin key would go to
// the gateway. A ledger_endpoint set in the configuration is the user's
// choice (a regional or proxied host); a loopback one is a local stand-in.
func (s ProviderSettings) adminKeyHost(f *findings) {
	d, ok := ledger.Describe(ledger.API(s.LedgerAPI))
	if !ok || d.VendorHost == "" || s.LedgerEndpointSet || s.LedgerEndpoint == "" {
		return
	}
	u, err := url.Parse(s.LedgerEndpoint)
	if err != nil || u.Hostname() == "" || strings.EqualFold(u.Hostname(), d.VendorHost) || sources.IsLoopbackHost(u.Hostname()) {
		return
	}
	f.add(on("ledger_endpoint"), "The admin key would go to another host", fmt.Sprintf(
		"ledger_api = %q reads %s with the organization's admin key (ledger_token), which belongs to %s alone, and "+
			"ledger_endpoint is not set, so it defaults to endpoint (%s), another host: set ledger_endpoint = \"https://%s/v1\" "+
			"(or the host your organization's usage API is served from).", s.LedgerAPI, d.Name, d.VendorHost,
		handoff.LogEndpoint(s.LedgerEndpoint), d.VendorHost))
}

// gatewayLogOnly are the settings only the one-api / new-api family's usage
// log reads; every other ledger would silently ignore them.
var gatewayLogOnly = []string{"ledger_quota_per_usd", "ledger_token_name", "ledger_user_id"}

// gatewayLogSettings refuses a gateway-log setting given to another ledger.
// Only what the configuration sets is judged: COSTHANDOFF_LEDGER_USER_ID may
// be set machine-wide.
func gatewayLogSettings(f *findings, api string, set map[string]Input) {
	d, ok := ledger.Describe(ledger.API(api))
	if !ok || d.UsesTokenName {
		return
	}
	for _, name := range gatewayLogOnly {
		if set[name].known() {
			f.add(on(name), "Ledger setting of another ledger", fmt.Sprintf(
				"%s is read only by ledger_api = %q (the one-api / new-api usage log); ledger_api is %q, which would "+
					"silently ignore it: remove %s.", name, ledger.NewAPI, api, name))
		}
	}
}

// ledgerKeyID: the usage APIs read the approved key's usage by its id,
// which the other ledgers have no use for. ledger_api none is judged by the
// rule on ledger settings without a ledger.
func ledgerKeyID(f *findings, api string, keyID Input) {
	d, ok := ledger.Describe(ledger.API(api))
	switch {
	case !ok || keyID.Unknown:
	case d.NeedsKeyID && keyID.null():
		f.add(on("ledger_key_id"), "Missing ledger_key_id",
			"ledger_api = \""+api+"\" reads "+d.Name+" for one API key: set ledger_key_id to the id the vendor's console shows "+
				"for the approved key (key_… for OpenAI, apikey_… for Anthropic). It is an identifier, not a secret.")
	case !d.NeedsKeyID && keyID.known():
		f.add(on("ledger_key_id"), "ledger_key_id does not apply",
			"ledger_key_id is read only by ledger_api = \"openai_usage\" and \"anthropic_usage\"; ledger_api is \""+api+
				"\": remove ledger_key_id.")
	}
}

// CheckConfig is a costhandoff_check's configuration: Strings holds every
// string argument by attribute name. Provider is nil before the provider is
// configured (terraform validate): values that are set are then judged by
// the default policy, and values left out are left to the plan, which knows
// required_tags.
type CheckConfig struct {
	Strings    map[string]Input
	SourceURLs MapInput
	Provider   *ProviderSettings
}

func (c CheckConfig) review(f *findings) {
	policy := handoff.DefaultPolicy()
	if c.Provider != nil {
		policy = c.Provider.Policy
	}
	c.allocation(f, policy)
	for _, name := range []string{"follow_up_owner", "unit_name", "billing_unit", "model"} {
		if v := c.Strings[name]; v.known() {
			f.addErr(on(name), "Invalid "+name, handoff.CheckText(name, v.Value))
		}
	}
	c.sourceURLs(f, policy)
	if v := c.Strings["extra_body_json"]; v.known() {
		if _, err := ParseJSONObject(v.Value); err != nil {
			f.add(on("extra_body_json"), "Invalid extra_body_json", err.Error())
		}
	}
	if v := c.Strings["endpoint"]; v.known() {
		f.addErr(on("endpoint"), "Invalid endpoint", CheckEndpoint(v.Value, c.Provider == nil || c.Provider.AllowPlainHTTP))
	}
	c.operator(f)
	c.keys(f)
}

// allocation refuses allocation fields that are missing, a placeholder or
// not allowed; a field left out counts only once the provider's
// required_tags are known (configured).
func (c CheckConfig) allocation(f *findings, policy handoff.Policy) {
	for _, field := range handoff.AllocationFields {
		attribute := allocationAttribute(field)
		v := c.Strings[attribute]
		if v.Unknown || (c.Provider == nil && v.null()) {
			continue
		}
		if reason, bad := policy.CheckField(field, v.Value); bad {
			detail := sentence(attribute + " " + reason)
			if handoff.IsMissing(v.Value) {
				detail += fmt.Sprintf(" The provider's policy requires %s (required_tags = [%s]).", field, strings.Join(policy.RequiredTags, ", "))
			}
			f.add(on(attribute), "Incomplete cost handoff", detail)
		}
	}
}

// sourceURLs judges each URL, each kind, and the kinds the policy requires;
// the kinds are known even where a URL is not yet (for_each, another
// resource's attribute).
func (c CheckConfig) sourceURLs(f *findings, policy handoff.Policy) {
	if c.SourceURLs.Unknown {
		return
	}
	kinds := slices.Sorted(maps.Keys(c.SourceURLs.Elements))
	f.addErr(on("source_urls"), "Too many source_urls", sources.CheckPageCount(len(kinds)))
	for _, kind := range kinds {
		if u := c.SourceURLs.Elements[kind]; u.known() {
			if err := sources.CheckSourceURL(u.Value); err != nil {
				p := onKey("source_urls", kind)
				f.add(p, "Invalid source URL", fmt.Sprintf("%s: %s", p, err))
			}
		}
		f.addErr(onKey("source_urls", kind), "Invalid source kind", checkSourceKind(kind))
	}
	present := map[string]string{}
	for _, kind := range kinds {
		present[kind] = ""
	}
	missing := missingSourceKinds(policy, present)
	if len(missing) == 0 {
		return
	}
	f.add(on("source_urls"), "Incomplete cost handoff",
		fmt.Sprintf("source_urls has no URL for %s, required by the provider's required_source_kinds (%s). Add them, e.g. %s = \"https://...\".",
			strings.Join(missing, ", "), strings.Join(policy.RequiredSourceKinds, ", "), missing[0]))
	// A key that is no required kind but nearly spells a missing one is a
	// typo: say so on the key itself.
	for _, kind := range kinds {
		if slices.Contains(policy.RequiredSourceKinds, kind) {
			continue
		}
		if near, ok := nearest(kind, missing); ok {
			f.add(onKey("source_urls", kind), "Misspelt source kind", fmt.Sprintf(
				"source_urls has the key %q, which is no required source kind, and no URL for %s: did you mean %s? "+
					"Rename the key to %s.", kind, near, near, near))
		}
	}
}

// nearest is the candidate s nearly spells: the same but for case and
// surrounding space, or at most one edit away (two for words of five
// letters or more).
func nearest(s string, candidates []string) (string, bool) {
	folded := strings.ToLower(strings.TrimSpace(s))
	for _, c := range candidates {
		limit := 1
		if len(c) >= 5 {
			limit = 2
		}
		if folded == c || editDistance(folded, c) <= limit {
			return c, true
		}
	}
	return "", false
}

// editDistance counts the insertions, deletions, substitutions and swaps of
// two neighbours that turn a into b (optimal string alignment).
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// operator must end up non-empty, here or from the provider.
func (c CheckConfig) operator(f *findings) {
	v := c.Strings["operator"]
	var invalid error
	if !v.Unknown && !v.null() {
		invalid = handoff.CheckText("operator", v.Value)
	}
	switch {
	case v.Unknown:
	case invalid != nil:
		f.addErr(on("operator"), "Invalid operator", invalid)
	case !v.null() && handoff.IsMissing(v.Value):
		f.add(on("operator"), "Incomplete cost handoff",
			"operator is not set or is a placeholder: name the team or role running the check here, or leave it out to use the provider's operator.")
	case v.null() && c.Provider != nil && handoff.IsMissing(c.Provider.Operator):
		f.add(on("operator"), "Incomplete cost handoff",
			"operator is not set: set it here, in the provider's operator, or in the "+EnvOperator+" environment variable.")
	}
}

// keys applies the key rules to the write-only keys, which are in the
// configuration at plan: a bounded length, and an invalid key that is not
// the approved one.
func (c CheckConfig) keys(f *findings) {
	for _, name := range []string{"api_key_wo", "invalid_api_key_wo"} {
		if v := c.Strings[name]; v.known() {
			f.addErr(on(name), "Invalid "+name, CheckKey(name, v.Value))
		}
	}
	key, invalid := c.Strings["api_key_wo"], c.Strings["invalid_api_key_wo"]
	approved := key.Value
	if key.null() && c.Provider != nil {
		approved = c.Provider.APIKey
	}
	if !key.Unknown && !invalid.Unknown && approved != "" {
		f.addErr(on("invalid_api_key_wo"), "Invalid invalid_api_key_wo", CheckInvalidKey(approved, invalid.Value))
	}
}

// CheckRun is a plan that runs a check's smoke test at apply: APIKeyWO is
// the check's write-only key and Endpoint its own endpoint as configured,
// Provider what it inherits. Plans that run nothing, destroys and refreshes
// never need a credential.
type CheckRun struct {
	APIKeyWO Input
	Endpoint Input
	Provider ProviderSettings
}

func (r CheckRun) review(f *findings) {
	p := r.Provider
	if r.APIKeyWO.null() && p.APIKey == "" {
		f.add(on("api_key_wo"), "No credential configured", NoCredential("This plan runs the check's smoke test at apply, which needs the approved key"))
	}
	desc, ok := ledger.Describe(ledger.API(p.LedgerAPI))
	if !ok {
		return
	}
	if !desc.TokenOptional && p.LedgerToken == "" {
		f.add(Path{}, "No ledger token configured", "This plan runs the check's smoke test at apply, and the provider's ledger_api = \""+
			p.LedgerAPI+"\" reads "+desc.Name+" with its own credential: set the provider's ledger_token or the "+EnvLedgerToken+
			" environment variable ("+desc.Credential+"), or set ledger_api = \"none\".")
	}
	// A key goes only to its own host: where the ledger would be read with
	// the approved key (OpenRouter without a ledger token), a check whose
	// endpoint is on another host has a key that is not the ledger's.
	if desc.ApprovedKeyFallback && p.LedgerToken == "" && !r.Endpoint.Unknown {
		endpoint := p.Endpoint
		if r.Endpoint.known() {
			endpoint = r.Endpoint.Value
		}
		if !ledger.SameHost(endpoint, p.LedgerEndpoint) {
			f.add(on("endpoint"), "The check's key would go to another host",
				"This check's endpoint ("+handoff.LogEndpoint(endpoint)+") is not on the host of the provider's ledger ("+
					handoff.LogEndpoint(p.LedgerEndpoint)+"), and ledger_api = \""+p.LedgerAPI+"\" without a ledger_token reads with "+
					"the check's own key, which belongs to its endpoint's host only: set the provider's ledger_token (a key of the "+
					"ledger's own), or point the check at the ledger's API.")
		}
	}
	if r.APIKeyWO.Unknown {
		return
	}
	approved := r.APIKeyWO.Value
	if r.APIKeyWO.null() {
		approved = p.APIKey
	}
	// No ledger but OpenRouter is ever sent the approved key: a ledger token
	// that is the approved key is refused before anything is sent.
	if token := strings.TrimSpace(p.LedgerToken); !desc.ApprovedKeyFallback && token != "" && token == strings.TrimSpace(approved) {
		f.add(on("api_key_wo"), "The ledger token is the approved key",
			"The provider's ledger_token (or "+EnvLedgerToken+") is the approved API key, and ledger_api = \""+p.LedgerAPI+
				"\" must never be sent the API key: set ledger_token to the ledger's own credential ("+desc.Credential+").")
	}
	// A usage API is read for one key, ledger_key_id, the id of the
	// provider's api_key: a check with another key of its own would be
	// looked for under the wrong id and never found.
	if desc.NeedsKeyID && r.APIKeyWO.known() && p.APIKey != "" &&
		strings.TrimSpace(r.APIKeyWO.Value) != strings.TrimSpace(p.APIKey) {
		f.add(on("api_key_wo"), "The check's key is not the one ledger_key_id names",
			"ledger_api = \""+p.LedgerAPI+"\" reads "+desc.Name+" for ledger_key_id ("+p.LedgerKeyID+"), the id of "+
				"the provider's api_key, and this check's api_key_wo is another key, whose usage would never be found there: "+
				"leave api_key_wo unset, or give this check a provider (an alias) whose api_key and ledger_key_id are that key's.")
	}
}

// NoCredential is the one detail for a missing approved key; why says what
// needs it.
func NoCredential(why string) string {
	return why + ": set the provider's api_key, the " + EnvAPIKey + " environment variable, or this resource's write-only " +
		"api_key_wo. Plans that run nothing, destroys and refreshes need no key."
}

// AllocationQuery is the allocation data source's question: tags matched
// case-insensitively, Explicit arguments over them, under Policy.
type AllocationQuery struct {
	Tags             map[string]string
	Explicit         handoff.Allocation
	Policy           handoff.Policy
	FailOnIncomplete bool
}

// Answer is the query's report and the tags that are no allocation field.
func (q AllocationQuery) Answer() (report handoff.AllocationReport, unrecognised []string) {
	fromTags, unrecognised := allocationFromTags(q.Tags)
	return q.Policy.CheckAllocation(fromTags.Merge(q.Explicit)), unrecognised
}

// Message is the report in one line, with the tags it ignored.
func (q AllocationQuery) Message() string {
	report, unrecognised := q.Answer()
	msg := report.Message()
	if len(unrecognised) > 0 {
		msg += "; ignored tags that are not allocation fields: " + strings.Join(unrecognised, ", ")
	}
	return msg
}

func (q AllocationQuery) review(f *findings) {
	// Two spellings of one field with different values: reading either
	// would silently drop the other.
	byField := map[string][]string{}
	for _, k := range slices.Sorted(maps.Keys(q.Tags)) {
		if name := strings.ToLower(strings.TrimSpace(k)); isAllocationField(name) {
			byField[name] = append(byField[name], k)
		}
	}
	for _, field := range handoff.AllocationFields {
		keys := byField[field]
		for _, k := range keys[min(1, len(keys)):] {
			if first := keys[0]; q.Tags[k] != q.Tags[first] {
				f.add(onKey("tags", k), "Conflicting allocation tags", fmt.Sprintf(
					"tags has both %s = %s and %s = %s for the allocation field %s, matched case-insensitively, so one would be "+
						"silently dropped. Keep one of the two keys.", strconv.Quote(first), strconv.Quote(q.Tags[first]), strconv.Quote(k), strconv.Quote(q.Tags[k]), field))
			}
		}
	}
	if report, _ := q.Answer(); !report.Complete() && q.FailOnIncomplete {
		f.add(on("fail_on_incomplete"), "Incomplete cost handoff allocation", q.Message())
	}
}

// allocationAttribute is the attribute holding an allocation field, as the
// check and the data source both name it: owner_tag, workload_tag,
// environment, product, cost_center.
func allocationAttribute(field string) string {
	switch field {
	case handoff.FieldOwner, handoff.FieldWorkload:
		return field + "_tag"
	}
	return field
}

// CheckKey refuses a key longer than maxKeyLength; name starts the message,
// which never holds any part of the key.
func CheckKey(name, key string) error {
	if n := len(key); n > maxKeyLength {
		return fmt.Errorf("%s is %d bytes long; a key is at most %d bytes (1 KiB). Check that it holds one key and nothing else", name, n, maxKeyLength)
	}
	return nil
}

// CheckInvalidKey refuses an invalid_api_key_wo that is the approved key
// (as sent or trimmed): the error path would send the approved key, be
// accepted, and prove nothing about other keys.
func CheckInvalidKey(approved, invalid string) error {
	if invalid != "" && strings.TrimSpace(invalid) == strings.TrimSpace(approved) {
		return errors.New("invalid_api_key_wo is the same key as the approved key, so the error path would send the approved key " +
			"and could not show whether an invalid key is refused. Set it to a disabled or revoked test key, or leave it out " +
			"to use a generated invalid key")
	}
	return nil
}

// ParseJSONObject reads extra_body_json: a JSON object.
func ParseJSONObject(s string) (map[string]any, error) {
	var obj map[string]any
	if err := json.Unmarshal([]byte(s), &obj); err != nil || obj == nil {
		problem := "got null"
		if err != nil {
			problem = err.Error()
		}
		return nil, fmt.Errorf("the value must be a JSON object such as {\"max_completion_tokens\": 1}: %s", problem)
	}
	return obj, nil
}

// sentence ends s with a full stop unless it already ends a sentence, as a
// reason that asks "did you mean ...?" does.
func sentence(s string) string {
	if strings.HasSuffix(s, ".") || strings.HasSuffix(s, "?") || strings.HasSuffix(s, "!") {
		return s
	}
	return s + "."
}
