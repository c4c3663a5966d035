package probe

import (
	"crypto/tls"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/standin"
)

// wire is one way of reaching the stand-in.
type wire struct {
	name  string
	proto string // what the stand-in records: HTTP/1.1 or HTTP/2.0
	start func(t *testing.T, s *standin.Server) (baseURL string, transport *http.Transport)
}

var wires = []wire{
	{"plain http/1.1", "HTTP/1.1", func(t *testing.T, s *standin.Server) (string, *http.Transport) {
		url, stop := s.Start()
		t.Cleanup(stop)
		return url, nil
	}},
	{"tls http/1.1", "HTTP/1.1", func(t *testing.T, s *standin.Server) (string, *http.Transport) {
		url, transport := startStandinTLS(t, s)
		// A clone of a used http.DefaultTransport carries h2 in its ALPN list.
		transport.TLSClientConfig.NextProtos = []string{"http/1.1"}
		transport.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
		return url, transport
	}},
	{"tls h2", "HTTP/2.0", startStandinTLS},
}

// startStandinTLS serves s over TLS and returns the probe's own transport
// trusting its CA, as the provider builds it from ca_cert_pem.
func startStandinTLS(t *testing.T, s *standin.Server) (string, *http.Transport) {
	t.Helper()
	url, caPEM, stop := s.StartTLS()
	t.Cleanup(stop)
	transport, err := NewTransport(caPEM)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(transport.CloseIdleConnections)
	return url, transport
}

// TestOneRequestPerPathOnTheWire runs the probe against the stand-in over
// every wire and misbehaviour, and counts what the stand-in saw per key.
func TestOneRequestPerPathOnTheWire(t *testing.T) {
	type want struct{ happy, error Category }
	failed := want{CategoryNetworkError, CategoryNetworkError}
	tests := []struct {
		behaviour standin.Behaviour
		want      want
	}{
		{standin.Normal, want{CategoryOK, CategoryAuthFailure}},
		{standin.ServerError, want{CategoryServerError, CategoryServerError}},
		{standin.ConnectionReset, failed},
		{standin.H2RefusedStream, failed},
		{standin.H2ProtocolReset, failed},
		{standin.H2GoAway, failed},
		{standin.HugeHeader, failed},
	}
	for _, w := range wires {
		for _, tt := range tests {
			t.Run(w.name+"/"+string(tt.behaviour), func(t *testing.T) {
				const approved, invalid = "sk-test-approved-wire-0001", "sk-test-invalid-wire-0002"
				s := standin.New(standin.Options{APIKeys: []string{approved}, Behaviour: tt.behaviour})
				url, transport := w.start(t, s)
				opts := Options{Timeout: prompt}
				if transport != nil {
					opts.Transport = transport
				}
				out := NewClient(opts).Run(t.Context(), chatRequest(url+"/v1"), approved, invalid)
				t.Logf("happy %+v\nerror %+v", out.HappyPath, out.ErrorPath)
				if out.HappyPath.Category != tt.want.happy || out.ErrorPath.Category != tt.want.error {
					t.Errorf("categories %s, %s; want %s, %s", out.HappyPath.Category, out.ErrorPath.Category, tt.want.happy, tt.want.error)
				}
				for _, path := range []struct {
					name string
					key  string
					r    Result
				}{{"happy", approved, out.HappyPath}, {"error", invalid, out.ErrorPath}} {
					if n := s.RequestsWithKey(path.key); n != 1 || path.r.Attempts != 1 {
						t.Errorf("%s path: the stand-in saw %d requests, Attempts = %d; want 1 and 1", path.name, n, path.r.Attempts)
					}
				}
				for _, r := range s.Requests() {
					if r.Proto != w.proto {
						t.Errorf("a request went over %s, want %s", r.Proto, w.proto)
					}
				}
			})
		}
	}
}

// TestHugeHeaderDoesNotGrowMemory: an 8 MiB response header costs the probe
// what it reads of it, MaxHeaderBytes, not the header.
func TestHugeHeaderDoesNotGrowMemory(t *testing.T) {
	s := standin.New(standin.Options{Behaviour: standin.HugeHeader})
	url, stop := s.Start()
	t.Cleanup(stop)
	client := NewClient(Options{Timeout: prompt})
	send := func() Result { return client.Send(t.Context(), chatRequest(url+"/v1"), testKey) }
	send() // warms up the connection pool and the stand-in's padding
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	got := send()
	runtime.ReadMemStats(&after)
	if got.Category != CategoryNetworkError || !strings.Contains(got.Message, "headers exceeded") {
		t.Errorf("Send = %+v, want a network_error naming the header limit", got)
	}
	const budget = 2 << 20 // the header limit and the stand-in's own buffers, with room
	if allocated := after.TotalAlloc - before.TotalAlloc; allocated > budget {
		t.Errorf("an 8 MiB header cost %d bytes of allocation, want at most %d", allocated, budget)
	}
}
