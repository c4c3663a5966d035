package standin

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestCountersSeparateAIPagesAndControl(t *testing.T) {
	s, url := startStandin(t, Options{})
	do(t, aiRequest(t, url, "openai_chat", approvedKey, 1))
	do(t, aiRequest(t, url, "gemini", wrongKey, 1))
	page, err := http.NewRequest(http.MethodGet, url+"/pages/pricing", nil)
	if err != nil {
		t.Fatal(err)
	}
	page.Header.Set("X-Probe", "page")
	do(t, page)
	send(t, "GET", url+"/pages/no_such_kind")
	send(t, "POST", url+"/_standin/latency?set=0s")
	send(t, "GET", url+"/_standin/nothing")
	send(t, "POST", url+"/v1/embeddings")

	stats := send(t, "GET", url+"/_standin/stats")
	sameJSON(t, stats.raw, `{"ai_requests":2,"page_requests":2,"peak_in_flight":1}`)
	if s.AIRequests() != 2 || s.PageRequests() != 2 || s.PeakInFlight() != 1 {
		t.Errorf("counters %d AI, %d pages, peak %d; want 2, 2, 1", s.AIRequests(), s.PageRequests(), s.PeakInFlight())
	}
	requests := s.Requests()
	if len(requests) != 2 || requests[0].Protocol != "openai_chat" || !requests[0].KeyAccepted ||
		requests[1].Protocol != "gemini" || requests[1].KeyAccepted {
		t.Fatalf("recorded %+v, want chat (accepted) then gemini (refused)", requests)
	}
	if requests[0].Path != "/v1/chat/completions" || !strings.Contains(string(requests[0].Body), `"max_tokens":1`) ||
		requests[0].Header.Get("Authorization") != "Bearer "+approvedKey {
		t.Errorf("recorded chat request %s %s %v, want its path, body and header", requests[0].Path, requests[0].Body, requests[0].Header)
	}
	headers := s.PageHeaders()
	if len(headers) != 2 || headers[0].Get("X-Probe") != "page" || headers[0].Get("Authorization") != "" {
		t.Errorf("page headers %v, want the two page requests' own headers", headers)
	}

	send(t, "POST", url+"/_standin/reset")
	if s.AIRequests() != 0 || s.PageRequests() != 0 || s.PeakInFlight() != 0 || len(s.Requests()) != 0 || len(s.PageHeaders()) != 0 {
		t.Error("reset left counters or records behind")
	}
}

func TestRecordsAreCopies(t *testing.T) {
	s, url := startStandin(t, Options{})
	do(t, aiRequest(t, url, "openai_chat", approvedKey, 1))
	first := s.Requests()
	first[0].Header.Set("Authorization", "changed")
	first[0].Body[0] = 'X'
	if again := s.Requests()[0]; again.Header.Get("Authorization") == "changed" || again.Body[0] == 'X' {
		t.Error("a caller changed the stand-in's record")
	}
}

func TestControlEndpoints(t *testing.T) {
	tests := []struct {
		method, path string
		status       int
		behaviour    Behaviour
		latency      time.Duration
	}{
		// Tests switch behaviours, pages and the ledger with the Server's
		// methods: no endpoint does it for them.
		{"POST", "/_standin/behaviour?set=rate_limited", 404, Normal, 0},
		{"PUT", "/_standin/pages/pricing", 404, Normal, 0},
		{"POST", "/_standin/ledger?estimate=true", 404, Normal, 0},
		{"POST", "/_standin/ledger/rows", 404, Normal, 0},
		{"POST", "/_standin/latency?set=150ms", 204, Normal, 150 * time.Millisecond},
		{"POST", "/_standin/latency?set=-1s", 400, Normal, 0},
		{"POST", "/_standin/latency?set=soon", 400, Normal, 0},
	}
	for _, tt := range tests {
		s, url := startStandin(t, Options{})
		resp := send(t, tt.method, url+tt.path)
		if resp.status != tt.status {
			t.Errorf("%s %s: status %d, want %d", tt.method, tt.path, resp.status, tt.status)
		}
		s.mu.Lock()
		b, l := s.behaviour, s.latency
		s.mu.Unlock()
		if b != tt.behaviour || l != tt.latency {
			t.Errorf("%s %s: behaviour %s latency %v, want %s %v", tt.method, tt.path, b, l, tt.behaviour, tt.latency)
		}
	}
}

func TestPages(t *testing.T) {
	s, url := startStandin(t, Options{})
	s.SetPage("support", http.StatusServiceUnavailable, "down for maintenance")
	tests := []struct {
		name        string
		kind        string
		status      int
		body        string
		contentType string
	}{
		{name: "default page", kind: "pricing", status: 200, body: DefaultPages()["pricing"], contentType: "text/html; charset=utf-8"},
		{name: "SetPage", kind: "support", status: 503, body: "down for maintenance", contentType: "text/plain; charset=utf-8"},
		{name: "unknown kind", kind: "nothing", status: 404, body: "404 page not found\n", contentType: "text/plain; charset=utf-8"},
	}
	for _, tt := range tests {
		resp := send(t, "GET", url+"/pages/"+tt.kind)
		if resp.status != tt.status || string(resp.raw) != tt.body || resp.header.Get("Content-Type") != tt.contentType {
			t.Errorf("%s: %d %s %q, want %d %s %q", tt.name, resp.status, resp.header.Get("Content-Type"), resp.raw, tt.status, tt.contentType, tt.body)
		}
	}
}

var htmlTag = regexp.MustCompile(`<[^>]*>`)

func TestDefaultPagesStateNoPrices(t *testing.T) {
	pages := DefaultPages()
	for _, kind := range []string{"pricing", "support", "allocation", "unit_economics"} {
		body, ok := pages[kind]
		if !ok || !strings.Contains(body, "stand-in") {
			t.Errorf("page %s missing or not marked as a stand-in page", kind)
		}
		if text := htmlTag.ReplaceAllString(body, ""); strings.ContainsAny(text, "$€£0123456789") {
			t.Errorf("page %s states a figure: %s", kind, body)
		}
	}
	if len(pages) != 4 {
		t.Errorf("%d default pages, want 4", len(pages))
	}
}
