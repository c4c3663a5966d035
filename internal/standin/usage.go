package standin

import (
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The vendors' organization usage APIs, as their public references
// describe them (DESIGN.md, The ledger): OpenAI's completions usage and
// Anthropic's usage report, both in 1-minute buckets per API key and model,
// read with an admin key, paged by next_page. Every smoke request the
// stand-in answers with an approved key is counted into its minute's bucket
// under the key's id, and shows after UsageOptions.Lag, as the vendors'
// data arrives minutes late.
const (
	openAIUsageSuffix    = "/organization/usage/completions"
	anthropicUsageSuffix = "/organizations/usage_report/messages"
	// ApprovedKeyID is the id of the stand-in's first approved key, as a
	// vendor's console shows it; the others are key_standin_2, 3, ...
	ApprovedKeyID = "key_sb7Qw2Xk9Rm4"
	// DefaultOpenAIAdminKey and DefaultAnthropicAdminKey are the admin keys
	// the usage APIs accept when UsageOptions.AdminKeys is empty.
	DefaultOpenAIAdminKey    = "sk-admin-Qm7Rt2Vx9Lp4Kw8Zn3Hd"
	DefaultAnthropicAdminKey = "sk-ant-admin01-Jf6Wq1Ty5Bc8Nv2Xs7Pg"
	// usageDefaultLimit and usageMaxLimit bound a page of 1-minute buckets.
	usageDefaultLimit = 60
	usageMaxLimit     = 1440
)

// UsageOptions are the switches of the usage APIs.
type UsageOptions struct {
	AdminKeys []string      // accepted admin keys; empty means the two defaults
	Lag       time.Duration // a request shows in its bucket this long after it was answered
	PageSize  int           // buckets per page at most; 0 means the query's limit
	// Hold shows no usage at all until ReleaseUsage: a lag a test ends when
	// it knows every request it waits for has arrived.
	Hold bool
	// Now is the vendor's clock, for the buckets and the lag; nil means time.Now.
	Now func() time.Time
	// FailMessage, when set, makes every read an admin key makes fail with
	// a 500 whose error message is this text: a server that echoes what it
	// was given (a test puts a credential in it) in its error.
	FailMessage string
}

// UsageRecord is usage counted into a bucket: a smoke request, or another
// process's traffic on the same key injected by a test.
type UsageRecord struct {
	KeyID, Model    string
	At              time.Time // zero means now, on the usage clock
	Requests        int64
	Input, Output   int64 // input as OpenAI counts it; Anthropic's uncached input
	CacheCreation5m int64
	CacheCreation1h int64
	CacheReadTokens int64
	visibleAt       time.Time
}

// UsageRequest is one request to a usage API as it arrived.
type UsageRequest struct {
	Path   string
	Query  url.Values
	Header http.Header
}

type usageBook struct {
	mu       sync.Mutex
	opts     UsageOptions
	records  []UsageRecord
	requests []UsageRequest
}

// now is the usage APIs' clock; the caller holds b.mu.
func (b *usageBook) now() time.Time { return nowOn(b.opts.Now) }

// SetUsage replaces the usage APIs' switches; usage already counted keeps
// when it shows.
func (s *Server) SetUsage(opts UsageOptions) {
	s.usage.mu.Lock()
	defer s.usage.mu.Unlock()
	s.usage.opts = opts
}

// ReleaseUsage ends Hold: the usage counted so far shows (after its lag).
func (s *Server) ReleaseUsage() {
	s.usage.mu.Lock()
	defer s.usage.mu.Unlock()
	s.usage.opts.Hold = false
}

// AddUsage counts other traffic into a bucket, visible after the lag.
func (s *Server) AddUsage(r UsageRecord) {
	b := &s.usage
	b.mu.Lock()
	defer b.mu.Unlock()
	if r.At.IsZero() {
		r.At = b.now()
	}
	r.visibleAt = b.now().Add(b.opts.Lag)
	b.records = append(b.records, r)
}

// UsageRequests returns every request the usage APIs received, in order.
func (s *Server) UsageRequests() []UsageRequest {
	s.usage.mu.Lock()
	defer s.usage.mu.Unlock()
	out := make([]UsageRequest, len(s.usage.requests))
	for i, r := range s.usage.requests {
		out[i] = UsageRequest{Path: r.Path, Query: url.Values(http.Header(r.Query).Clone()), Header: r.Header.Clone()}
	}
	return out
}

// KeyID is the id the stand-in's console shows for an approved key; "" for
// any other key.
func (s *Server) KeyID(key string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keyIDLocked(key)
}

func (s *Server) keyIDLocked(key string) string {
	if !s.keys[key] {
		return ""
	}
	if key == s.approved {
		return ApprovedKeyID
	}
	return "key_standin_" + strings.TrimPrefix(s.keyNames[key], "standin-token-")
}

// countUsage counts an answered smoke request into its minute's bucket.
func (s *Server) countUsage(key, model string, u *tokenUsage) {
	id := s.KeyID(key)
	if id == "" || u == nil {
		return
	}
	s.AddUsage(UsageRecord{KeyID: id, Model: model, Requests: 1, Input: int64(u.input), Output: int64(u.output)})
}

// isUsagePath reports a request to one of the usage APIs, under any base path.
func isUsagePath(p string) bool {
	return strings.HasSuffix(p, openAIUsageSuffix) || strings.HasSuffix(p, anthropicUsageSuffix)
}

func (s *Server) serveUsage(w http.ResponseWriter, r *http.Request) {
	b := &s.usage
	b.mu.Lock()
	b.requests = append(b.requests, UsageRequest{Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone()})
	opts := b.opts
	b.mu.Unlock()
	anthropic := strings.HasSuffix(r.URL.Path, anthropicUsageSuffix)
	fail := func(status int, kind, msg string) {
		if anthropic {
			writeJSON(w, status, map[string]any{"type": "error", "error": map[string]any{"type": kind, "message": msg}})
			return
		}
		writeJSON(w, status, map[string]any{"error": map[string]any{"message": msg, "type": "invalid_request_error", "param": nil, "code": kind}})
	}
	if r.Method != http.MethodGet {
		fail(http.StatusMethodNotAllowed, "invalid_request_error", "method not allowed")
		return
	}
	key := bearer(r.Header)
	if anthropic {
		key = r.Header.Get("x-api-key")
		if r.Header.Get("anthropic-version") == "" {
			fail(http.StatusBadRequest, "invalid_request_error", "anthropic-version: header is required")
			return
		}
	}
	admins := opts.AdminKeys
	if len(admins) == 0 {
		admins = []string{DefaultOpenAIAdminKey, DefaultAnthropicAdminKey}
	}
	switch {
	case key != "" && slices.Contains(admins, key):
	case s.KeyID(key) != "": // an API key that works for messages, not for the Admin API
		if anthropic {
			fail(http.StatusForbidden, "permission_error", "This endpoint requires an Admin API key (sk-ant-admin...).")
		} else {
			fail(http.StatusForbidden, "insufficient_permissions", "You have insufficient permissions for this operation. Missing scopes: api.usage.read.")
		}
		return
	default:
		if anthropic {
			fail(http.StatusUnauthorized, "authentication_error", "invalid x-api-key")
		} else {
			fail(http.StatusUnauthorized, "invalid_api_key", "Incorrect API key provided: "+gatewayMasked(key)+".")
		}
		return
	}
	if opts.FailMessage != "" {
		fail(http.StatusInternalServerError, "server_error", opts.FailMessage)
		return
	}
	q := r.URL.Query()
	name := func(n string) string {
		if anthropic {
			return n + "[]"
		}
		return n
	}
	var from, to time.Time
	var err error
	if anthropic {
		from, err = time.Parse(time.RFC3339, q.Get("starting_at"))
	} else {
		var sec int64
		sec, err = strconv.ParseInt(q.Get("start_time"), 10, 64)
		from = time.Unix(sec, 0)
	}
	if err != nil {
		fail(http.StatusBadRequest, "invalid_request_error", "start time: a valid value is required")
		return
	}
	to = b.clock()
	if anthropic && q.Get("ending_at") != "" {
		to, err = time.Parse(time.RFC3339, q.Get("ending_at"))
	} else if !anthropic && q.Get("end_time") != "" {
		var sec int64
		sec, err = strconv.ParseInt(q.Get("end_time"), 10, 64)
		to = time.Unix(sec, 0)
	}
	if err != nil || q.Get("bucket_width") != "" && q.Get("bucket_width") != "1m" {
		fail(http.StatusBadRequest, "invalid_request_error", "the stand-in serves 1m buckets between valid times only")
		return
	}
	limit := usageDefaultLimit
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 {
		limit = min(n, usageMaxLimit)
	}
	if opts.PageSize > 0 {
		limit = min(limit, opts.PageSize)
	}
	first := from.Truncate(time.Minute)
	if p := q.Get("page"); p != "" {
		sec, err := strconv.ParseInt(strings.TrimPrefix(p, "page_"), 10, 64)
		if err != nil || !strings.HasPrefix(p, "page_") {
			fail(http.StatusBadRequest, "invalid_request_error", "page: not a page this API gave")
			return
		}
		first = time.Unix(sec, 0)
	}
	keys, models, groups := q[name("api_key_ids")], q[name("models")], q[name("group_by")]
	var data []map[string]any
	at := first
	for ; at.Before(to) && len(data) < limit; at = at.Add(time.Minute) {
		data = append(data, b.bucket(at, keys, models, groups, anthropic))
	}
	more := at.Before(to)
	body := map[string]any{"data": data, "has_more": more, "next_page": nil}
	if more {
		body["next_page"] = "page_" + strconv.FormatInt(at.Unix(), 10)
	}
	if !anthropic {
		body["object"] = "page"
	}
	writeJSON(w, http.StatusOK, body)
}

func (b *usageBook) clock() time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.now()
}

// bucket is one minute's results, grouped by the dimensions asked for.
func (b *usageBook) bucket(start time.Time, keys, models, groups []string, anthropic bool) map[string]any {
	b.mu.Lock()
	now := b.now()
	type group struct{ key, model string }
	sums := map[group]*UsageRecord{}
	for _, r := range b.records {
		if b.opts.Hold || r.visibleAt.After(now) || r.At.Before(start) || !r.At.Before(start.Add(time.Minute)) ||
			len(keys) > 0 && !slices.Contains(keys, r.KeyID) || len(models) > 0 && !slices.Contains(models, r.Model) {
			continue
		}
		g := group{}
		if slices.Contains(groups, "api_key_id") {
			g.key = r.KeyID
		}
		if slices.Contains(groups, "model") {
			g.model = r.Model
		}
		sum := sums[g]
		if sum == nil {
			sum = &UsageRecord{KeyID: g.key, Model: g.model}
			sums[g] = sum
		}
		sum.Requests += r.Requests
		sum.Input += r.Input
		sum.Output += r.Output
		sum.CacheCreation5m += r.CacheCreation5m
		sum.CacheCreation1h += r.CacheCreation1h
		sum.CacheReadTokens += r.CacheReadTokens
	}
	b.mu.Unlock()
	ordered := make([]group, 0, len(sums))
	for g := range sums {
		ordered = append(ordered, g)
	}
	sort.Slice(ordered, func(i, j int) bool { return ordered[i].key+ordered[i].model < ordered[j].key+ordered[j].model })
	orNull := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	results := []map[string]any{}
	for _, g := range ordered {
		r := sums[g]
		if anthropic {
			results = append(results, map[string]any{
				"uncached_input_tokens": r.Input,
				"cache_creation": map[string]any{
					"ephemeral_1h_input_tokens": r.CacheCreation1h, "ephemeral_5m_input_tokens": r.CacheCreation5m,
				},
				"cache_read_input_tokens": r.CacheReadTokens, "output_tokens": r.Output,
				"server_tool_use": map[string]any{"web_search_requests": 0},
				"api_key_id":      orNull(r.KeyID), "workspace_id": nil, "model": orNull(r.Model),
				"service_tier": "standard", "context_window": "0-200k",
			})
			continue
		}
		results = append(results, map[string]any{
			"object":       "organization.usage.completions.result",
			"input_tokens": r.Input + r.CacheCreation5m + r.CacheCreation1h + r.CacheReadTokens, "output_tokens": r.Output,
			"input_cached_tokens": r.CacheReadTokens, "input_audio_tokens": 0, "output_audio_tokens": 0,
			"num_model_requests": r.Requests, "api_key_id": orNull(r.KeyID), "model": orNull(r.Model),
			"project_id": nil, "user_id": nil, "batch": nil,
		})
	}
	if anthropic {
		return map[string]any{
			"starting_at": start.UTC().Format(time.RFC3339), "ending_at": start.Add(time.Minute).UTC().Format(time.RFC3339), "results": results,
		}
	}
	return map[string]any{"object": "bucket", "start_time": start.Unix(), "end_time": start.Add(time.Minute).Unix(), "results": results}
}
