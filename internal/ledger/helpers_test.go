package ledger_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Fake credentials, shaped unlike each other so a leak is easy to spot.
const (
	fakeToken  = "fake-ledger-7f3aQ9zKm2W5"
	fakeUserID = "4217"
	fakeAPIKey = "sk-fake-api-key-never-sent-0000"
)

// t0 is when the smoke request was sent in every test.
var t0 = time.Date(2026, 11, 30, 3, 4, 5, 0, time.UTC)

// fakeClock is Now and After for a Client: After moves Now on at once and
// records how long the client meant to wait, so polling tests run in no time.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	waits []time.Duration
	// onWait runs after each wait with the clock moved on, outside the lock.
	onWait func(now time.Time)
}

func newClock(now time.Time) *fakeClock { return &fakeClock{now: now} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.waits = append(c.waits, d)
	now, hook := c.now, c.onWait
	c.mu.Unlock()
	if hook != nil {
		hook(now)
	}
	ch := make(chan time.Time, 1)
	ch <- now
	return ch
}

func (c *fakeClock) Waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.waits...)
}

// fakeRow is one row of a fakeGateway, shown from the fromRequest-th request
// on (1-based; 0 means always).
type fakeRow struct {
	fields      map[string]any
	fromRequest int
}

// logRow is a consume row; an empty requestID leaves the field out, as
// gateways without it do.
func logRow(id int64, created time.Time, model, requestID string, prompt, completion, quota int64) fakeRow {
	f := map[string]any{
		"id": id, "created_at": created.Unix(), "type": 2, "model_name": model, "token_name": "ci-token",
		"quota": quota, "prompt_tokens": prompt, "completion_tokens": completion,
		"other": `{"model_ratio":1.5,"group_ratio":1}`, "content": "",
	}
	if requestID != "" {
		f["request_id"] = requestID
	}
	return fakeRow{fields: f}
}

func (r fakeRow) from(n int) fakeRow { r.fromRequest = n; return r }

// fakeGateway serves rows (newest first) in one shape, ten a page, without
// filtering: the client must not trust a gateway's filters. answer, when set,
// answers the n-th request (1-based) instead; returning status 0 falls back
// to the rows.
type fakeGateway struct {
	shape string // "one_api" or "new_api"
	// clock is the gateway's clock, which its Date shows; nil means t0 + 3 s.
	clock  *fakeClock
	rows   []fakeRow
	answer func(n int, w http.ResponseWriter, r *http.Request) bool

	mu    sync.Mutex
	query []map[string]string
	heads []http.Header
}

func (g *fakeGateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	q := map[string]string{"path": r.URL.Path}
	for k, v := range r.URL.Query() {
		q[k] = v[0]
	}
	g.query = append(g.query, q)
	g.heads = append(g.heads, r.Header.Clone())
	n := len(g.query)
	g.mu.Unlock()
	date := t0.Add(3 * time.Second)
	if g.clock != nil {
		date = g.clock.Now()
	}
	w.Header().Set("Date", date.UTC().Format(http.TimeFormat))
	if g.answer != nil && g.answer(n, w, r) {
		return
	}
	var visible []map[string]any
	for _, row := range g.rows {
		if row.fromRequest <= n {
			visible = append(visible, row.fields)
		}
	}
	p, _ := strconv.Atoi(r.URL.Query().Get("p"))
	index := p
	if g.shape == "new_api" {
		index = max(p, 1) - 1
	}
	items := []map[string]any{}
	if from := index * 10; from < len(visible) {
		items = visible[from:min(from+10, len(visible))]
	}
	var data any = items
	if g.shape == "new_api" {
		data = map[string]any{"items": items, "total": len(visible), "page": index + 1, "page_size": 10}
	}
	writeJSON(w, map[string]any{"success": true, "message": "", "data": data})
}

func (g *fakeGateway) requests() ([]map[string]string, []http.Header) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]map[string]string(nil), g.query...), append([]http.Header(nil), g.heads...)
}

func writeJSON(w http.ResponseWriter, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
}

func startGateway(t *testing.T, g http.Handler) string {
	t.Helper()
	ts := httptest.NewServer(g)
	t.Cleanup(ts.Close)
	return ts.URL
}
