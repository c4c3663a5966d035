package handoff

import (
	"github.com/costhandoff/terraform-provider-costhandoff/internal/ledger"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/probe"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/sanitize"
)

// scrubPieces removes the pieces of a credential that the run's stored
// fields hold between them (sanitize.Scrubber.Pieces): a server that cuts
// a key in pieces shorter than the sanitiser's window and sends one in
// each field (a message, a model, a request id, a token name) gets none of
// them stored. Each field was scrubbed on its own already; this is the
// one place that sees them all.
func (o *Outcome) scrubPieces(c Check) {
	scrub := sanitize.New(append([]string{c.ApprovedKey, c.InvalidKey}, c.Request.Credentials...)...)
	fields := append(pathFields(&o.Probe.HappyPath), pathFields(&o.Probe.ErrorPath)...)
	if l := o.Ledger; l != nil {
		fields = append(fields, ledgerFields(l)...)
	}
	for i := range o.Sources {
		fields = append(fields, sanitize.Stored{Value: &o.Sources[i].Message})
	}
	scrub.Pieces(fields...)
}

// ledgerFields are the stored strings of a ledger's result.
func ledgerFields(l *ledger.Result) []sanitize.Stored {
	return []sanitize.Stored{identifier(&l.RequestID), identifier(&l.TokenName), identifier(&l.Model),
		identifier(&l.ProviderName), {Value: &l.Message}}
}

// pathFields are the stored strings of one path's result.
func pathFields(r *probe.Result) []sanitize.Stored {
	return []sanitize.Stored{
		{Value: &r.Message}, identifier(&r.Model), identifier(&r.RequestID), identifier(&r.UpstreamRequestID),
		identifier(&r.BodyID), identifier(&r.CallID), identifier(&r.GenerationID),
	}
}

func identifier(s *string) sanitize.Stored { return sanitize.Stored{Value: s, Identifier: true} }
