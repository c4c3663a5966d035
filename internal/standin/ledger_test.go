package standin

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// ledgerT0 is when the ledger tests' rows are written.
var ledgerT0 = time.Date(2026, 11, 30, 3, 4, 5, 0, time.UTC)

// testClock is a log clock the test moves by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// readLog does GET path with the default access token (and user, when set).
func readLog(t *testing.T, url, pathAndQuery string, header map[string]string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url+pathAndQuery, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return do(t, req)
}

var withToken = map[string]string{"Authorization": DefaultLedgerAccessToken}

// logRows returns the rows of a log answer of either shape, failing the
// test when the answer is not a successful one of the gateway's shape.
func logRows(t *testing.T, g Gateway, r response) []any {
	t.Helper()
	body := r.json(t)
	if r.status != http.StatusOK || at(body, "success") != true {
		t.Fatalf("log answered %d %s, want a successful read", r.status, r.raw)
	}
	items := at(body, "data")
	if g == GatewayNewAPI {
		items = at(body, "data", "items")
	}
	rows, ok := items.([]any)
	if !ok {
		t.Fatalf("%s log data is %s, want rows in its shape", g, r.raw)
	}
	return rows
}

func rowIDs(rows []any) []string {
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = fmt.Sprint(at(r, "request_id"))
	}
	return ids
}

// writeRows writes n rows of model-test a second apart from ledgerT0, request
// ids r1..rn, so that rn is the newest.
func writeRows(s *Server, n int) {
	for i := 1; i <= n; i++ {
		s.recordLedgerRow(LedgerRow{RequestID: fmt.Sprintf("r%d", i), Model: "model-test", PromptTokens: 8, CompletionTokens: 1,
			CreatedAt: ledgerT0.Add(time.Duration(i) * time.Second)})
	}
}

func TestLedgerPagesInEachGatewaysShape(t *testing.T) {
	tests := []struct {
		gateway Gateway
		p       string
		want    []string
		page    any // new-api's page field
	}{
		{GatewayOneAPI, "0", []string{"r25", "r24", "r23", "r22", "r21", "r20", "r19", "r18", "r17", "r16"}, nil},
		{GatewayOneAPI, "", []string{"r25", "r24", "r23", "r22", "r21", "r20", "r19", "r18", "r17", "r16"}, nil},
		{GatewayOneAPI, "2", []string{"r5", "r4", "r3", "r2", "r1"}, nil},
		{GatewayOneAPI, "3", []string{}, nil},
		{GatewayNewAPI, "1", []string{"r25", "r24", "r23", "r22", "r21", "r20", "r19", "r18", "r17", "r16"}, 1.0},
		{GatewayNewAPI, "0", []string{"r25", "r24", "r23", "r22", "r21", "r20", "r19", "r18", "r17", "r16"}, 1.0},
		{GatewayNewAPI, "2", []string{"r15", "r14", "r13", "r12", "r11", "r10", "r9", "r8", "r7", "r6"}, 2.0},
		{GatewayNewAPI, "3", []string{"r5", "r4", "r3", "r2", "r1"}, 3.0},
		{GatewayNewAPI, "4", []string{}, 4.0},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s p=%s", tt.gateway, tt.p), func(t *testing.T) {
			s, url := startStandin(t, Options{Gateway: tt.gateway})
			writeRows(s, 25)
			r := readLog(t, url, "/api/log/self?type=2&p="+tt.p, withToken)
			if got := rowIDs(logRows(t, tt.gateway, r)); strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("rows %v, want %v", got, tt.want)
			}
			if tt.gateway == GatewayNewAPI {
				body := r.json(t)
				if at(body, "data", "page") != tt.page || at(body, "data", "total") != 25.0 || at(body, "data", "page_size") != 10.0 {
					t.Errorf("page %v total %v size %v, want %v, 25, 10", at(body, "data", "page"), at(body, "data", "total"), at(body, "data", "page_size"), tt.page)
				}
			}
		})
	}
}

func TestLedgerFilters(t *testing.T) {
	at2 := fmt.Sprint(ledgerT0.Add(2 * time.Second).Unix())
	at4 := fmt.Sprint(ledgerT0.Add(4 * time.Second).Unix())
	tests := []struct {
		query string
		want  string
	}{
		{"", "o5,r5,o4,r4,o3,r3,o2,r2,o1,r1"}, // newest first, the later written first within a second
		{"type=2&model_name=model-test", "r5,r4,r3,r2,r1"},
		{"type=5", ""},
		{"model_name=model", ""}, // exact, not a prefix
		{"model_name=model-test&start_timestamp=" + at2 + "&end_timestamp=" + at4, "r4,r3,r2"}, // both ends inclusive
		{"model_name=other&end_timestamp=" + at2, "o2,o1"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			s, url := startStandin(t, Options{Gateway: GatewayOneAPI})
			writeRows(s, 5)
			for i := 1; i <= 5; i++ {
				s.recordLedgerRow(LedgerRow{RequestID: fmt.Sprintf("o%d", i), Model: "other", CreatedAt: ledgerT0.Add(time.Duration(i) * time.Second)})
			}
			got := rowIDs(logRows(t, GatewayOneAPI, readLog(t, url, "/api/log/self?"+tt.query, withToken)))
			if strings.Join(got, ",") != tt.want {
				t.Errorf("rows %v, want %s", got, tt.want)
			}
		})
	}
}

func TestLedgerRowFields(t *testing.T) {
	s, url := startStandin(t, Options{Gateway: GatewayNewAPI})
	s.recordLedgerRow(LedgerRow{RequestID: "2026113003040500000000000000001", Model: "model-test", PromptTokens: 8, CompletionTokens: 1, CreatedAt: ledgerT0})
	rows := logRows(t, GatewayNewAPI, readLog(t, url, "/api/log/self", withToken))
	if len(rows) != 1 {
		t.Fatalf("%d rows, want 1", len(rows))
	}
	row := rows[0]
	want := map[string]any{
		"id": 1.0, "created_at": float64(ledgerT0.Unix()), "type": 2.0, "model_name": "model-test", "token_name": "default",
		"quota": 18.0, "prompt_tokens": 8.0, "completion_tokens": 1.0, "request_id": "2026113003040500000000000000001",
	}
	for k, v := range want {
		if at(row, k) != v {
			t.Errorf("row %s = %v, want %v", k, at(row, k), v)
		}
	}
	other, ok := at(row, "other").(string)
	var decoded map[string]any
	if !ok || json.Unmarshal([]byte(other), &decoded) != nil || decoded["model_ratio"] != ledgerModelRatio {
		t.Errorf("other %v, want a JSON string holding the ratios", at(row, "other"))
	}
}

func TestLedgerQuotaFollowsTheTokens(t *testing.T) {
	tests := []struct {
		prompt, completion int
		want               int64
	}{
		{8, 1, 18},
		{8, 16, 108},
		{0, 0, 0},
		{1, 0, 2}, // 1.5 rounds half away from zero
	}
	for _, tt := range tests {
		if got := ledgerQuota(tt.prompt, tt.completion); got != tt.want {
			t.Errorf("quota of %d+%d tokens %d, want %d", tt.prompt, tt.completion, got, tt.want)
		}
	}
}

func TestLedgerAuthentication(t *testing.T) {
	tests := []struct {
		name    string
		gateway Gateway
		opts    LedgerOptions
		header  map[string]string
		refusal string // "" means the read is allowed
	}{
		{"no token", GatewayOneAPI, LedgerOptions{}, nil, refusedNoToken},
		{"the default token", GatewayOneAPI, LedgerOptions{}, withToken, ""},
		{"the token after Bearer", GatewayNewAPI, LedgerOptions{}, map[string]string{"Authorization": "Bearer " + DefaultLedgerAccessToken}, ""},
		{"a wrong token", GatewayNewAPI, LedgerOptions{}, map[string]string{"Authorization": "wrong-access-token"}, refusedBadToken},
		{"the API key is no access token", GatewayOneAPI, LedgerOptions{}, map[string]string{"Authorization": "Bearer " + approvedKey}, refusedBadToken},
		{"a configured token", GatewayOneAPI, LedgerOptions{AccessToken: "team-access-token"}, map[string]string{"Authorization": "team-access-token"}, ""},
		{"the default once another is configured", GatewayOneAPI, LedgerOptions{AccessToken: "team-access-token"}, withToken, refusedBadToken},
		{"the token refused by the switch", GatewayNewAPI, LedgerOptions{RefuseToken: true}, withToken, refusedBadToken},
		{"new-api wants its user header", GatewayNewAPI, LedgerOptions{UserID: "42"}, withToken, refusedNoUser},
		{"new-api with another user", GatewayNewAPI, LedgerOptions{UserID: "42"}, map[string]string{"Authorization": DefaultLedgerAccessToken, "New-Api-User": "43"}, refusedUserMismatch},
		{"new-api with its user", GatewayNewAPI, LedgerOptions{UserID: "42"}, map[string]string{"Authorization": DefaultLedgerAccessToken, "New-Api-User": "42"}, ""},
		{"one-api knows no user header", GatewayOneAPI, LedgerOptions{UserID: "42"}, withToken, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, url := startStandin(t, Options{Gateway: tt.gateway})
			s.SetLedger(tt.opts)
			r := readLog(t, url, "/api/log/self?type=2", tt.header)
			body := r.json(t)
			if r.status != http.StatusOK {
				t.Errorf("status %d, want 200 either way, as the gateways answer", r.status)
			}
			if tt.refusal == "" {
				if at(body, "success") != true {
					t.Errorf("refused with %s, want the read allowed", r.raw)
				}
				return
			}
			if at(body, "success") != false || at(body, "message") != tt.refusal || at(body, "data") != nil {
				t.Errorf("answered %s, want success false with %q and no data", r.raw, tt.refusal)
			}
		})
	}
}

func TestLedgerSwitches(t *testing.T) {
	const id = "2026113003040500000000000000001"
	tests := []struct {
		name   string
		opts   LedgerOptions
		before time.Duration // the clock moves this far before the read
		rows   int
		check  func(t *testing.T, row any)
	}{
		{name: "written at once", rows: 1, check: func(t *testing.T, row any) {
			if at(row, "request_id") != id || at(row, "prompt_tokens") != 8.0 {
				t.Errorf("row %v, want the request's id and tokens", row)
			}
		}},
		{name: "late, before its time", opts: LedgerOptions{Late: 5 * time.Second}, before: 4 * time.Second, rows: 0},
		{name: "late, in its time", opts: LedgerOptions{Late: 5 * time.Second}, before: 5 * time.Second, rows: 1, check: func(t *testing.T, row any) {
			if at(row, "created_at") != float64(ledgerT0.Unix()) {
				t.Errorf("late row stamped %v, want the second it was written", at(row, "created_at"))
			}
		}},
		{name: "never written", opts: LedgerOptions{NeverWrite: true}, before: time.Hour, rows: 0},
		{name: "the gateway's estimate", opts: LedgerOptions{Estimate: true}, rows: 1, check: func(t *testing.T, row any) {
			if at(row, "prompt_tokens") != float64(8+ledgerEstimateExtra) || at(row, "quota") != float64(ledgerQuota(8+ledgerEstimateExtra, 1)) {
				t.Errorf("row %v, want the estimated prompt tokens and their quota", row)
			}
		}},
		{name: "without request_id", opts: LedgerOptions{NoRequestID: true}, rows: 1, check: func(t *testing.T, row any) {
			if m, ok := row.(map[string]any); !ok || m["request_id"] != nil || len(m) == 0 {
				t.Errorf("row %v, want no request_id field", row)
			}
		}},
	}
	for _, gateway := range []Gateway{GatewayOneAPI, GatewayNewAPI} {
		for _, tt := range tests {
			t.Run(string(gateway)+" "+tt.name, func(t *testing.T) {
				s, url := startStandin(t, Options{Gateway: gateway})
				clock := &testClock{now: ledgerT0}
				tt.opts.Now = clock.Now
				s.SetLedger(tt.opts)
				s.recordLedgerRow(LedgerRow{RequestID: id, Model: "model-test", PromptTokens: 8, CompletionTokens: 1})
				clock.advance(tt.before)
				rows := logRows(t, gateway, readLog(t, url, "/api/log/self?type=2&model_name=model-test", withToken))
				if len(rows) != tt.rows {
					t.Fatalf("%d rows, want %d", len(rows), tt.rows)
				}
				if tt.check != nil {
					tt.check(t, rows[0])
				}
			})
		}
	}
}

func TestLedgerOtherPathsAndCounting(t *testing.T) {
	tests := []struct {
		gateway      Gateway
		method, path string
		status       int
		json         bool
	}{
		{GatewayOneAPI, "GET", "/api/user/self", 404, true},
		{GatewayNewAPI, "GET", "/api/log/", 404, true},
		{GatewayNewAPI, "DELETE", "/api/log/self", 404, true},
		{GatewayNewAPI, "POST", "/api/log/self", 404, true},
		{GatewayNone, "GET", "/api/log/self", 404, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %s %s", tt.gateway, tt.method, tt.path), func(t *testing.T) {
			s, url := startStandin(t, Options{Gateway: tt.gateway})
			writeRows(s, 1)
			req, err := http.NewRequest(tt.method, url+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", DefaultLedgerAccessToken)
			req.Header.Set("X-Probe", "ledger")
			r := do(t, req)
			if r.status != tt.status {
				t.Errorf("status %d, want %d", r.status, tt.status)
			}
			if tt.json && at(r.json(t), "success") != false {
				t.Errorf("body %s, want success false", r.raw)
			}
			if s.AIRequests() != 0 {
				t.Error("a management API request counted as an AI request")
			}
			wantCount := 1
			if tt.gateway == GatewayNone {
				wantCount = 0 // a vendor has no management API to count
			}
			if s.LedgerRequests() != wantCount || len(s.LedgerHeaders()) != wantCount {
				t.Errorf("counted %d requests and %d headers, want %d", s.LedgerRequests(), len(s.LedgerHeaders()), wantCount)
			}
		})
	}
}

func TestLedgerRecordsHeadersAsCopies(t *testing.T) {
	s, url := startStandin(t, Options{Gateway: GatewayNewAPI})
	readLog(t, url, "/api/log/self", map[string]string{"Authorization": DefaultLedgerAccessToken, "X-Probe": "first"})
	readLog(t, url, "/api/log/self", map[string]string{"Authorization": "Bearer " + approvedKey})
	heads := s.LedgerHeaders()
	if len(heads) != 2 || heads[0].Get("X-Probe") != "first" || heads[1].Get("Authorization") != "Bearer "+approvedKey {
		t.Fatalf("headers %v, want both requests' own", heads)
	}
	heads[0].Set("X-Probe", "changed")
	if s.LedgerHeaders()[0].Get("X-Probe") != "first" {
		t.Error("a caller changed the stand-in's record")
	}
	s.ClearLedger()
	if s.LedgerRequests() != 0 || len(s.LedgerHeaders()) != 0 {
		t.Error("ClearLedger left counts behind")
	}
}

// LedgerURLs keeps each management API request's path and query as it
// arrived, refused or rate-limited or not, and ClearLedger forgets them.
func TestLedgerRecordsURLs(t *testing.T) {
	s, url := startStandin(t, Options{Gateway: GatewayNewAPI})
	readLog(t, url, "/api/log/self?type=2&token_name=ci+token&p=1", withToken)
	readLog(t, url, "/api/log/self?model_name=m", map[string]string{"Authorization": "wrong"})
	got := s.LedgerURLs()
	if len(got) != 2 || got[0].Path != "/api/log/self" || got[0].Query().Get("token_name") != "ci token" ||
		got[0].Query().Get("p") != "1" || got[1].Query().Get("model_name") != "m" || got[1].Query().Has("token_name") {
		t.Fatalf("urls %v, want both requests' own paths and queries", got)
	}
	got[0].RawQuery = "changed"
	if s.LedgerURLs()[0].RawQuery == "changed" {
		t.Error("a caller changed the stand-in's record")
	}
	s.ClearLedger()
	if len(s.LedgerURLs()) != 0 {
		t.Error("ClearLedger left URLs behind")
	}
}
