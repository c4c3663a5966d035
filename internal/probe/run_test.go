package probe

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/sanitize"
)

// keyOf is the credential a request carried.
func keyOf(r *http.Request) string {
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
}

func TestRunClassifiesBothPaths(t *testing.T) {
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		if keyOf(r) != testKey {
			respond(401, openAIInvalidKey)(w, r)
			return
		}
		_, _ = io.WriteString(w, openAIChatOK)
	})
	out := NewClient(Options{}).Run(t.Context(), chatRequest(srv.URL), testKey, testInvalidKey)
	if out.HappyPath.Category != CategoryOK || out.ErrorPath.Category != CategoryAuthFailure {
		t.Errorf("Run = %+v, want ok and auth_failure", out)
	}
}

func TestRunOneAttemptPerPath(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"success", respond(200, openAIChatOK)},
		{"auth failure", respond(401, openAIInvalidKey)},
		{"rate limited", respond(429, openAIRateLimit)},
		{"server error", respond(500, `{"error": {"message": "boom"}}`)},
		{"service unavailable", respond(503, "")},
		{"connection closed", hijack("", false)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			hits := map[string]int{}
			srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				hits[keyOf(r)]++
				mu.Unlock()
				tt.handler(w, r)
			})
			out := NewClient(Options{}).Run(t.Context(), chatRequest(srv.URL), testKey, testInvalidKey)
			if out.HappyPath.Attempts != 1 || out.ErrorPath.Attempts != 1 {
				t.Errorf("attempts = %d, %d; want 1, 1", out.HappyPath.Attempts, out.ErrorPath.Attempts)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(hits) != 2 || hits[testKey] != 1 || hits[testInvalidKey] != 1 {
				t.Errorf("server saw %v, want one request per key", hits)
			}
		})
	}
}

func TestRunSendsBothPathsConcurrently(t *testing.T) {
	// The server answers only once both paths are in flight, so paths sent one
	// after the other would time out.
	var mu sync.Mutex
	arrived := 0
	both := make(chan struct{})
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if arrived++; arrived == 2 {
			close(both)
		}
		mu.Unlock()
		select {
		case <-both:
			_, _ = io.WriteString(w, openAIChatOK)
		case <-r.Context().Done():
		}
	})
	out := NewClient(Options{Timeout: prompt}).Run(t.Context(), chatRequest(srv.URL), testKey, testInvalidKey)
	if out.HappyPath.Category != CategoryOK || out.ErrorPath.Category != CategoryOK {
		t.Errorf("Run = %+v, want both paths answered", out)
	}
}

// gatedServer counts requests in flight and holds each until its client leaves.
type gatedServer struct {
	mu             sync.Mutex
	inFlight, peak int
	total          int
	arrivals       chan struct{}
	*httptest.Server
}

func newGatedServer(t *testing.T) *gatedServer {
	g := &gatedServer{arrivals: make(chan struct{}, 64)}
	g.Server = newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		g.total++
		g.inFlight++
		g.peak = max(g.peak, g.inFlight)
		g.mu.Unlock()
		g.arrivals <- struct{}{}
		hang(w, r)
		g.mu.Lock()
		g.inFlight--
		g.mu.Unlock()
	})
	return g
}

// awaitArrivals waits until n more requests have reached the server.
func (g *gatedServer) awaitArrivals(t *testing.T, n int) {
	t.Helper()
	for range n {
		select {
		case <-g.arrivals:
		case <-time.After(5 * time.Second):
			t.Fatalf("fewer than %d requests arrived", n)
		}
	}
}

func TestRunLimitsSmokeTestsInFlight(t *testing.T) {
	// Six smoke tests share two slots: once two are in flight (four requests)
	// the test cancels everything. With the limit, the other four never send;
	// without it, all six would have sent.
	const maxConcurrent, runs = 2, 6
	srv := newGatedServer(t)
	client := NewClient(Options{MaxConcurrent: maxConcurrent, Timeout: time.Minute})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()

	outcomes := make(chan Outcome, runs)
	for range runs {
		go func() { outcomes <- client.Run(ctx, chatRequest(srv.URL), testKey, testInvalidKey) }()
	}
	srv.awaitArrivals(t, 2*maxConcurrent)
	cancel()

	sent, waited := 0, 0
	for range runs {
		out := <-outcomes
		switch {
		case out.HappyPath.Attempts == 1 && out.ErrorPath.Attempts == 1:
			sent++
		case out.HappyPath.Attempts == 0 && out.ErrorPath.Attempts == 0:
			waited++
		default:
			t.Errorf("paths of one Run disagree: %+v", out)
		}
	}
	if sent != maxConcurrent || waited != runs-maxConcurrent {
		t.Errorf("%d runs sent and %d waited; want %d and %d", sent, waited, maxConcurrent, runs-maxConcurrent)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.total != 2*maxConcurrent || srv.peak != 2*maxConcurrent {
		t.Errorf("server saw %d requests, peak %d in flight; want %d and %d", srv.total, srv.peak, 2*maxConcurrent, 2*maxConcurrent)
	}
}

func TestRunReleasesSlots(t *testing.T) {
	srv := newTestServer(t, respond(200, openAIChatOK))
	client := NewClient(Options{MaxConcurrent: 1})
	for i := range 3 {
		ctx, cancel := context.WithTimeout(t.Context(), prompt)
		out := client.Run(ctx, chatRequest(srv.URL), testKey, testInvalidKey)
		cancel()
		if out.HappyPath.Category != CategoryOK || out.ErrorPath.Category != CategoryOK {
			t.Fatalf("run %d = %+v, want ok: a slot was not released", i, out)
		}
	}
}

func TestRunCancelledBeforeSending(t *testing.T) {
	tests := []struct {
		name string
		// occupy starts whatever must happen before the Run under test; it returns the context to run it with.
		occupy func(t *testing.T, client *Client, srv *gatedServer) context.Context
	}{
		{"context already done", func(t *testing.T, _ *Client, _ *gatedServer) context.Context {
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			return ctx
		}},
		{"cancelled while waiting for a slot", func(t *testing.T, client *Client, srv *gatedServer) context.Context {
			holder, release := context.WithCancel(t.Context())
			t.Cleanup(release)
			go client.Run(holder, chatRequest(srv.URL), testKey, testInvalidKey)
			srv.awaitArrivals(t, 2) // the only slot is taken
			ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
			t.Cleanup(cancel)
			return ctx
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newGatedServer(t)
			client := NewClient(Options{MaxConcurrent: 1, Timeout: time.Minute})
			ctx := tt.occupy(t, client, srv)
			srv.mu.Lock()
			before := srv.total
			srv.mu.Unlock()

			start := time.Now()
			out := client.Run(ctx, chatRequest(srv.URL), testKey, testInvalidKey)
			if elapsed := time.Since(start); elapsed > prompt {
				t.Errorf("Run took %s", elapsed)
			}
			for _, r := range []Result{out.HappyPath, out.ErrorPath} {
				if r.Category != CategoryTimeout || r.Attempts != 0 || !strings.Contains(r.Message, "cancelled before sending") {
					t.Errorf("path = %+v, want timeout with no attempt", r)
				}
			}
			srv.mu.Lock()
			defer srv.mu.Unlock()
			if srv.total != before {
				t.Errorf("server saw %d new requests, want none", srv.total-before)
			}
		})
	}
}

// TestRunScrubsBothKeysFromBothPaths: a server may echo either key in either
// path's answer, as sent or trimmed; no field of either path keeps it.
func TestRunScrubsBothKeysFromBothPaths(t *testing.T) {
	// Opaque keys: no key shape catches them, only the scrub of both keys.
	const approved, invalid = " opaque approved credential ", "opaque invalid credential"
	echoBoth := strings.TrimSpace(approved) + " " + invalid
	tests := []struct {
		name   string
		status int
		body   string
	}{
		{"success", 200, `{"id": "%s", "model": "%s", "usage": {"total_tokens": 1}}`},
		{"refusal", 401, `{"error": {"message": "Incorrect API key provided: %s (%s)"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Oneapi-Request-Id", echoBoth)
				w.Header().Set("X-Request-Id", echoBoth)
				w.WriteHeader(tt.status)
				fmt.Fprintf(w, tt.body, echoBoth, echoBoth)
			})
			out := NewClient(Options{}).Run(t.Context(), chatRequest(srv.URL), approved, invalid)
			dump := fmt.Sprintf("%#v", out)
			for _, secret := range []string{approved, strings.TrimSpace(approved), invalid} {
				if strings.Contains(dump, secret) {
					t.Errorf("%q leaked into %s", secret, dump)
				}
			}
			if out.HappyPath.RequestID != sanitize.Digest(echoBoth) || out.ErrorPath.UpstreamRequestID != sanitize.Digest(echoBoth) {
				t.Errorf("ids %q, %q: want the echo's digest", out.HappyPath.RequestID, out.ErrorPath.UpstreamRequestID)
			}
		})
	}
}
