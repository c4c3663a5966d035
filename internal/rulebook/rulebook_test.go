package rulebook

import (
	"fmt"
	"strings"
	"testing"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/handoff"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/sources"
)

func set(s string) Input { return Input{Value: s, Given: true} }

var (
	null    = Input{}
	unknown = Input{Unknown: true}
)

// configured is a provider configured with the default policy, a key and an
// operator.
func configured() *ProviderSettings {
	return &ProviderSettings{Endpoint: "https://api.example.com/v1", APIKey: "sk-test-approved", Operator: "finops", Policy: handoff.DefaultPolicy(), LedgerAPI: ledgerNone}
}

// checkConfigComplete is a check configuration with no finding.
func checkConfigComplete() CheckConfig {
	urls := map[string]Input{}
	for _, kind := range handoff.DefaultPolicy().RequiredSourceKinds {
		urls[kind] = set("https://example.com/" + kind)
	}
	return CheckConfig{
		Strings: map[string]Input{
			"owner_tag": set("team-search"), "workload_tag": set("search"), "environment": set("prod"),
			"product": null, "cost_center": null, "operator": null, "model": set("gpt-test-mini"),
		},
		SourceURLs: MapInput{Elements: urls},
		Provider:   configured(),
	}
}

func withString(c CheckConfig, name string, v Input) CheckConfig {
	s := map[string]Input{}
	for k, x := range c.Strings {
		s[k] = x
	}
	s[name] = v
	c.Strings = s
	return c
}

func withURL(c CheckConfig, kind string, v *Input) CheckConfig {
	urls := map[string]Input{}
	for k, x := range c.SourceURLs.Elements {
		urls[k] = x
	}
	if v == nil {
		delete(urls, kind)
	} else {
		urls[kind] = *v
	}
	c.SourceURLs.Elements = urls
	return c
}

func ptr(i Input) *Input { return &i }

// withExtraURLs adds n extra source kinds to c.
func withExtraURLs(c CheckConfig, n int) CheckConfig {
	for i := range n {
		kind := fmt.Sprintf("extra_%02d", i)
		c = withURL(c, kind, ptr(set("https://example.com/"+kind)))
	}
	return c
}

// Every rule of the book, table-tested: each row names the subject, the
// path the finding must be on and words its detail must hold (the fix);
// a row with no path wants no finding at all.
func TestJudge(t *testing.T) {
	unconfigured := checkConfigComplete()
	unconfigured.Provider = nil
	ledger := func(api, token string) ProviderSettings {
		p := *configured()
		p.LedgerAPI, p.LedgerToken = api, token
		p.LedgerEndpoint = strings.TrimSuffix(p.Endpoint, "/v1")
		if api == "openai_usage" || api == "anthropic_usage" {
			p.LedgerKeyID = "key_test"
		}
		return p
	}
	usageAt := func(ledgerEndpoint string, set bool) ProviderSettings {
		p := ledger("openai_usage", "sk-admin-Qm7Rt2Vx9Lp4Kw8Zn3Hd")
		p.LedgerEndpoint, p.LedgerEndpointSet = ledgerEndpoint, set
		return p
	}
	tests := []struct {
		name    string
		subject Subject
		path    string // "" for no finding; "-" for a finding on no attribute
		summary string
		detail  string
	}{
		{"complete check", checkConfigComplete(), "", "", ""},
		{"placeholder owner", withString(checkConfigComplete(), "owner_tag", set("TBD")), "owner_tag", "Incomplete cost handoff",
			`owner_tag is a placeholder ("TBD"): replace it with a real value. The provider's policy requires owner (required_tags = [owner, workload, environment]).`},
		{"owner left out before configuration", withString(unconfigured, "owner_tag", null), "", "", ""},
		{"owner unknown", withString(checkConfigComplete(), "owner_tag", unknown), "", "", ""},
		{"control characters in follow_up_owner", withString(checkConfigComplete(), "follow_up_owner", set("a\nb")), "follow_up_owner", "Invalid follow_up_owner", "follow_up_owner holds control characters; remove them"},
		{"extra body not an object", withString(checkConfigComplete(), "extra_body_json", set("[1]")), "extra_body_json", "Invalid extra_body_json", "must be a JSON object"},
		{"extra body null", withString(checkConfigComplete(), "extra_body_json", set("null")), "extra_body_json", "Invalid extra_body_json", "got null"},
		{"plain http endpoint", withString(checkConfigComplete(), "endpoint", set("http://10.0.0.1/v1")), "endpoint", "Invalid endpoint", "allow_plain_http = true"},
		{"plain http endpoint allowed", func() CheckConfig {
			c := withString(checkConfigComplete(), "endpoint", set("http://10.0.0.1/v1"))
			c.Provider.AllowPlainHTTP = true
			return c
		}(), "", "", ""},
		{"operator a placeholder", withString(checkConfigComplete(), "operator", set("TBD")), "operator", "Incomplete cost handoff", "leave it out to use the provider's operator"},
		{"operator nowhere", func() CheckConfig { c := checkConfigComplete(); c.Provider.Operator = ""; return c }(), "operator", "Incomplete cost handoff", EnvOperator},
		{"key too long", withString(checkConfigComplete(), "api_key_wo", set(strings.Repeat("k", maxKeyLength+1))), "api_key_wo", "Invalid api_key_wo", "at most 1024 bytes"},
		{"invalid key is the provider's key", withString(checkConfigComplete(), "invalid_api_key_wo", set(" sk-test-approved ")), "invalid_api_key_wo", "Invalid invalid_api_key_wo", "same key as the approved key"},
		{"source URL to the metadata address", withURL(checkConfigComplete(), "pricing", ptr(set("http://169.254.169.254/x"))), `source_urls["pricing"]`, "Invalid source URL", `source_urls["pricing"]: `},
		{"source URL unknown", withURL(checkConfigComplete(), "pricing", ptr(unknown)), "", "", ""},
		{"source kind with a control character", withURL(checkConfigComplete(), "status\n", ptr(set("https://s"))), `source_urls["status\n"]`, "Invalid source kind", "control characters"},
		{"required kind missing", withURL(checkConfigComplete(), "support", nil), "source_urls", "Incomplete cost handoff", "source_urls has no URL for support"},
		{"extra kind allowed", withURL(checkConfigComplete(), "status", ptr(set("https://s"))), "", "", ""},
		{"misspelt kind names the stray key and the nearest kind", withURL(withURL(checkConfigComplete(), "pricing", nil), "pricng", ptr(set("https://p"))),
			`source_urls["pricng"]`, "Misspelt source kind", `source_urls has the key "pricng", which is no required source kind, and no URL for pricing: did you mean pricing? Rename the key to pricing.`},
		{"a kind differing by case is a misspelling", withURL(withURL(checkConfigComplete(), "support", nil), "Support", ptr(set("https://s"))),
			`source_urls["Support"]`, "Misspelt source kind", "did you mean support?"},
		{"a far key is an extra kind, not a misspelling", withURL(withURL(checkConfigComplete(), "pricing", nil), "status_page", ptr(set("https://s"))),
			"source_urls", "Incomplete cost handoff", "no URL for pricing"},

		{"provider endpoint in plain http", ProviderConfig{Endpoint: set("http://api.example.com/v1"), AllowPlainHTTP: null, LedgerAPI: null}, "endpoint", "Invalid endpoint", "allow_plain_http = true"},
		{"provider ledger endpoint in plain http", ProviderConfig{Endpoint: set("https://api.example.com/v1"), LedgerEndpoint: set("http://gw.example.com"), AllowPlainHTTP: set("false"), LedgerAPI: set("new_api")},
			"ledger_endpoint", "Invalid ledger_endpoint", "plain http"},
		{"allow_plain_http unknown waits", ProviderConfig{Endpoint: set("http://api.example.com/v1"), AllowPlainHTTP: unknown, LedgerAPI: null}, "", "", ""},
		{"request timeout out of range", ProviderConfig{RequestTimeout: set("1h"), LedgerAPI: null}, "request_timeout", "Duration out of range", `"1h" is outside the allowed range: write a duration from 1s to 10m0s`},
		{"ledger wait at its bound", ProviderConfig{LedgerWait: set("10m"), LedgerAPI: null}, "", "", ""},
		{"CA certificate not PEM", ProviderConfig{CACertPEM: set("not a certificate"), LedgerAPI: null}, "ca_cert_pem", "Invalid CA certificate", "no PEM-encoded certificate"},
		{"ledger setting without ledger_api", ProviderConfig{LedgerAPI: null, LedgerSettings: map[string]Input{"ledger_wait": set("45s"), "ledger_user_id": null}},
			"ledger_wait", "Ledger setting without a ledger", `ledger_wait is set, but ledger_api is "none" (the default), so no ledger is read and ledger_wait would be silently ignored. Set ledger_api to the ledger it belongs to, or remove ledger_wait.`},
		{"ledger setting with ledger_api none written out", ProviderConfig{LedgerAPI: set("none"), LedgerSettings: map[string]Input{"ledger_token": set("t")}}, "ledger_token", "Ledger setting without a ledger", "remove ledger_token"},
		{"ledger setting with a ledger", ProviderConfig{LedgerAPI: set("new_api"), LedgerSettings: map[string]Input{"ledger_token": set("t")}}, "", "", ""},
		{"ledger setting with ledger_api unknown", ProviderConfig{LedgerAPI: unknown, LedgerSettings: map[string]Input{"ledger_token": set("t")}}, "", "", ""},
		{"ledger setting unknown", ProviderConfig{LedgerAPI: null, LedgerSettings: map[string]Input{"ledger_token": unknown}}, "", "", ""},

		{"resolved endpoint from the environment", ProviderSettings{Endpoint: "http://api.example.com", Policy: handoff.DefaultPolicy()}, "endpoint", "Invalid endpoint", "plain http"},
		{"resolved key too long", ProviderSettings{Endpoint: "https://a", APIKey: strings.Repeat("k", 2000), Policy: handoff.DefaultPolicy()}, "api_key", "Invalid api_key", EnvAPIKey},
		{"resolved operator with a newline", ProviderSettings{Endpoint: "https://a", Operator: "a\nb", Policy: handoff.DefaultPolicy()}, "operator", "Invalid operator", EnvOperator},
		{"required source kind with a control character", ProviderSettings{Endpoint: "https://a", Policy: handoff.Policy{RequiredSourceKinds: []string{"a\tb"}}}, "required_source_kinds", "Invalid required_source_kinds", "control characters"},

		{"run without any key", CheckRun{APIKeyWO: null, Provider: ProviderSettings{LedgerAPI: ledgerNone}}, "api_key_wo", "No credential configured", EnvAPIKey},
		{"run with the check's key", CheckRun{APIKeyWO: set("sk-test-a"), Provider: ProviderSettings{LedgerAPI: ledgerNone}}, "", "", ""},
		{"run on new_api without a token", CheckRun{APIKeyWO: null, Provider: ledger("new_api", "")}, "-", "No ledger token configured", `ledger_api = "new_api" reads the gateway's usage log`},
		{"source_urls at the cap", withExtraURLs(checkConfigComplete(), sources.MaxPages-4), "", "", ""},
		{"source_urls past the cap", withExtraURLs(checkConfigComplete(), sources.MaxPages-3), "source_urls", "Too many source_urls", "33"},
		{"run on openrouter without a token", CheckRun{APIKeyWO: null, Provider: ledger("openrouter", "")}, "", "", ""},
		{"run on litellm with the key as token", CheckRun{APIKeyWO: null, Provider: ledger("litellm", " sk-test-approved")}, "api_key_wo", "The ledger token is the approved key", `ledger_api = "litellm"`},
		{"run on openrouter with the key as token", CheckRun{APIKeyWO: null, Provider: ledger("openrouter", "sk-test-approved")}, "", "", ""},
		{"run on openrouter without a token, the check on another host", CheckRun{APIKeyWO: null, Endpoint: Input{Value: "https://other.example.net/v1", Given: true}, Provider: ledger("openrouter", "")},
			"endpoint", "The check's key would go to another host", "is not on the host of the provider's ledger"},
		{"run on openrouter with a token, the check on another host", CheckRun{APIKeyWO: null, Endpoint: Input{Value: "https://other.example.net/v1", Given: true}, Provider: ledger("openrouter", "or-ledger-token")}, "", "", ""},
		{"run on openai_usage without a token", CheckRun{APIKeyWO: null, Provider: ledger("openai_usage", "")}, "-", "No ledger token configured", `ledger_api = "openai_usage"`},
		{"run on openai_usage with the key as token", CheckRun{APIKeyWO: null, Provider: ledger("openai_usage", "sk-test-approved")}, "api_key_wo", "The ledger token is the approved key", `ledger_api = "openai_usage"`},
		{"run on anthropic_usage with another key of the check's own", CheckRun{APIKeyWO: Input{Value: "sk-ant-test-other", Given: true}, Provider: ledger("anthropic_usage", "sk-ant-admin-test")},
			"api_key_wo", "The check's key is not the one ledger_key_id names", "ledger_key_id (key_test)"},
		{"ledger_token_name on litellm", ProviderConfig{LedgerAPI: Input{Value: "litellm", Given: true}, LedgerSettings: map[string]Input{"ledger_token_name": {Value: "smoke", Given: true}}},
			"ledger_token_name", "Ledger setting of another ledger", `ledger_api is "litellm"`},
		{"ledger_quota_per_usd on openai_usage", ProviderConfig{LedgerAPI: Input{Value: "openai_usage", Given: true}, LedgerKeyID: Input{Value: "key_x", Given: true}, LedgerSettings: map[string]Input{"ledger_quota_per_usd": {Value: "1000", Given: true}}},
			"ledger_quota_per_usd", "Ledger setting of another ledger", "remove ledger_quota_per_usd"},
		{"gateway log settings on new_api", ProviderConfig{LedgerAPI: Input{Value: "new_api", Given: true}, LedgerSettings: map[string]Input{"ledger_token_name": {Value: "smoke", Given: true}, "ledger_user_id": {Value: "1", Given: true}, "ledger_quota_per_usd": {Value: "1000", Given: true}}}, "", "", ""},
		{"usage ledger without ledger_key_id", ProviderConfig{LedgerAPI: Input{Value: "openai_usage", Given: true}}, "ledger_key_id", "Missing ledger_key_id", "key_…"},
		{"ledger_key_id on another ledger", ProviderConfig{LedgerAPI: Input{Value: "new_api", Given: true}, LedgerKeyID: Input{Value: "key_x", Given: true}}, "ledger_key_id", "ledger_key_id does not apply", `ledger_api is "new_api"`},
		{"usage ledger's admin key derived onto a gateway's host", usageAt("https://api.cometapi.com/v1", false), "ledger_endpoint", "The admin key would go to another host", `ledger_endpoint = "https://api.openai.com/v1"`},
		{"usage ledger's endpoint set to another host", usageAt("https://usage-proxy.example.com/v1", true), "", "", ""},
		{"usage ledger on the vendor's host", usageAt("https://api.openai.com/v1", false), "", "", ""},
		{"usage ledger on a loopback stand-in", usageAt("http://127.0.0.1:8080/v1", false), "", "", ""},
		{"run on openrouter without a token, the check's own key unknown, on another host", CheckRun{APIKeyWO: Input{Unknown: true}, Endpoint: Input{Value: "https://other.example.net/v1", Given: true}, Provider: ledger("openrouter", "")},
			"endpoint", "The check's key would go to another host", "is not on the host of the provider's ledger"},
		{"resolved ledger endpoint derived onto plain http", ProviderSettings{Endpoint: "https://a", Policy: handoff.DefaultPolicy(), LedgerAPI: "new_api", LedgerEndpoint: "http://gateway.example.com"}, "ledger_endpoint", "Invalid ledger_endpoint", "plain http"},
		{"resolved ledger token too long", ProviderSettings{Endpoint: "https://a", Policy: handoff.DefaultPolicy(), LedgerAPI: "new_api", LedgerEndpoint: "https://gateway.example.com", LedgerToken: strings.Repeat("t", 2000)}, "ledger_token", "Invalid ledger_token", EnvLedgerToken},
		{"no ledger: its endpoint and token are not judged", ProviderSettings{Endpoint: "https://a", Policy: handoff.DefaultPolicy(), LedgerAPI: ledgerNone, LedgerToken: strings.Repeat("t", 2000)}, "", "", ""},
		{"resolved usage ledger without ledger_key_id", ProviderSettings{Endpoint: "https://api.example.com/v1", Policy: handoff.DefaultPolicy(), LedgerAPI: "anthropic_usage"}, "ledger_key_id", "Missing ledger_key_id", "apikey_…"},

		{"tags in two spellings with different values", AllocationQuery{Tags: map[string]string{"environment": "staging", "Environment": "Prod", "owner": "o", "workload": "w"}, Policy: handoff.DefaultPolicy()},
			`tags["environment"]`, "Conflicting allocation tags", `tags has both "Environment" = "Prod" and "environment" = "staging" for the allocation field environment`},
		{"tags in two spellings with one value", AllocationQuery{Tags: map[string]string{"environment": "prod", " Environment": "prod", "owner": "o", "workload": "w"}, Policy: handoff.DefaultPolicy()}, "", "", ""},
		{"incomplete allocation, failing", AllocationQuery{Tags: map[string]string{"owner": "o"}, Policy: handoff.DefaultPolicy(), FailOnIncomplete: true}, "fail_on_incomplete", "Incomplete cost handoff allocation", "workload is not set"},
		{"incomplete allocation, not failing", AllocationQuery{Tags: map[string]string{"owner": "o"}, Policy: handoff.DefaultPolicy()}, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Judge(tt.subject)
			if tt.path == "" {
				if len(got) != 0 {
					t.Fatalf("findings = %+v, want none", got)
				}
				return
			}
			for _, f := range got {
				p := f.Path.String()
				if f.Path == (Path{}) {
					p = "-"
				}
				if p == tt.path && f.Summary == tt.summary && strings.Contains(f.Detail, tt.detail) {
					return
				}
			}
			t.Errorf("findings = %+v, want one on %s: %s: ...%s...", got, tt.path, tt.summary, tt.detail)
		})
	}
}

func TestEditDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{{"pricng", "pricing", 1}, {"supprot", "support", 1}, {"", "abc", 3}, {"allocation", "allocation", 0}, {"status", "support", 6}} {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestCheckKey(t *testing.T) {
	tests := []struct {
		name, key string
		wantErr   bool
	}{
		{"empty", "", false},
		{"ordinary", "sk-test-abcdefghijklmnop", false},
		{"at the limit", strings.Repeat("k", maxKeyLength), false},
		{"one byte over", strings.Repeat("k", maxKeyLength+1), true},
		{"16 KiB", strings.Repeat("k", 16<<10), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckKey("api_key", tt.key)
			if (err != nil) != tt.wantErr {
				t.Fatalf("CheckKey = %v, want error %v", err, tt.wantErr)
			}
			if err != nil && (strings.Contains(err.Error(), "kkkk") || !strings.Contains(err.Error(), "api_key is")) {
				t.Errorf("message %q holds part of the key or does not name it", err)
			}
		})
	}
}

func TestCheckInvalidKey(t *testing.T) {
	tests := []struct {
		approved, invalid string
		wantErr           bool
	}{
		{"sk-test-a", "", false},
		{"sk-test-a", "sk-test-b", false},
		{"sk-test-a", "sk-test-a", true},
		{"sk-test-a", " sk-test-a\n", true},
		{"", "sk-test-b", false},
	}
	for _, tt := range tests {
		err := CheckInvalidKey(tt.approved, tt.invalid)
		if (err != nil) != tt.wantErr {
			t.Errorf("CheckInvalidKey(%q, %q) = %v, want error %v", tt.approved, tt.invalid, err, tt.wantErr)
		}
		if err != nil && (strings.Contains(err.Error(), "any key of this shape") || !strings.Contains(err.Error(), "same key")) {
			t.Errorf("message %q", err)
		}
	}
}
