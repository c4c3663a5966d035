package provider

import (
	"context"
	"encoding/json"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/handoff"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/ledger"
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

// ledgerRecheckKey keeps what a refresh needs to read a pending usage
// bucket again and record its answer (pendingRun), out of the stored
// handoff.
const ledgerRecheckKey = "ledger_recheck"

// ledgerStoppedKey names the run a refresh turned to stop (refreshStop),
// so the plan that re-runs it says where the stop came from.
const ledgerStoppedKey = "ledger_stopped"

// pendingRun is what a refresh needs of a pending run besides its state:
// the recheck (ledger.Recheck: the send's time, key id, model, tokens and
// this provider's sums of the minute), and the kinds whose page changed
// since the run before, which the run's log marks and state does not hold.
// A recheck kept before the kinds were (the same JSON without them) reads
// as a run with no page changed.
type pendingRun struct {
	ledger.Recheck
	ChangedSources []string `json:"changed_sources,omitempty"`
}

// pendingOf is what a refresh needs of o; nil when its ledger is not
// pending on a usage API.
func pendingOf(o handoff.Outcome) *pendingRun {
	if o.Ledger == nil || o.Ledger.Recheck == nil {
		return nil
	}
	return &pendingRun{Recheck: *o.Ledger.Recheck, ChangedSources: o.ChangedSources}
}

// refreshStop is a run whose decision a refresh of its ledger turned to
// stop, and what the ledger said.
type refreshStop struct {
	RunID  string `json:"run_id"`
	Status string `json:"status"`
}

// writeRecheck keeps a new run's recheck when its ledger is pending, or
// forgets the last one, and forgets a refresh's stop of the run before.
func writeRecheck(ctx context.Context, private privateStateWriter, p *pendingRun) diag.Diagnostics {
	diags := private.SetKey(ctx, ledgerStoppedKey, nil)
	if p == nil {
		return append(diags, private.SetKey(ctx, ledgerRecheckKey, nil)...)
	}
	return append(diags, writePrivate(ctx, private, ledgerRecheckKey, p)...)
}
