package sources

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const pageBody = "pricing page v1"

var (
	fakeNow       = time.Date(2026, 3, 4, 5, 6, 7, 890_000_000, time.FixedZone("CET", 3600))
	wantCheckedAt = time.Date(2026, 3, 4, 4, 6, 7, 0, time.UTC)
)

func fakeClock() time.Time { return fakeNow }

func digestOf(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// blockUntilDone holds a handler until the client gives up or the test ends.
func blockUntilDone(r *http.Request, testDone <-chan struct{}) {
	select {
	case <-r.Context().Done():
	case <-testDone:
	}
}

// startServer serves the pages the fetch table refers to. It listens on 127.0.0.1 only.
func startServer(t *testing.T) *httptest.Server {
	t.Helper()
	testDone := make(chan struct{})
	limitBody := bytes.Repeat([]byte("a"), maxBodyBytes)
	bigBody := bytes.Repeat([]byte("b"), 6<<20)
	mux := http.NewServeMux()
	mux.HandleFunc("/page", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(pageBody))
	})
	mux.HandleFunc("/missing", http.NotFound)
	mux.HandleFunc("/broken", func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	})
	mux.HandleFunc("/redirect/{n}", func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(r.PathValue("n"))
		if err != nil || n <= 0 {
			_, _ = w.Write([]byte(pageBody))
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/redirect/%d", n-1), http.StatusFound)
	})
	mux.HandleFunc("/to-ftp", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "ftp://127.0.0.1/pricing", http.StatusFound)
	})
	mux.HandleFunc("/to-userinfo", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://user:sk-test-fake@"+r.Host+"/page", http.StatusFound)
	})
	mux.HandleFunc("/at-limit", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write(limitBody)
	})
	mux.HandleFunc("/big-declared", func(w http.ResponseWriter, r *http.Request) {
		// Only the header is sent: a declared length over the limit must be refused
		// without waiting for the body.
		w.Header().Set("Content-Length", strconv.Itoa(len(bigBody)))
		_ = http.NewResponseController(w).Flush()
		blockUntilDone(r, testDone)
	})
	mux.HandleFunc("/big-streamed", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write(bigBody)
	})
	mux.HandleFunc("/slow-headers", func(_ http.ResponseWriter, r *http.Request) {
		blockUntilDone(r, testDone)
	})
	mux.HandleFunc("/slow-body", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("partial"))
		_ = http.NewResponseController(w).Flush()
		blockUntilDone(r, testDone)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(testDone) }) // runs first, releasing blocked handlers
	return srv
}

func TestFetchOnePage(t *testing.T) {
	srv := startServer(t)
	const quick = 100 * time.Millisecond
	tests := []struct {
		name        string
		path        string
		timeout     time.Duration
		wantResult  Result
		wantStatus  int
		wantDigest  string
		wantMessage string
	}{
		{name: "pass with digest", path: "/page", wantResult: Pass, wantStatus: 200, wantDigest: digestOf([]byte(pageBody))},
		{name: "404", path: "/missing", wantResult: Fail, wantStatus: 404, wantMessage: "HTTP 404"},
		{name: "500", path: "/broken", wantResult: Fail, wantStatus: 500, wantMessage: "HTTP 500"},
		{name: "5 redirects followed", path: "/redirect/5", wantResult: Pass, wantStatus: 200, wantDigest: digestOf([]byte(pageBody))},
		{name: "6th redirect refused", path: "/redirect/6", wantResult: Fail, wantStatus: 302, wantMessage: "too many redirects"},
		{name: "redirect to ftp refused", path: "/to-ftp", wantResult: Fail, wantStatus: 302, wantMessage: errUnsupportedScheme.Error()},
		{name: "redirect with user info refused", path: "/to-userinfo", wantResult: Fail, wantStatus: 302, wantMessage: errCredentialsInURL.Error()},
		{name: "body of exactly 5 MiB", path: "/at-limit", wantResult: Pass, wantStatus: 200, wantDigest: digestOf(bytes.Repeat([]byte("a"), maxBodyBytes))},
		{name: "6 MiB declared, refused before the body", path: "/big-declared", wantResult: Fail, wantStatus: 200, wantMessage: "body larger than 5 MiB"},
		{name: "6 MiB streamed", path: "/big-streamed", wantResult: Fail, wantStatus: 200, wantMessage: "body larger than 5 MiB"},
		{name: "no headers in time", path: "/slow-headers", timeout: quick, wantResult: Fail, wantMessage: "timeout"},
		{name: "body not finished in time", path: "/slow-body", timeout: quick, wantResult: Fail, wantStatus: 200, wantMessage: "timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			timeout := tt.timeout
			if timeout == 0 {
				timeout = 5 * time.Second
			}
			f := NewFetcher(Options{Now: fakeClock, Timeout: timeout})
			url := srv.URL + tt.path
			start := time.Now()
			pages := f.Fetch(t.Context(), map[string]string{"pricing": url}, nil)
			if elapsed := time.Since(start); tt.timeout != 0 && elapsed > 20*tt.timeout {
				t.Errorf("took %v with a %v timeout", elapsed, tt.timeout)
			}
			want := Page{
				Kind: "pricing", URL: url, Result: tt.wantResult, StatusCode: tt.wantStatus,
				CheckedAt: wantCheckedAt, SHA256: tt.wantDigest, Message: tt.wantMessage,
			}
			if len(pages) != 1 || pages[0] != want {
				t.Errorf("Fetch() = %#v\nwant %#v", pages, want)
			}
		})
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

func TestFetchFailuresWithoutResponse(t *testing.T) {
	tests := []struct {
		name         string
		url          string
		transportErr error
		wantCalls    int32
		wantMessage  string
	}{
		{name: "transport error, without the URL prefix", url: "https://example.test/p", transportErr: errors.New("connection refused"), wantCalls: 1, wantMessage: "connection refused"},
		{name: "transport timeout", url: "https://example.test/p", transportErr: timeoutError{}, wantCalls: 1, wantMessage: "timeout"},
		// What a server sent can reach the reason: it goes through the sanitiser.
		{name: "escapes and a key shape in the reason", url: "https://example.test/p", transportErr: errors.New("bad\x1b[2K\nstatus \u200bsk-ant-api03-fakefakefake"), wantCalls: 1, wantMessage: "bad[2K status [redacted]"},
		{name: "long reason cut", url: "https://example.test/p", transportErr: errors.New(strings.Repeat("x", 400)), wantCalls: 1, wantMessage: strings.Repeat("x", 299) + "…"},
		{name: "user info never sent", url: "https://user:sk-test-fake@example.test/p", wantMessage: errCredentialsInURL.Error()},
		{name: "file scheme", url: "file:///etc/passwd", wantMessage: errUnsupportedScheme.Error()},
		{name: "relative URL", url: "/pricing", wantMessage: errUnsupportedScheme.Error()},
		{name: "no host", url: "https:///pricing", wantMessage: errInvalidURL.Error()},
		{name: "unparsable", url: "https://exa mple.test/%zz", wantMessage: errInvalidURL.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			transport := roundTripFunc(func(*http.Request) (*http.Response, error) {
				calls.Add(1)
				return nil, tt.transportErr
			})
			f := NewFetcher(Options{Transport: transport, Now: fakeClock})
			pages := f.Fetch(t.Context(), map[string]string{"support": tt.url}, nil)
			want := Page{Kind: "support", URL: tt.url, Result: Fail, CheckedAt: wantCheckedAt, Message: tt.wantMessage}
			if len(pages) != 1 || pages[0] != want {
				t.Errorf("Fetch() = %#v\nwant %#v", pages, want)
			}
			if got := calls.Load(); got != tt.wantCalls {
				t.Errorf("transport called %d times, want %d", got, tt.wantCalls)
			}
		})
	}
}

func TestFetchSortsByKind(t *testing.T) {
	srv := startServer(t)
	urls := map[string]string{
		"unit_economics": srv.URL + "/page",
		"allocation":     srv.URL + "/missing",
		"support":        srv.URL + "/redirect/1",
		"pricing":        srv.URL + "/page",
	}
	pages := NewFetcher(Options{Now: fakeClock}).Fetch(t.Context(), urls, nil)
	wantKinds := []string{"allocation", "pricing", "support", "unit_economics"}
	if len(pages) != len(wantKinds) {
		t.Fatalf("got %d pages, want %d", len(pages), len(wantKinds))
	}
	for i, kind := range wantKinds {
		if pages[i].Kind != kind || pages[i].URL != urls[kind] {
			t.Errorf("pages[%d] = %s %s, want %s %s", i, pages[i].Kind, pages[i].URL, kind, urls[kind])
		}
	}
}

func TestFetchSendsNoCredentials(t *testing.T) {
	var mu sync.Mutex
	var seen []http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Clone())
		mu.Unlock()
		if r.URL.Path == "/start" {
			// A cookie offered on the way must not come back on the next hop.
			http.SetCookie(w, &http.Cookie{Name: "session", Value: "fake-session"})
			http.Redirect(w, r, "/final", http.StatusFound)
			return
		}
		_, _ = w.Write([]byte(pageBody))
	}))
	t.Cleanup(srv.Close)

	pages := NewFetcher(Options{}).Fetch(t.Context(), map[string]string{"pricing": srv.URL + "/start"}, nil)
	if len(pages) != 1 || pages[0].Result != Pass {
		t.Fatalf("Fetch() = %#v, want one passing page", pages)
	}
	if len(seen) != 2 {
		t.Fatalf("server saw %d requests, want 2 (start and final)", len(seen))
	}
	for i, header := range seen {
		for _, name := range []string{"Authorization", "Cookie", "X-Api-Key", "X-Goog-Api-Key", "Proxy-Authorization"} {
			if value := header.Get(name); value != "" {
				t.Errorf("request %d carried %s: %q", i, name, value)
			}
		}
		if got := header.Get("User-Agent"); got != userAgent {
			t.Errorf("request %d User-Agent = %q, want %q", i, got, userAgent)
		}
		if got := header.Get("Accept"); got != acceptHeader {
			t.Errorf("request %d Accept = %q, want %q", i, got, acceptHeader)
		}
	}
}

// concurrencyServer counts requests in flight; each waits for release.
type concurrencyServer struct {
	*httptest.Server
	inFlight, peak, total atomic.Int32
	arrived               chan struct{}
	release               chan struct{}
}

func startConcurrencyServer(t *testing.T, capacity int) *concurrencyServer {
	t.Helper()
	s := &concurrencyServer{arrived: make(chan struct{}, capacity), release: make(chan struct{})}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.total.Add(1)
		n := s.inFlight.Add(1)
		defer s.inFlight.Add(-1)
		for old := s.peak.Load(); n > old && !s.peak.CompareAndSwap(old, n); old = s.peak.Load() {
		}
		s.arrived <- struct{}{}
		select {
		case <-s.release:
			_, _ = w.Write([]byte(pageBody))
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(s.Close)
	return s
}

// waitArrivals waits for n requests to reach the server.
func (s *concurrencyServer) waitArrivals(t *testing.T, n int) {
	t.Helper()
	for range n {
		select {
		case <-s.arrived:
		case <-time.After(5 * time.Second):
			t.Fatalf("only some of %d requests arrived", n)
		}
	}
}

func kindURLs(n int, url string) map[string]string {
	urls := make(map[string]string, n)
	for i := range n {
		urls[fmt.Sprintf("kind%02d", i)] = url
	}
	return urls
}

func TestFetchBoundsConcurrency(t *testing.T) {
	const pageCount = 10
	tests := []struct {
		maxConcurrent int
		wantPeak      int
	}{
		{maxConcurrent: 1, wantPeak: 1},
		{maxConcurrent: 3, wantPeak: 3},
		{maxConcurrent: 0, wantPeak: defaultMaxConcurrent},
		{maxConcurrent: 20, wantPeak: pageCount},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("max %d", tt.maxConcurrent), func(t *testing.T) {
			srv := startConcurrencyServer(t, pageCount)
			f := NewFetcher(Options{MaxConcurrent: tt.maxConcurrent})
			done := make(chan []Page)
			go func() { done <- f.Fetch(t.Context(), kindURLs(pageCount, srv.URL), nil) }()

			srv.waitArrivals(t, tt.wantPeak)
			select {
			case <-srv.arrived:
				t.Errorf("a request beyond the bound of %d arrived", tt.wantPeak)
			case <-time.After(50 * time.Millisecond):
			}
			close(srv.release)
			pages := <-done

			if got := srv.peak.Load(); int(got) != tt.wantPeak {
				t.Errorf("peak in flight = %d, want %d", got, tt.wantPeak)
			}
			for _, page := range pages {
				if page.Result != Pass {
					t.Errorf("%s: %s %q", page.Kind, page.Result, page.Message)
				}
			}
		})
	}
}

func TestFetchHonoursCancellation(t *testing.T) {
	const pageCount, maxConcurrent = 6, 2
	srv := startConcurrencyServer(t, pageCount)
	f := NewFetcher(Options{MaxConcurrent: maxConcurrent, Timeout: time.Minute, Now: fakeClock})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan []Page)
	go func() { done <- f.Fetch(ctx, kindURLs(pageCount, srv.URL), nil) }()

	srv.waitArrivals(t, maxConcurrent)
	cancel()
	var pages []Page
	select {
	case pages = <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Fetch did not return after cancellation")
	}
	if len(pages) != pageCount {
		t.Fatalf("got %d pages, want %d", len(pages), pageCount)
	}
	for _, page := range pages {
		if page.Result != Fail || page.Message != "canceled" || page.SHA256 != "" {
			t.Errorf("%s = %#v, want a canceled failure", page.Kind, page)
		}
	}
	if got := srv.total.Load(); got != maxConcurrent {
		t.Errorf("server saw %d requests, want only the %d in flight before cancel", got, maxConcurrent)
	}
}

func TestFetchAfterCancelSendsNothing(t *testing.T) {
	var calls atomic.Int32
	transport := roundTripFunc(func(*http.Request) (*http.Response, error) {
		calls.Add(1)
		return nil, errors.New("unexpected request")
	})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	pages := NewFetcher(Options{Transport: transport, Now: fakeClock}).Fetch(ctx, kindURLs(3, "https://example.test/p"), nil)
	for _, page := range pages {
		if page.Result != Fail || page.Message != "canceled" {
			t.Errorf("%s = %#v, want a canceled failure", page.Kind, page)
		}
	}
	if got := calls.Load(); got != 0 {
		t.Errorf("transport called %d times after cancel, want 0", got)
	}
}

func TestCheckRedirect(t *testing.T) {
	hops := func(n int) []*http.Request { return make([]*http.Request, n) }
	tests := []struct {
		name    string
		target  string
		via     int
		wantErr error
	}{
		{name: "5th redirect", target: "https://example.test/next", via: 5},
		{name: "6th redirect", target: "https://example.test/next", via: 6, wantErr: errTooManyRedirects},
		{name: "to ftp", target: "ftp://example.test/next", via: 1, wantErr: errUnsupportedScheme},
		{name: "to user info", target: "https://user:sk-test-fake@example.test/next", via: 1, wantErr: errCredentialsInURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, tt.target, nil)
			req.Header.Set("Authorization", "Bearer sk-test-fake")
			if err := checkRedirect(req, hops(tt.via)); !errors.Is(err, tt.wantErr) {
				t.Errorf("checkRedirect() = %v, want %v", err, tt.wantErr)
			}
			if got := req.Header.Get("Authorization"); got != "" {
				t.Errorf("Authorization forwarded on redirect: %q", got)
			}
		})
	}
}
