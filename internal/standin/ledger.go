package standin

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ledgerPrefix is where a one-api / new-api gateway serves its management
// API, the usage log among it (SPEC section 9).
const ledgerPrefix = "/api/"

const (
	// ledgerLogPath is the user's own usage log, the one read the provider makes.
	ledgerLogPath = ledgerPrefix + "log/self"
	// DefaultLedgerAccessToken is the access token the log API accepts when
	// LedgerOptions.AccessToken is empty. It is deliberately not shaped
	// like an API key, so a test that finds it where a key belongs fails.
	DefaultLedgerAccessToken = "test-standin-access-token"
	// ledgerPageSize is both gateways' page size of the usage log.
	ledgerPageSize = 10
	// logTypeConsume is the log type of a charged request in both gateways.
	logTypeConsume = 2
	// ledgerUserID is the id of the stand-in's only user, as the rows show it.
	ledgerUserID = 1
	// The ratios the stand-in's gateway charges with, as a gateway's model
	// and completion ratios: quota = (prompt + completion × completion
	// ratio) × model ratio. They are made up and price nothing.
	ledgerModelRatio      = 1.5
	ledgerCompletionRatio = 4
	// ledgerEstimateExtra is how far the gateway's own estimate of the
	// prompt tokens is off when the Estimate switch is on.
	ledgerEstimateExtra = 3
	// maxLedgerRowBytes bounds a row written through the control endpoint.
	maxLedgerRowBytes = 64 << 10
)

// The refusals of the log API, in the gateways' own words. Both gateways
// answer an access-token refusal with HTTP 200 and success false.
const (
	refusedNoToken      = "无权进行此操作，未登录且未提供 access token"
	refusedBadToken     = "无权进行此操作，access token 无效"
	refusedNoUser       = "无权进行此操作，未提供 New-Api-User"
	refusedUserMismatch = "无权进行此操作，New-Api-User 与登录用户不匹配"
)

// LedgerRow is one successful gateway-mode AI request, as the gateway's usage
// log records it.
type LedgerRow struct {
	RequestID        string // the gateway's id (X-Oneapi-Request-Id)
	Model            string
	TokenName        string // "" is written as "default"
	PromptTokens     int
	CompletionTokens int
	CreatedAt        time.Time // zero means now, on the log's clock
}

// LedgerOptions are the switches of the stand-in's usage log. The zero value
// is a log that writes every row at once and accepts the default token.
type LedgerOptions struct {
	AccessToken string        // accepted as Authorization, bare or after "Bearer "; "" means DefaultLedgerAccessToken
	UserID      string        // when set, the new_api flavour requires New-Api-User to equal it
	Late        time.Duration // rows written from now on show in the log this long after they were written
	NeverWrite  bool          // requests from now on leave no row
	Estimate    bool          // rows written from now on hold the gateway's own estimate of the prompt tokens, not the answered usage
	RefuseToken bool          // every access token is refused
	NoRequestID bool          // rows are served without request_id, as older gateways do
	// Now is the log's clock, for when rows are written and become visible;
	// nil means time.Now. Tests share a fake clock with the reader.
	Now func() time.Time
}

// ledgerEntry is a row as the log stores it.
type ledgerEntry struct {
	LedgerRow
	id        int64
	quota     int64
	visibleAt time.Time
}

// ledgerBook is the stand-in's usage log, with its own lock.
type ledgerBook struct {
	mu       sync.Mutex
	opts     LedgerOptions
	rows     []ledgerEntry
	lastID   int64
	requests int
	headers  []http.Header
}

func (b *ledgerBook) now() time.Time {
	if b.opts.Now == nil {
		return time.Now()
	}
	return b.opts.Now()
}

// SetLedger replaces the usage log's switches; rows already written keep
// how they were written (late, estimated).
func (s *Server) SetLedger(opts LedgerOptions) {
	s.ledger.mu.Lock()
	defer s.ledger.mu.Unlock()
	s.ledger.opts = opts
}

// AddLedgerRow writes a row as a gateway-mode request would, under the same
// switches; tests use it for rows of requests made elsewhere.
func (s *Server) AddLedgerRow(row LedgerRow) { s.recordLedgerRow(row) }

// recordLedgerRow writes the row of one successful gateway-mode request.
func (s *Server) recordLedgerRow(row LedgerRow) {
	b := &s.ledger
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.opts.NeverWrite {
		return
	}
	now := b.now()
	if row.CreatedAt.IsZero() {
		row.CreatedAt = now
	}
	if row.TokenName == "" {
		row.TokenName = "default"
	}
	if b.opts.Estimate {
		row.PromptTokens += ledgerEstimateExtra
	}
	b.lastID++
	b.rows = append(b.rows, ledgerEntry{
		LedgerRow: row,
		id:        b.lastID,
		quota:     ledgerQuota(row.PromptTokens, row.CompletionTokens),
		visibleAt: now.Add(b.opts.Late),
	})
}

// ledgerQuota is what the stand-in's gateway charges for the tokens.
func ledgerQuota(prompt, completion int) int64 {
	return int64(math.Round(float64(prompt+completion*ledgerCompletionRatio) * ledgerModelRatio))
}

// ledgerOther is the JSON string a row's other field holds, as the gateways
// store their ratios.
var ledgerOther = fmt.Sprintf(`{"model_ratio":%g,"completion_ratio":%d,"group_ratio":1,"model_price":-1}`,
	ledgerModelRatio, ledgerCompletionRatio)

// LedgerRows returns every row written, visible yet or not, oldest first.
func (s *Server) LedgerRows() []LedgerRow {
	s.ledger.mu.Lock()
	defer s.ledger.mu.Unlock()
	out := make([]LedgerRow, len(s.ledger.rows))
	for i, e := range s.ledger.rows {
		out[i] = e.LedgerRow
	}
	return out
}

// LedgerRequests counts requests to the management API (every path under
// /api/), allowed or not.
func (s *Server) LedgerRequests() int {
	s.ledger.mu.Lock()
	defer s.ledger.mu.Unlock()
	return s.ledger.requests
}

// LedgerHeaders returns the headers of every management API request, in
// arrival order, so tests can assert the API key never reached the log.
func (s *Server) LedgerHeaders() []http.Header {
	s.ledger.mu.Lock()
	defer s.ledger.mu.Unlock()
	out := make([]http.Header, len(s.ledger.headers))
	for i, h := range s.ledger.headers {
		out[i] = h.Clone()
	}
	return out
}

// ClearLedger removes every row and clears the management API's counters;
// the switches stay.
func (s *Server) ClearLedger() {
	s.ledger.mu.Lock()
	defer s.ledger.mu.Unlock()
	s.ledger.rows, s.ledger.requests, s.ledger.headers = nil, 0, nil
}

// serveLedger serves the gateway's management API under ledgerPrefix: only
// the usage log, and only when the stand-in answers as a gateway.
func (s *Server) serveLedger(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	gateway := s.gateway
	s.mu.Unlock()
	if gateway == GatewayNone {
		http.NotFound(w, r) // a vendor has no management API
		return
	}
	b := &s.ledger
	b.mu.Lock()
	b.requests++
	b.headers = append(b.headers, r.Header.Clone())
	opts := b.opts
	now := b.now()
	rows := slices.Clone(b.rows)
	b.mu.Unlock()

	if r.Method != http.MethodGet || r.URL.Path != ledgerLogPath {
		writeJSON(w, http.StatusNotFound, map[string]any{"success": false, "message": "costhandoff-standin: no such management API"})
		return
	}
	if refusal := refuseLogRead(gateway, opts, r.Header); refusal != "" {
		writeJSON(w, http.StatusOK, map[string]any{"success": false, "message": refusal})
		return
	}
	q := r.URL.Query()
	found := filterLog(rows, now, q)
	p, _ := strconv.Atoi(q.Get("p")) // the gateways read a bad p as 0 too
	if gateway == GatewayNewAPI {
		page := max(p, 1)
		writeJSON(w, http.StatusOK, map[string]any{"success": true, "message": "", "data": map[string]any{
			"page": page, "page_size": ledgerPageSize, "total": len(found),
			"items": renderRows(pageOf(found, page-1), opts),
		}})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"success": true, "message": "", "data": renderRows(pageOf(found, max(p, 0)), opts)})
}

// refuseLogRead checks the access token (and for new_api the user header)
// and returns the gateway's refusal, or "" when the read is allowed.
func refuseLogRead(gateway Gateway, opts LedgerOptions, h http.Header) string {
	auth := h.Get("Authorization")
	if auth == "" {
		return refusedNoToken
	}
	want := opts.AccessToken
	if want == "" {
		want = DefaultLedgerAccessToken
	}
	if opts.RefuseToken || strings.TrimPrefix(auth, "Bearer ") != want {
		return refusedBadToken
	}
	if gateway == GatewayNewAPI && opts.UserID != "" {
		switch h.Get("New-Api-User") {
		case "":
			return refusedNoUser
		case opts.UserID:
		default:
			return refusedUserMismatch
		}
	}
	return ""
}

// filterLog returns the visible rows the query asks for, newest first, as
// the gateways filter: type, exact model name, and both timestamps inclusive.
func filterLog(rows []ledgerEntry, now time.Time, q map[string][]string) []ledgerEntry {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	logType, _ := strconv.Atoi(get("type"))
	model := get("model_name")
	start, _ := strconv.ParseInt(get("start_timestamp"), 10, 64)
	end, _ := strconv.ParseInt(get("end_timestamp"), 10, 64)
	var out []ledgerEntry
	for _, e := range rows {
		created := e.CreatedAt.Unix()
		switch {
		case e.visibleAt.After(now),
			logType != 0 && logType != logTypeConsume,
			model != "" && e.Model != model,
			start != 0 && created < start,
			end != 0 && created > end:
			continue
		}
		out = append(out, e)
	}
	slices.SortStableFunc(out, func(a, b ledgerEntry) int {
		if c := cmp.Compare(b.CreatedAt.Unix(), a.CreatedAt.Unix()); c != 0 {
			return c
		}
		return cmp.Compare(b.id, a.id)
	})
	return out
}

// pageOf is the index-th page of rows (from 0), empty past the end.
func pageOf(rows []ledgerEntry, index int) []ledgerEntry {
	from := index * ledgerPageSize
	if from >= len(rows) {
		return nil
	}
	return rows[from:min(from+ledgerPageSize, len(rows))]
}

// renderRows is the JSON of rows as both gateways serve them; never null,
// so an empty page is an empty list.
func renderRows(rows []ledgerEntry, opts LedgerOptions) []map[string]any {
	out := make([]map[string]any, 0, len(rows))
	for _, e := range rows {
		row := map[string]any{
			"id":                e.id,
			"user_id":           ledgerUserID,
			"created_at":        e.CreatedAt.Unix(),
			"type":              logTypeConsume,
			"content":           fmt.Sprintf("模型倍率 %.2f，补全倍率 %.2f", ledgerModelRatio, float64(ledgerCompletionRatio)),
			"username":          "standin",
			"token_name":        e.TokenName,
			"model_name":        e.Model,
			"quota":             e.quota,
			"prompt_tokens":     e.PromptTokens,
			"completion_tokens": e.CompletionTokens,
			"use_time":          1,
			"is_stream":         false,
			"channel":           1,
			"group":             "default",
			"other":             ledgerOther,
		}
		if !opts.NoRequestID {
			row["request_id"] = e.RequestID
		}
		out = append(out, row)
	}
	return out
}

// ledgerControlRoutes adds the control endpoints of the usage log (its
// switches) to the stand-in's control mux.
func (s *Server) ledgerControlRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST "+controlPrefix+"ledger", s.setLedgerFromQuery)
	mux.HandleFunc("GET "+controlPrefix+"ledger", s.serveLedgerState)
	mux.HandleFunc("POST "+controlPrefix+"ledger/rows", s.addLedgerRowFromBody)
	mux.HandleFunc("POST "+controlPrefix+"ledger/clear", func(w http.ResponseWriter, _ *http.Request) {
		s.ClearLedger()
		w.WriteHeader(http.StatusNoContent)
	})
}

// setLedgerFromQuery replaces every switch: a parameter left out is off (or
// the default), so each call states the whole log.
func (s *Server) setLedgerFromQuery(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	opts := LedgerOptions{AccessToken: q.Get("access_token"), UserID: q.Get("user_id")}
	if v := q.Get("late"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			http.Error(w, "late must be a non-negative Go duration such as 2s", http.StatusBadRequest)
			return
		}
		opts.Late = d
	}
	for name, flag := range map[string]*bool{
		"never_write": &opts.NeverWrite, "estimate": &opts.Estimate,
		"refuse_token": &opts.RefuseToken, "no_request_id": &opts.NoRequestID,
	} {
		if v := q.Get(name); v != "" {
			on, err := strconv.ParseBool(v)
			if err != nil {
				http.Error(w, name+" must be true or false", http.StatusBadRequest)
				return
			}
			*flag = on
		}
	}
	s.ledger.mu.Lock()
	opts.Now = s.ledger.opts.Now // the clock is not a switch
	s.ledger.mu.Unlock()
	s.SetLedger(opts)
	w.WriteHeader(http.StatusNoContent)
}

// ledgerRowJSON is a row as the control endpoints read and show it.
type ledgerRowJSON struct {
	RequestID        string `json:"request_id"`
	Model            string `json:"model"`
	TokenName        string `json:"token_name"`
	PromptTokens     int    `json:"prompt_tokens"`
	CompletionTokens int    `json:"completion_tokens"`
	CreatedAt        int64  `json:"created_at,omitempty"` // Unix seconds; 0 means now
}

func (s *Server) addLedgerRowFromBody(w http.ResponseWriter, r *http.Request) {
	var in ledgerRowJSON
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxLedgerRowBytes))
	if err == nil {
		err = json.Unmarshal(data, &in)
	}
	if err != nil || in.Model == "" {
		http.Error(w, `body must be a JSON row such as {"request_id":"1","model":"m","prompt_tokens":8,"completion_tokens":1}`, http.StatusBadRequest)
		return
	}
	row := LedgerRow{RequestID: in.RequestID, Model: in.Model, TokenName: in.TokenName,
		PromptTokens: in.PromptTokens, CompletionTokens: in.CompletionTokens}
	if in.CreatedAt != 0 {
		row.CreatedAt = time.Unix(in.CreatedAt, 0)
	}
	s.recordLedgerRow(row)
	w.WriteHeader(http.StatusNoContent)
}

// serveLedgerState shows the rows written and the management API requests
// counted, for `make demo` and the process form's tests.
func (s *Server) serveLedgerState(w http.ResponseWriter, _ *http.Request) {
	rows := s.LedgerRows()
	out := make([]ledgerRowJSON, len(rows))
	for i, r := range rows {
		out[i] = ledgerRowJSON{RequestID: r.RequestID, Model: r.Model, TokenName: r.TokenName,
			PromptTokens: r.PromptTokens, CompletionTokens: r.CompletionTokens, CreatedAt: r.CreatedAt.Unix()}
	}
	writeJSON(w, http.StatusOK, map[string]any{"log_requests": s.LedgerRequests(), "rows": out})
}
