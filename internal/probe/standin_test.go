package probe

import (
	"cmp"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"reflect"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/sanitize"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/sanitize/leakcheck"
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

// gatewayIDShape is a gateway's request id: one-api's 31 digits, new-api's
// 23 digits then 8 letters and digits.
var gatewayIDShape = regexp.MustCompile(`^([0-9]{31}|[0-9]{23}[A-Za-z0-9]{8})$`)

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

// TestAgainstGateways runs the probe against the stand-in answering as each
// gateway, with the keys a gateway user has, and checks what is recorded
// against what the gateway sent and saw.
func TestAgainstGateways(t *testing.T) {
	const approved = "sk-test-gatewaytoken0123456789abcdef0123456789ab"
	pinned := approved + "-1" // the token pinned to channel 1
	tests := []struct {
		name      string
		behaviour standin.Behaviour
		key       string
		happy     Category
		upstream  bool // the success passed the vendor's id through
	}{
		{"normal", standin.Normal, approved, CategoryOK, true},
		{"channel-pinned key", standin.Normal, pinned, CategoryOK, true},
		{"token disabled", standin.GatewayTokenDisabled, approved, CategoryAuthFailure, false},
		{"token expired", standin.GatewayTokenExpired, approved, CategoryAuthFailure, false},
		{"token quota", standin.GatewayTokenQuota, approved, CategoryQuotaExhausted, false},
		{"user quota", standin.GatewayUserQuota, approved, CategoryQuotaExhausted, false},
		{"model denied", standin.GatewayModelDenied, approved, CategoryModelUnavailable, false},
		{"no channel", standin.GatewayNoChannel, approved, CategoryModelUnavailable, false},
		{"no price", standin.GatewayNoPrice, approved, CategoryModelUnavailable, false},
		{"upstream rate limit", standin.RateLimited, approved, CategoryRateLimited, false},
		{"upstream error", standin.ServerError, approved, CategoryServerError, false},
	}
	for _, g := range []standin.Gateway{standin.GatewayOneAPI, standin.GatewayNewAPI} {
		for _, tt := range tests {
			t.Run(string(g)+"/"+tt.name, func(t *testing.T) {
				s := standin.New(standin.Options{Gateway: g, APIKeys: []string{approved}, Behaviour: tt.behaviour})
				url, stop := s.Start()
				t.Cleanup(stop)
				invalid := InvalidKeyFor(tt.key)
				out := NewClient(Options{Timeout: prompt}).Run(t.Context(), chatRequest(url+"/v1"), tt.key, invalid)
				t.Logf("happy %+v\nerror %+v", out.HappyPath, out.ErrorPath)
				if out.HappyPath.Category != tt.happy || out.ErrorPath.Category != CategoryAuthFailure {
					t.Errorf("categories %s, %s; want %s, auth_failure", out.HappyPath.Category, out.ErrorPath.Category, tt.happy)
				}
				for _, path := range []struct {
					name string
					key  string
					r    Result
				}{{"happy", tt.key, out.HappyPath}, {"error", invalid, out.ErrorPath}} {
					if n := s.RequestsWithKey(path.key); n != 1 || path.r.Attempts != 1 {
						t.Errorf("%s path: the stand-in saw %d requests, Attempts = %d; want 1 and 1", path.name, n, path.r.Attempts)
					}
					if !gatewayIDShape.MatchString(path.r.RequestID) {
						t.Errorf("%s path: request id %q, want the gateway's", path.name, path.r.RequestID)
					}
				}
				if got := out.HappyPath.UpstreamRequestID != ""; got != tt.upstream {
					t.Errorf("upstream request id %q, want one = %v", out.HappyPath.UpstreamRequestID, tt.upstream)
				}
				rows := s.LedgerRows()
				if tt.happy == CategoryOK && (len(rows) != 1 || rows[0].RequestID != out.HappyPath.RequestID) {
					t.Errorf("ledger rows %+v, want one under the happy path's request id %s", rows, out.HappyPath.RequestID)
				}
				if tt.happy != CategoryOK && len(rows) != 0 {
					t.Errorf("ledger rows %+v, want none", rows)
				}
			})
		}
	}
}

// TestEchoedKeysAreScrubbed: a server that echoes the approved key in the
// error path's answer, or the key it received trimmed, gets neither key
// into any field of either path.
func TestEchoedKeysAreScrubbed(t *testing.T) {
	// Opaque keys: only the scrub of both keys, as sent and trimmed, catches them.
	const approved, invalid = "opaque-approved-credential ", "opaque-invalid-credential"
	for _, b := range []standin.Behaviour{standin.EchoApprovedKey, standin.EchoTrimmedKey, standin.EchoKey} {
		for _, g := range []standin.Gateway{standin.GatewayNone, standin.GatewayNewAPI} {
			t.Run(string(b)+"/"+string(g), func(t *testing.T) {
				s := standin.New(standin.Options{Gateway: g, APIKeys: []string{strings.TrimSpace(approved)}, Behaviour: b})
				url, stop := s.Start()
				t.Cleanup(stop)
				out := NewClient(Options{Timeout: prompt}).Run(t.Context(), chatRequest(url+"/v1"), approved, invalid)
				dump := fmt.Sprintf("%#v", out)
				for _, secret := range []string{approved, strings.TrimSpace(approved), invalid} {
					if strings.Contains(dump, secret) {
						t.Errorf("%q leaked into %s", secret, dump)
					}
				}
				if s.RequestsWithKey(strings.TrimSpace(approved)) != 1 || s.RequestsWithKey(invalid) != 1 {
					t.Errorf("the stand-in saw %d and %d requests, want 1 per key", s.RequestsWithKey(strings.TrimSpace(approved)), s.RequestsWithKey(invalid))
				}
			})
		}
	}
}

// TestInvalidKeyNeverAuthenticatesAtAGateway: a gateway reads sk-<token>-<n>
// as the token pinned to channel n, so an invalid key that kept the token
// would be accepted (and billed) or refused as a bad channel. Each draw of
// InvalidKeyFor must be refused as an unknown token; many draws make a rule
// that leaks now and then show.
func TestInvalidKeyNeverAuthenticatesAtAGateway(t *testing.T) {
	const approved = "sk-test-gatewaytoken0123456789abcdef0123456789ab"
	s := standin.New(standin.Options{Gateway: standin.GatewayOneAPI, APIKeys: []string{approved}})
	url, stop := s.Start()
	t.Cleanup(stop)
	client := NewClient(Options{Timeout: prompt})
	for range 100 {
		invalid := InvalidKeyFor(approved + "-1")
		got := client.Send(t.Context(), chatRequest(url+"/v1"), invalid, approved)
		if got.Category != CategoryAuthFailure || !strings.Contains(got.Message, "无效的令牌") {
			t.Fatalf("invalid key answered %+v, want the gateway's 无效的令牌", got)
		}
	}
	if rows := s.LedgerRows(); len(rows) != 0 {
		t.Errorf("invalid keys were billed: %+v", rows)
	}
}

// TestTimeoutAndCancellationOverEveryWire: a slow answer is cut off by the
// per-request timeout or by cancellation, over HTTP/1.1 and HTTP/2, after
// exactly one request.
func TestTimeoutAndCancellationOverEveryWire(t *testing.T) {
	const short = 200 * time.Millisecond
	for _, w := range wires {
		for _, cancelled := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/cancelled=%v", w.name, cancelled), func(t *testing.T) {
				s := standin.New(standin.Options{Latency: time.Minute})
				url, transport := w.start(t, s)
				opts := Options{Timeout: short}
				if cancelled {
					opts.Timeout = time.Minute
				}
				if transport != nil {
					opts.Transport = transport
				}
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				if cancelled {
					time.AfterFunc(short, cancel)
				}
				start := time.Now()
				got := NewClient(opts).Send(ctx, chatRequest(url+"/v1"), testKey)
				if elapsed := time.Since(start); elapsed > prompt {
					t.Errorf("Send took %s", elapsed)
				}
				if got.Category != CategoryTimeout || got.Attempts != 1 || s.RequestsWithKey(testKey) != 1 {
					t.Errorf("Send = %+v, stand-in saw %d; want one timed-out request", got, s.RequestsWithKey(testKey))
				}
			})
		}
	}
}

// TestGoAwayFleetEachPathOnce: a fleet of checks shares an HTTP/2
// connection, and a GOAWAY answering its first stream strands the requests
// the client had opened streams for but not yet written: they never reached
// the wire, so each is sent, once, on a fresh connection, and every path of
// every check is still exactly one request the server saw. The client's
// uplink is slow, so that the fleet's streams wait for the connection's
// writer while the GOAWAY comes in, as they do on any busy client.
func TestGoAwayFleetEachPathOnce(t *testing.T) {
	const checks = 8
	approved := make([]string, checks)
	invalid := make([]string, checks)
	for i := range checks {
		approved[i] = fmt.Sprintf("sk-test-fleet-approved-%04d", i)
		invalid[i] = fmt.Sprintf("sk-test-fleet-invalid-%04d", i)
	}
	s := standin.New(standin.Options{APIKeys: approved})
	url, transport := startStandinTLS(t, s)
	slowUplink(transport, 2*time.Millisecond)
	// A stranded request's fresh connection is sent a GOAWAY too, and Go's
	// transport waits a second, then two, before it tries once more: on a
	// loaded machine that can take longer than the other tests' timeout.
	client := NewClient(Options{Timeout: 15 * time.Second, Transport: transport, MaxConcurrent: checks})
	// One request answered first, so that the fleet finds one connection
	// open instead of dialling one each.
	if warm := client.Send(t.Context(), chatRequest(url+"/v1"), approved[0]); warm.Category != CategoryOK {
		t.Fatalf("warm-up request: %+v", warm)
	}
	s.SetBehaviour(standin.H2GoAway)
	s.ResetCounters()
	outcomes := make([]Outcome, checks)
	var wg sync.WaitGroup
	for i := range checks {
		wg.Go(func() { outcomes[i] = client.Run(t.Context(), chatRequest(url+"/v1"), approved[i], invalid[i]) })
	}
	wg.Wait()
	for i, out := range outcomes {
		for _, path := range []struct {
			name string
			key  string
			r    Result
		}{{"happy", approved[i], out.HappyPath}, {"error", invalid[i], out.ErrorPath}} {
			if n := s.RequestsWithKey(path.key); n != 1 || path.r.Attempts != 1 || path.r.Category != CategoryNetworkError {
				t.Errorf("check %d, %s path: the stand-in saw %d requests, Attempts = %d, category %s; want 1, 1, network_error (%s)",
					i, path.name, n, path.r.Attempts, path.r.Category, path.r.Message)
			}
		}
	}
}

// slowUplink makes every write transport's connections make take delay
// before it leaves.
func slowUplink(transport *http.Transport, delay time.Duration) {
	var dialer net.Dialer
	transport.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dialer.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return slowWriter{conn, delay}, nil
	}
}

type slowWriter struct {
	net.Conn
	delay time.Duration
}

func (w slowWriter) Write(p []byte) (int, error) {
	time.Sleep(w.delay)
	return w.Conn.Write(p)
}

// TestHostileEncodingsNeverInResult: a server that quotes both keys into
// Go's transport errors (a raw status line or header line split by U+200B
// or U+0001, which net/http quotes as \u200b and \x01) or echoes them
// encoded (percent, entities, \u escapes, fullwidth, mathematical,
// look-alikes, base64, reversed and split) gets no 8-character run of
// either key into any field of either path (issue 27, items 1 and 2).
func TestHostileEncodingsNeverInResult(t *testing.T) {
	const approved, invalid = "sk-test-hostileApproved7Qx3Lm", "sk-test-hostileInvalid9Zk2Wp"
	scrub := sanitize.New(approved, invalid)
	for _, tt := range []struct {
		behaviour standin.Behaviour
		message   string // what the happy path's message must still say
	}{
		{standin.EchoStatusLine, "malformed HTTP status code"},
		{standin.EchoHeaderLine, "malformed MIME header line"},
		{standin.EchoEncoded, ""},
	} {
		t.Run(string(tt.behaviour), func(t *testing.T) {
			s := standin.New(standin.Options{APIKeys: []string{approved}, Behaviour: tt.behaviour})
			url, stop := s.Start()
			t.Cleanup(stop)
			out := NewClient(Options{Timeout: prompt}).Run(t.Context(), chatRequest(url+"/v1"), approved, invalid)
			for _, r := range []Result{out.HappyPath, out.ErrorPath} {
				v := reflect.ValueOf(r)
				for i := range v.NumField() {
					if f := v.Field(i); f.Kind() == reflect.String && (scrub.Leaks(f.String()) || leakcheck.Find(f.String(), approved, invalid) != "") {
						t.Errorf("%s holds a credential: %q", v.Type().Field(i).Name, f.String())
					}
				}
			}
			if !strings.Contains(out.HappyPath.Message, tt.message) || !strings.Contains(out.ErrorPath.Message, tt.message) {
				t.Errorf("messages %q, %q: want them to say %q", out.HappyPath.Message, out.ErrorPath.Message, tt.message)
			}
			if tt.behaviour == standin.EchoEncoded {
				for _, id := range []string{out.HappyPath.Model, out.HappyPath.BodyID, cmp.Or(out.HappyPath.UpstreamRequestID, out.HappyPath.RequestID), cmp.Or(out.ErrorPath.UpstreamRequestID, out.ErrorPath.RequestID)} {
					if !strings.HasPrefix(id, sanitize.DigestPrefix) {
						t.Errorf("identifier %q, want a digest", id)
					}
				}
			}
		})
	}
}
