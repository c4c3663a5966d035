package standin

import (
	"net/http"
	"sync"
	"time"
)

// ledgerPrefix is where a one-api / new-api gateway serves its management
// API, the usage log among it (SPEC section 9).
const ledgerPrefix = "/api/"

// LedgerRow is one successful gateway-mode AI request, as the gateway's usage
// log records it.
type LedgerRow struct {
	RequestID        string // the gateway's id (X-Oneapi-Request-Id)
	Model            string
	TokenName        string
	PromptTokens     int
	CompletionTokens int
	CreatedAt        time.Time
}

// ledgerBook is the stand-in's usage log, with its own lock.
type ledgerBook struct {
	mu   sync.Mutex
	rows []LedgerRow
}

// recordLedgerRow writes the row of one successful gateway-mode request.
func (s *Server) recordLedgerRow(row LedgerRow) {
	s.ledger.mu.Lock()
	defer s.ledger.mu.Unlock()
	s.ledger.rows = append(s.ledger.rows, row)
}

// serveLedger serves the gateway's management API under ledgerPrefix.
func (s *Server) serveLedger(w http.ResponseWriter, r *http.Request) {
	http.NotFound(w, r)
}

// ledgerControlRoutes adds the control endpoints of the usage log (its
// switches) to the stand-in's control mux.
func (s *Server) ledgerControlRoutes(mux *http.ServeMux) {}
