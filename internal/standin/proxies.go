package standin

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The two ledgers beside the gateway family's usage log: a LiteLLM proxy's
// spend logs and OpenRouter's generation records. Both keep one record per
// request, keyed by an id the answer carries, and write it a while after
// the answer (LedgerOptions.Late is the batch delay).
const (
	spendLogsPath  = "/spend/logs"
	generationPath = "/api/v1/generation"
	// LiteLLMCallIDHeader and LiteLLMCostHeader are what a LiteLLM proxy
	// adds to every answer.
	LiteLLMCallIDHeader = "x-litellm-call-id"
	LiteLLMCostHeader   = "x-litellm-response-cost"
	// GenerationIDHeader is where OpenRouter repeats the body's gen- id.
	GenerationIDHeader = "X-Generation-Id"
	// OpenRouterProvider is the upstream provider the stand-in's
	// generation records name.
	OpenRouterProvider = "StandinCloud"
	// ledgerQuotaPerUSD converts the stand-in's quota to the dollars the
	// proxies report, at the gateways' default rate.
	ledgerQuotaPerUSD = 500000
)

// respondAsProxy answers x as a LiteLLM proxy or OpenRouter: the vendor's
// answer with the proxy's ids, and a ledger record of the request; now is
// the proxy's clock, which also stamped the answer's Date.
func (s *Server) respondAsProxy(w http.ResponseWriter, r *http.Request, x exchange, now time.Time) {
	switch x.behaviour {
	case Normal, AcceptAnyKey, NoUsage, ZeroUsage:
	default:
		s.respondAsVendor(w, r, x)
		return
	}
	if f, failed := x.authFailure(); failed {
		x.protocol.writeFailure(w, f)
		return
	}
	c, f, ok := x.protocol.parse(x.path, x.body)
	if !ok {
		x.protocol.writeFailure(w, f)
		return
	}
	u := usageFor(x.behaviour, c)
	body := x.protocol.successBody(c, u, true)
	row := LedgerRow{Model: c.model, TokenName: s.keyName(x.key)}
	if u != nil {
		row.PromptTokens, row.CompletionTokens = u.input, u.output
	}
	if x.gateway == GatewayOpenRouter {
		id := "gen-" + strconv.FormatInt(now.Unix(), 10) + "-" + rand.Text()[:20]
		body[x.protocol.idField] = id
		w.Header().Set(GenerationIDHeader, id)
		row.RequestID = id
	} else {
		row.RequestID, _ = body[x.protocol.idField].(string)
		row.CallID = newCallID()
		w.Header().Set(LiteLLMCallIDHeader, row.CallID)
		w.Header().Set(LiteLLMCostHeader, usd(ledgerQuota(row.PromptTokens, row.CompletionTokens)))
	}
	s.recordLedgerRow(row)
	writeJSON(w, http.StatusOK, body)
}

func (s *Server) keyName(key string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keyNames[key]
}

// newCallID is a LiteLLM call id: a UUID.
func newCallID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// usd is a quota in dollars as the proxies write it: a JSON number, in Go's
// shortest form (3.6e-05), so a reader must read exponents exactly.
func usd(quota int64) string {
	return strconv.FormatFloat(float64(quota)/ledgerQuotaPerUSD, 'g', -1, 64)
}

// bearer is the credential of an Authorization: Bearer header.
func bearer(h http.Header) string { return strings.TrimPrefix(h.Get("Authorization"), "Bearer ") }

// serveSpendLogs is a LiteLLM proxy's GET /spend/logs?request_id=: a JSON
// list of the rows with that id, empty until the batch is written. Only
// the access token (the proxy's master key here) may read it.
func (s *Server) serveSpendLogs(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	gateway := s.gateway
	s.mu.Unlock()
	if gateway != GatewayLiteLLM {
		http.NotFound(w, r)
		return
	}
	in, ok := s.arriveAtLedger(w, r)
	if !ok {
		return
	}
	if r.Method != http.MethodGet {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if !in.opts.acceptsToken(bearer(r.Header)) {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": map[string]any{
			"message": "Authentication Error, Invalid proxy server token passed. Received API Key = " + gatewayMasked(bearer(r.Header)),
			"type":    "auth_error", "param": "None", "code": "401",
		}})
		return
	}
	want := r.URL.Query().Get("request_id")
	out := []map[string]any{}
	for _, e := range in.rows {
		id := e.RequestID
		if in.opts.CallIDOnly {
			id = e.CallID
		}
		if e.visibleAt.After(in.now) || want != "" && id != want {
			continue
		}
		digest := sha256.Sum256([]byte(e.TokenName))
		out = append(out, map[string]any{
			"request_id": id, "call_type": "acompletion", "api_key": hex.EncodeToString(digest[:]),
			"spend": jsonNumber(usd(e.quota)), "total_tokens": e.PromptTokens + e.CompletionTokens,
			"prompt_tokens": e.PromptTokens, "completion_tokens": e.CompletionTokens,
			"startTime": e.CreatedAt.UTC().Format(time.RFC3339), "endTime": e.CreatedAt.UTC().Format(time.RFC3339),
			"model": e.Model, "metadata": map[string]any{},
		})
	}
	writeJSON(w, http.StatusOK, out)
}

// serveGeneration is OpenRouter's GET /api/v1/generation?id=: 404 until
// the record is written, then its data. The access token and any approved
// key may read it.
func (s *Server) serveGeneration(w http.ResponseWriter, r *http.Request) {
	in, ok := s.arriveAtLedger(w, r)
	if !ok {
		return
	}
	if r.Method != http.MethodGet || r.URL.Path != generationPath {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": map[string]any{"code": 404, "message": "Not Found"}})
		return
	}
	key := bearer(r.Header)
	s.mu.Lock()
	approved := s.keys[key]
	s.mu.Unlock()
	if in.opts.RefuseToken || key == "" || key != in.opts.accessToken() && !approved {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": map[string]any{"code": 401, "message": "No auth credentials found"}})
		return
	}
	id := r.URL.Query().Get("id")
	for _, e := range in.rows {
		if e.RequestID != id || e.visibleAt.After(in.now) {
			continue
		}
		cost := jsonNumber(usd(e.quota))
		writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{
			"id": e.RequestID, "model": e.Model, "provider_name": OpenRouterProvider,
			"created_at":    e.CreatedAt.UTC().Format(time.RFC3339),
			"tokens_prompt": e.PromptTokens, "tokens_completion": e.CompletionTokens,
			"native_tokens_prompt": e.PromptTokens, "native_tokens_completion": e.CompletionTokens,
			"total_cost": cost, "usage": cost, "upstream_id": "chatcmpl-" + upstreamID(e.RequestID),
		}})
		return
	}
	writeJSON(w, http.StatusNotFound, map[string]any{"error": map[string]any{"code": 404, "message": "Generation " + id + " not found"}})
}

// upstreamID is a stable made-up upstream id for a generation.
func upstreamID(id string) string {
	sum := sha256.Sum256([]byte(id))
	n := new(big.Int).SetBytes(sum[:8])
	return fmt.Sprintf("%x", n)
}

// jsonNumber writes a number exactly as given.
func jsonNumber(s string) json.Number { return json.Number(s) }
