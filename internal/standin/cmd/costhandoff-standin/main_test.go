package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/standin"
)

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string // "" for success
		want    config
	}{
		{name: "defaults", want: config{addr: "127.0.0.1:0", options: standin.Options{Behaviour: standin.Normal}}},
		{
			name: "every flag",
			args: []string{"-addr", "localhost:8080", "-api-key", "sk-test-a,sk-test-b", "-api-key", " sk-test-c ",
				"-behaviour", "rate_limited", "-latency", "250ms", "-url-file", "/tmp/url"},
			want: config{addr: "localhost:8080", urlFile: "/tmp/url", options: standin.Options{
				APIKeys: []string{"sk-test-a", "sk-test-b", "sk-test-c"}, Behaviour: standin.RateLimited, Latency: 250 * time.Millisecond}},
		},
		{name: "IPv6 loopback", args: []string{"-addr", "[::1]:0"}, want: config{addr: "[::1]:0", options: standin.Options{Behaviour: standin.Normal}}},
		{name: "127/8", args: []string{"-addr", "127.0.0.2:0"}, want: config{addr: "127.0.0.2:0", options: standin.Options{Behaviour: standin.Normal}}},
		{name: "all interfaces", args: []string{"-addr", "0.0.0.0:0"}, wantErr: "loopback only"},
		{name: "no host", args: []string{"-addr", ":8080"}, wantErr: "loopback only"},
		{name: "IPv6 any", args: []string{"-addr", "[::]:0"}, wantErr: "loopback only"},
		{name: "private address", args: []string{"-addr", "10.0.0.1:0"}, wantErr: "loopback only"},
		{name: "a host name", args: []string{"-addr", "example.com:80"}, wantErr: "loopback only"},
		{name: "no port", args: []string{"-addr", "127.0.0.1"}, wantErr: "missing port"},
		{name: "unknown behaviour", args: []string{"-behaviour", "flaky"}, wantErr: `-behaviour "flaky"`},
		{name: "bad latency", args: []string{"-latency", "soon"}, wantErr: "invalid value"},
		{name: "negative latency", args: []string{"-latency", "-1s"}, wantErr: "must not be negative"},
		{name: "stray argument", args: []string{"serve"}, wantErr: "unexpected arguments"},
		{name: "tls and gateway", args: []string{"-tls", "-ca-file", "/tmp/ca.pem", "-gateway", "new_api"},
			want: config{addr: "127.0.0.1:0", tls: true, caFile: "/tmp/ca.pem", options: standin.Options{Behaviour: standin.Normal, Gateway: standin.GatewayNewAPI}}},
		{name: "one-api", args: []string{"-gateway", "one_api"}, want: config{addr: "127.0.0.1:0", options: standin.Options{Behaviour: standin.Normal, Gateway: standin.GatewayOneAPI}}},
		{name: "tls without a CA file", args: []string{"-tls"}, wantErr: "-tls and -ca-file go together"},
		{name: "CA file without tls", args: []string{"-ca-file", "/tmp/ca.pem"}, wantErr: "-tls and -ca-file go together"},
		{name: "unknown gateway", args: []string{"-gateway", "kong"}, wantErr: `-gateway "kong"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseConfig(tt.args, io.Discard)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.addr != tt.want.addr || got.urlFile != tt.want.urlFile || got.options.Behaviour != tt.want.options.Behaviour ||
				got.tls != tt.want.tls || got.caFile != tt.want.caFile || got.options.Gateway != tt.want.options.Gateway ||
				got.options.Latency != tt.want.options.Latency || !slices.Equal(got.options.APIKeys, tt.want.options.APIKeys) {
				t.Errorf("config %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestKeysNeverShowInUsage(t *testing.T) {
	var keys keyList
	if err := keys.Set("sk-test-secret-one,sk-test-secret-two"); err != nil {
		t.Fatal(err)
	}
	if s := keys.String(); strings.Contains(s, "sk-test") {
		t.Errorf("the flag prints its keys: %s", s)
	}
}

func TestRefusedAddressNeverListens(t *testing.T) {
	err := run(context.Background(), []string{"-addr", "0.0.0.0:0"}, io.Discard, func(string) {
		t.Error("listened on a non-loopback address")
	})
	if err == nil {
		t.Fatal("run accepted 0.0.0.0")
	}
}

// syncBuffer is a log sink that the server goroutines and the test share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestRunServesLogsAndStops(t *testing.T) {
	const key = "sk-test-run-second-key"
	urlFile := filepath.Join(t.TempDir(), "standin.url")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs syncBuffer
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-api-key", "sk-test-run-first-key," + key, "-url-file", urlFile}, &logs,
			func(url string) { ready <- url })
	}()
	var baseURL string
	select {
	case baseURL = <-ready:
	case err := <-done:
		t.Fatalf("run ended before listening: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("run never listened")
	}
	written, err := os.ReadFile(urlFile)
	if err != nil || string(written) != baseURL || !strings.HasPrefix(baseURL, "http://127.0.0.1:") {
		t.Fatalf("url file %q (%v), want the base URL %s on 127.0.0.1", written, err, baseURL)
	}

	req, err := http.NewRequest(http.MethodPost, baseURL+"/v1/chat/completions", strings.NewReader(`{"model":"m","max_tokens":1}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status %d with the second -api-key, want 200", resp.StatusCode)
	}

	cancel()
	if err := <-done; err != nil {
		t.Errorf("run after stop: %v", err)
	}
	if _, err := os.Stat(urlFile); !os.IsNotExist(err) {
		t.Errorf("url file left behind after stop (%v)", err)
	}
	out := logs.String()
	if !strings.Contains(out, "POST /v1/chat/completions 200") {
		t.Errorf("log has no line for the request:\n%s", out)
	}
	if strings.Contains(out, "sk-test-run") {
		t.Errorf("log shows a key:\n%s", out)
	}
}

func TestRunServesTLSAsAGateway(t *testing.T) {
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-tls", "-ca-file", caFile, "-gateway", "one_api"}, io.Discard, func(url string) { ready <- url })
	}()
	var baseURL string
	select {
	case baseURL = <-ready:
	case err := <-done:
		t.Fatalf("run ended before listening: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("run never listened")
	}
	caPEM, err := os.ReadFile(caFile)
	if err != nil || !strings.HasPrefix(baseURL, "https://127.0.0.1:") {
		t.Fatalf("CA file: %v; base URL %s, want https on 127.0.0.1", err, baseURL)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(caPEM) {
		t.Fatal("the CA file holds no certificate")
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}, ForceAttemptHTTP2: true}}
	req, err := http.NewRequest(http.MethodPost, baseURL+"/v1/chat/completions", strings.NewReader(`{"model":"m","max_tokens":1}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer sk-test-Rk4Qz8Wv2Nm7Xc5Jb9Lt")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Proto != "HTTP/2.0" || resp.Header.Get(standin.GatewayRequestIDHeader) == "" {
		t.Errorf("answer %s over %s with gateway id %q; want 200 over HTTP/2.0 with an id", resp.Status, resp.Proto, resp.Header.Get(standin.GatewayRequestIDHeader))
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run after stop: %v", err)
	}
	if _, err := os.Stat(caFile); !os.IsNotExist(err) {
		t.Errorf("CA file left behind after stop (%v)", err)
	}
}

// -h says how to try the README's quick start against the stand-in, with
// the very commands the README shows.
func TestHelpShowsTheREADMEsOfflineQuickStart(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-h"}, &out, nil); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{quickStart, "-addr", "-api-key"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("-h lacks %q:\n%s", want, out.String())
		}
	}
	readme, err := os.ReadFile("../../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```sh\n"+quickStart+"```\n") {
		t.Errorf("the README does not show the offline quick start the stand-in's -h prints:\n%s", quickStart)
	}
}

// make demo talks to this stand-in with the credentials it accepts by
// default: the approved key and the gateway's access token scripts/demo.sh
// exports must be the stand-in's own, or the demo stops with its ledger
// unavailable (or its happy path refused).
func TestDemoScriptUsesTheStandinsCredentials(t *testing.T) {
	script, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "scripts", "demo.sh"))
	if err != nil {
		t.Fatal(err)
	}
	token := `export COSTHANDOFF_LEDGER_TOKEN="` + standin.DefaultLedgerAccessToken + `"`
	if !bytes.Contains(script, []byte(token)) {
		t.Errorf("scripts/demo.sh does not hold %s", token)
	}
	var key string
	for line := range strings.SplitSeq(string(script), "\n") {
		if rest, ok := strings.CutPrefix(line, `demo_key="`); ok {
			key, _, _ = strings.Cut(rest, `"`)
		}
	}
	if key == "" {
		t.Fatal("scripts/demo.sh sets no demo_key")
	}
	srv := httptest.NewServer(standin.New(standin.Options{}))
	defer srv.Close()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/v1/chat/completions",
		strings.NewReader(`{"model":"gpt-4o-mini","messages":[{"role":"user","content":"ping"}],"max_tokens":1}`))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("the stand-in answered the demo's key with HTTP %d, want 200", resp.StatusCode)
	}
}
