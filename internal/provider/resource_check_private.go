package provider

import (
	"context"
	"encoding/json"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/sources"
)

// Private state keys: what a refresh saw and what the last run was tested
// against, kept out of the stored handoff.
const (
	observedSourcesKey = "observed_sources"
	ledgerTestedKey    = "ledger_tested"
)

// ledgerSetting is the ledger a run is confirmed against.
type ledgerSetting struct {
	API      string `json:"api"`
	Endpoint string `json:"endpoint,omitempty"`
	KeyID    string `json:"key_id,omitempty"`
}

func (l ledgerSetting) String() string {
	s := l.API
	if l.Endpoint != "" {
		s += " at " + l.Endpoint
	}
	if l.KeyID != "" {
		s += " for key " + l.KeyID
	}
	return s
}

// privateState is what the framework's private state offers to plans,
// reads and applies.
type privateState interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
}

type privateStateWriter interface {
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
}

// readPrivate decodes a private key into v; found is false when the key is
// absent. An unreadable value is ignored with a warning: the next refresh
// or run writes it again.
func readPrivate(ctx context.Context, private privateState, key string, v any) (found bool, diags diag.Diagnostics) {
	if private == nil {
		return false, nil
	}
	raw, diags := private.GetKey(ctx, key)
	if len(raw) == 0 || diags.HasError() {
		return false, diags
	}
	if err := json.Unmarshal(raw, v); err != nil {
		diags.AddWarning("Ignoring unreadable private state",
			"The provider's private value "+key+" could not be read ("+err.Error()+"); the next refresh or run writes it again.")
		return false, diags
	}
	return true, diags
}

func writePrivate(ctx context.Context, private privateStateWriter, key string, v any) diag.Diagnostics {
	raw, err := json.Marshal(v)
	if err != nil {
		var diags diag.Diagnostics
		diags.AddError("Unable to keep private state", err.Error())
		return diags
	}
	return private.SetKey(ctx, key, raw)
}

// readObservedPages returns nil when no refresh has watched the pages.
func readObservedPages(ctx context.Context, private privateState) ([]sources.Page, diag.Diagnostics) {
	var pages []sources.Page
	found, diags := readPrivate(ctx, private, observedSourcesKey, &pages)
	if !found {
		return nil, diags
	}
	if pages == nil {
		pages = []sources.Page{}
	}
	return pages, diags
}

func readLedgerTested(ctx context.Context, private privateState) (*ledgerSetting, diag.Diagnostics) {
	var l ledgerSetting
	found, diags := readPrivate(ctx, private, ledgerTestedKey, &l)
	if !found {
		return nil, diags
	}
	return &l, diags
}
