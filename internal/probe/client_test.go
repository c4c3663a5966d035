package probe

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/sanitize"
)

// prompt bounds how long a call that must return promptly may take.
const prompt = 2 * time.Second

func newTestServer(t *testing.T, handler http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	return srv
}

func chatRequest(endpoint string) Request {
	return Request{Endpoint: endpoint, Protocol: OpenAIChat, Model: "gpt-test", Prompt: "ping", MaxOutputTokens: 1}
}

func respond(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// hang holds the request until the client goes away. The body is read first:
// only then does the server notice a closed connection.
func hang(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	select {
	case <-r.Context().Done():
	case <-time.After(10 * time.Second): // never reached unless the client fails to give up
	}
}

// hijack takes the raw connection, writes raw, and closes it.
func hijack(raw string, reset bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil { // shows up as a 500 the test does not expect
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		_, _ = buf.WriteString(raw)
		buf.Flush()
		if tcp, ok := conn.(*net.TCPConn); ok && reset {
			_ = tcp.SetLinger(0) // close with RST instead of FIN
		}
		conn.Close()
	}
}

// refusedEndpoint is a loopback address nothing listens on.
func refusedEndpoint(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

func TestSendCategories(t *testing.T) {
	const short = 100 * time.Millisecond
	tests := []struct {
		name        string
		handler     http.HandlerFunc // nil: nothing listens
		timeout     time.Duration
		want        Category
		wantStatus  int
		wantMessage string
	}{
		{"ok", respond(200, openAIChatOK), 0, CategoryOK, 200, "HTTP 200: OK"},
		{"invalid key", respond(401, openAIInvalidKey), 0, CategoryAuthFailure, 401, "HTTP 401: Incorrect API key provided"},
		{"forbidden", respond(403, `{"error": {"message": "forbidden"}}`), 0, CategoryAuthFailure, 403, "forbidden"},
		{"gemini invalid key", respond(400, geminiInvalidKey), 0, CategoryAuthFailure, 400, "API key not valid"},
		{"rate limited", respond(429, openAIRateLimit), 0, CategoryRateLimited, 429, "Rate limit reached"},
		{"quota exhausted", respond(429, openAIQuota), 0, CategoryQuotaExhausted, 429, "exceeded your current quota"},
		{"payment required", respond(402, gatewayCredits), 0, CategoryQuotaExhausted, 402, "Insufficient credits"},
		{"client error", respond(404, `{"error": {"message": "Invalid URL (POST /v1/chat/completion)"}}`), 0, CategoryClientError, 404, "Invalid URL"},
		{"model unavailable", respond(404, openAIBadModel), 0, CategoryModelUnavailable, 404, "does not exist"},
		{"server error", respond(500, `{"error": {"message": "boom"}}`), 0, CategoryServerError, 500, "HTTP 500: boom"},
		{"HTML success", respond(200, gatewayHTML), 0, CategoryInvalidResponse, 200, "not a JSON object"},
		{"2 MiB body", respond(200, `{"pad": "`+strings.Repeat("a", 2<<20)+`"}`), 0, CategoryInvalidResponse, 200, "larger than 1 MiB"},
		{"server slower than the timeout", hang, short, CategoryTimeout, 0, "no complete response within 100ms"},
		{"body slower than the timeout", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(200)
			_, _ = io.WriteString(w, `{"id": `)
			http.NewResponseController(w).Flush()
			hang(w, r)
		}, short, CategoryTimeout, 200, "no complete response within 100ms"},
		{"connection closed mid-body", hijack("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"id\": \"chatcmpl-", false), 0, CategoryNetworkError, 200, "unexpected EOF"},
		{"connection closed before a response", hijack("", false), 0, CategoryNetworkError, 0, "closed the connection without responding"},
		{"connection reset", hijack("", true), 0, CategoryNetworkError, 0, ""},
		{"connection refused", nil, 0, CategoryNetworkError, 0, "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			endpoint := refusedEndpoint(t)
			if tt.handler != nil {
				endpoint = newTestServer(t, tt.handler).URL
			}
			client := NewClient(Options{Timeout: tt.timeout})
			start := time.Now()
			got := client.Send(t.Context(), chatRequest(endpoint), testKey)
			t.Logf("Send = %+v", got)
			if elapsed := time.Since(start); elapsed > prompt {
				t.Errorf("Send took %s", elapsed)
			}
			wantAttempts := 1
			if tt.handler == nil {
				wantAttempts = 0 // nothing listens: no request reached the wire
			}
			if got.Category != tt.want || got.StatusCode != tt.wantStatus || got.Attempts != wantAttempts {
				t.Errorf("Send = %+v, want category %q, status %d, %d attempts", got, tt.want, tt.wantStatus, wantAttempts)
			}
			if !strings.Contains(got.Message, tt.wantMessage) {
				t.Errorf("message = %q, want it to contain %q", got.Message, tt.wantMessage)
			}
			if got.Category == CategoryTimeout && got.Latency < tt.timeout {
				t.Errorf("latency %s of an attempt cut off by the %s timeout", got.Latency, tt.timeout)
			}
		})
	}
}

func TestSendResultFields(t *testing.T) {
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "req_fields")
		w.Header().Set("Date", "Tue, 01 Dec 2026 10:51:05 GMT")
		_, _ = io.WriteString(w, openAIChatOK)
	})
	client := NewClient(Options{})
	clock := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	client.now = func() time.Time { clock = clock.Add(250 * time.Millisecond); return clock }

	got := client.Send(t.Context(), chatRequest(srv.URL), testKey)
	want := Result{
		Category:   CategoryOK,
		StatusCode: 200,
		Attempts:   1,
		Latency:    250 * time.Millisecond,
		RequestID:  "req_fields",
		Message:    "HTTP 200: OK",
		Model:      "gpt-4.1-2025-04-14",
		Usage:      Usage{Found: true, InputTokens: 8, OutputTokens: 1, TotalTokens: 9},
		SentAt:     time.Date(2025, 1, 2, 3, 4, 5, 250e6, time.UTC),
		ServerDate: time.Date(2026, 12, 1, 10, 51, 5, 0, time.UTC),
		BodyID:     "chatcmpl-test0001",
	}
	if got != want {
		t.Errorf("Send = %+v\nwant   %+v", got, want)
	}
}

func TestSendFailureKeepsRequestedModel(t *testing.T) {
	srv := newTestServer(t, respond(401, anthropicInvalidKey))
	got := NewClient(Options{}).Send(t.Context(), Request{Endpoint: srv.URL, Protocol: AnthropicMessages, Model: "claude-test"}, testKey)
	if got.Model != "claude-test" || got.Usage != (Usage{}) || got.RequestID != "req_test0005" {
		t.Errorf("Send = %+v, want the requested model, no usage, the body's request_id", got)
	}
}

func TestKeyNeverInResult(t *testing.T) {
	// Each server echoes whatever credential it received wherever it can.
	echo := func(status int, shape string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			key := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
			w.Header().Set("X-Request-Id", "req-"+key)
			w.Header().Set("Location", "https://elsewhere.test/?key="+key)
			w.WriteHeader(status)
			fmt.Fprintf(w, shape, key, key, key)
		}
	}
	handlers := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"error message", echo(401, `{"error": {"message": "Incorrect API key provided: %s (%s) %s"}}`)},
		{"success fields", echo(200, `{"id": "%s", "model": "%s", "usage": {"total_tokens": 1}, "note": "%s"}`)},
		{"redirect", echo(302, `%s %s %s`)},
		{"plain text error", echo(500, "upstream rejected key\n%s\n%s %s")},
	}
	keys := []string{testKey, "opaque test credential"}
	for _, h := range handlers {
		for _, key := range keys {
			t.Run(h.name+"/"+key, func(t *testing.T) {
				srv := newTestServer(t, h.handler)
				got := NewClient(Options{}).Send(t.Context(), chatRequest(srv.URL), key)
				if got.Attempts != 1 {
					t.Fatalf("Send = %+v, want one attempt", got)
				}
				if dump := fmt.Sprintf("%#v", got); strings.Contains(dump, key) {
					t.Errorf("key leaked into %s", dump)
				}
			})
		}
	}
}

// TestRedirectNotFollowed: every redirect status is reported, with its
// target, after one request, and the target never hears from the probe.
// 307 and 308 are the ones that would resend the body, key and all.
func TestRedirectNotFollowed(t *testing.T) {
	for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			var targetHits atomic.Int32
			target := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
				targetHits.Add(1)
				_, _ = io.WriteString(w, openAIChatOK)
			})
			redirector := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, target.URL+"/chat/completions", status)
			})

			got := NewClient(Options{}).Send(t.Context(), chatRequest(redirector.URL), testKey)
			if got.Category != CategoryRedirect || got.StatusCode != status || got.Attempts != 1 {
				t.Errorf("Send = %+v, want one redirect attempt", got)
			}
			if !strings.Contains(got.Message, target.URL) {
				t.Errorf("message %q does not name the redirect target", got.Message)
			}
			if n := targetHits.Load(); n != 0 {
				t.Errorf("redirect target contacted %d times", n)
			}
		})
	}
}

func TestSendNotSent(t *testing.T) {
	tests := []struct {
		name        string
		req         Request
		wantMessage string
	}{
		{"unsupported protocol", Request{Endpoint: "http://127.0.0.1:9", Protocol: "soap"}, `unsupported protocol "soap"`},
		{"bad endpoint", Request{Endpoint: "://no-scheme", Protocol: OpenAIChat}, "missing protocol scheme"},
		{"unencodable extra body", Request{Endpoint: "http://127.0.0.1:9", Protocol: OpenAIChat, ExtraBody: map[string]any{"temperature": math.NaN()}}, "encoding request body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := NewClient(Options{}).Send(t.Context(), tt.req, testKey)
			if got.Category != CategoryNetworkError || got.Attempts != 0 || got.StatusCode != 0 {
				t.Errorf("Send = %+v, want network_error with no attempt", got)
			}
			if !strings.Contains(got.Message, "request not sent") || !strings.Contains(got.Message, tt.wantMessage) {
				t.Errorf("message = %q, want %q", got.Message, tt.wantMessage)
			}
		})
	}
}

func TestSendCancelledReturnsPromptly(t *testing.T) {
	arrived := make(chan struct{})
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		hang(w, r)
	})
	ctx, cancel := context.WithCancel(t.Context())
	go func() { <-arrived; cancel() }()

	start := time.Now()
	got := NewClient(Options{Timeout: time.Minute}).Send(ctx, chatRequest(srv.URL), testKey)
	if elapsed := time.Since(start); elapsed > prompt {
		t.Errorf("Send took %s after cancellation", elapsed)
	}
	if got.Category != CategoryTimeout || got.Attempts != 1 || !strings.Contains(got.Message, "cancelled before a response arrived") {
		t.Errorf("Send = %+v, want a cancelled timeout after one attempt", got)
	}
}

func TestNewClientDefaults(t *testing.T) {
	tests := []struct {
		name        string
		opts        Options
		wantTimeout time.Duration
		wantSlots   int
	}{
		{"zero options", Options{}, DefaultTimeout, 1},
		{"negative values", Options{Timeout: -time.Second, MaxConcurrent: -3}, DefaultTimeout, 1},
		{"explicit", Options{Timeout: 5 * time.Second, MaxConcurrent: 4}, 5 * time.Second, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewClient(tt.opts)
			if c.timeout != tt.wantTimeout || cap(c.slots) != tt.wantSlots {
				t.Errorf("timeout %s, slots %d; want %s, %d", c.timeout, cap(c.slots), tt.wantTimeout, tt.wantSlots)
			}
			if c.transport == nil || c.transport == http.DefaultTransport {
				t.Errorf("transport %v, want a private default transport", c.transport)
			}
		})
	}
}

// Every credential, the ledger token included, is scrubbed from every field
// of a Result however the server splits it.
func TestSplitCredentialsNeverInResult(t *testing.T) {
	const ledgerToken = "ledgerTokenFake0123456789ABCDEF"
	split := func(s, sep string) string { return strings.Join(strings.Split(s, ""), sep) }
	for _, sep := range []string{"\u200b", "\x01", "\n", "\ufe0f", "\u3164"} {
		t.Run(fmt.Sprintf("%U", []rune(sep)[0]), func(t *testing.T) {
			srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
				key := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
				hidden, _ := json.Marshal(split(key, sep) + " " + split(ledgerToken, sep))
				if key == testKey {
					fmt.Fprintf(w, `{"id": %s, "model": %s, "usage": {"total_tokens": 1}}`, hidden, hidden)
					return
				}
				w.WriteHeader(http.StatusUnauthorized)
				fmt.Fprintf(w, `{"error": {"message": %s}}`, hidden)
			})
			req := chatRequest(srv.URL)
			req.Credentials = []string{ledgerToken}
			out := NewClient(Options{}).Run(t.Context(), req, testKey, "sk-test-invalid-0123456789")
			if out.HappyPath.Category != CategoryOK || out.ErrorPath.Category != CategoryAuthFailure {
				t.Fatalf("categories %s, %s", out.HappyPath.Category, out.ErrorPath.Category)
			}
			scrub := sanitize.New(testKey, "sk-test-invalid-0123456789", ledgerToken)
			for _, r := range []Result{out.HappyPath, out.ErrorPath} {
				for _, field := range []string{r.Message, r.Model, r.RequestID, r.UpstreamRequestID} {
					if scrub.Leaks(field) {
						t.Errorf("a credential survives in %q", field)
					}
				}
			}
			// A model holding a credential is stored as a digest.
			if !strings.HasPrefix(out.HappyPath.Model, sanitize.DigestPrefix) {
				t.Errorf("model %q, want a digest", out.HappyPath.Model)
			}
		})
	}
}
