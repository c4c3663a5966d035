package probe

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
)

// resender is a layer below the probe that sends every request twice, as an
// HTTP/2 transport or a proxy that retries would: the probe cannot stop it,
// so Attempts must show it.
type resender struct{ next http.RoundTripper }

func (r resender) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	_ = req.Body.Close()
	send := func() (*http.Response, error) {
		again := req.Clone(req.Context())
		again.Body = io.NopCloser(bytes.NewReader(body))
		return r.next.RoundTrip(again)
	}
	first, err := send()
	if err == nil {
		_, _ = io.Copy(io.Discard, first.Body)
		_ = first.Body.Close()
	}
	return send()
}

func TestAttemptsCountsRequestsWritten(t *testing.T) {
	tests := []struct {
		name      string
		transport func(http.RoundTripper) http.RoundTripper
		want      int
	}{
		{"sent once", func(next http.RoundTripper) http.RoundTripper { return next }, 1},
		{"resent below the probe", func(next http.RoundTripper) http.RoundTripper { return resender{next} }, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			hits := map[string]int{}
			srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				hits[keyOf(r)]++
				mu.Unlock()
				_, _ = io.WriteString(w, openAIChatOK)
			})
			client := NewClient(Options{Transport: tt.transport(defaultTransport())})
			got := client.Send(t.Context(), chatRequest(srv.URL), testKey)
			if got.Attempts != tt.want {
				t.Errorf("Attempts = %d, want %d", got.Attempts, tt.want)
			}
			mu.Lock()
			defer mu.Unlock()
			if hits[testKey] != tt.want {
				t.Errorf("server saw %d requests, want %d", hits[testKey], tt.want)
			}
		})
	}
}

// TestBodyHandedOutAgainOnlyBeforeAnyWrite: GetBody, which net/http calls
// for every resend of a request with a body, yields the same body while
// nothing of the path was written and refuses once anything was.
func TestBodyHandedOutAgainOnlyBeforeAnyWrite(t *testing.T) {
	for _, p := range ProtocolNames() {
		t.Run(p, func(t *testing.T) {
			spec := protocols[Protocol(p)]
			var written atomic.Int32
			req, err := spec.newRequest(t.Context(), Request{Endpoint: "https://api.test/v1", Protocol: Protocol(p), Model: "m", Prompt: "ping", MaxOutputTokens: 1}, testKey, &written)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(req.Body)
			if err != nil {
				t.Fatal(err)
			}
			if req.ContentLength != int64(len(body)) || len(body) == 0 {
				t.Errorf("ContentLength %d for a body of %d bytes", req.ContentLength, len(body))
			}
			if req.GetBody == nil {
				t.Fatal("no GetBody: net/http would refuse to send a request that never left the client")
			}
			again, err := req.GetBody()
			if err != nil {
				t.Fatalf("GetBody before any write: %v", err)
			}
			if b, _ := io.ReadAll(again); !bytes.Equal(b, body) {
				t.Errorf("GetBody yields %q, want the body %q", b, body)
			}
			written.Add(1)
			if again, err := req.GetBody(); !errors.Is(err, errNotResent) || again != nil {
				t.Errorf("GetBody after a write = %v, %v; want nil, errNotResent", again, err)
			}
		})
	}
}
