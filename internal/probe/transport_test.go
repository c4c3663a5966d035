package probe

import (
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestSelfSignedTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, openAIChatOK)
	}))
	t.Cleanup(srv.Close)
	serverCA := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))

	tests := []struct {
		name        string
		caCertPEM   string
		want        Category
		wantMessage string
	}{
		{"untrusted without the CA", "", CategoryNetworkError, "certificate"},
		{"trusted with the CA", serverCA, CategoryOK, "HTTP 200: OK"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			transport, err := NewTransport(tt.caCertPEM)
			if err != nil {
				t.Fatal(err)
			}
			got := NewClient(Options{Transport: transport}).Send(t.Context(), chatRequest(srv.URL), testKey)
			if got.Category != tt.want || !strings.Contains(got.Message, tt.wantMessage) {
				t.Errorf("Send = %+v, want %q with message containing %q", got, tt.want, tt.wantMessage)
			}
		})
	}
}

// An https:// endpoint that answers in plain HTTP is named as such, as
// http.Client would name it, not as a malformed TLS record.
func TestPlainHTTPAnswerToTLS(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, openAIChatOK)
	}))
	t.Cleanup(srv.Close)
	got := NewClient(Options{}).Send(t.Context(), chatRequest(strings.Replace(srv.URL, "http://", "https://", 1)), testKey)
	if got.Category != CategoryNetworkError || got.Attempts != 0 || !strings.Contains(got.Message, "server gave HTTP response to HTTPS client") {
		t.Errorf("Send = %+v, want a network_error before any request (the TLS handshake failed) saying the server answered in plain HTTP", got)
	}
}

func TestNewTransport(t *testing.T) {
	tests := []struct {
		name      string
		caCertPEM string
		wantErr   bool
	}{
		{"no CA", "", false},
		{"not PEM", "not a certificate", true},
		{"PEM without a certificate", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			transport, err := NewTransport(tt.caCertPEM)
			if (err != nil) != tt.wantErr {
				t.Fatalf("NewTransport error = %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if transport == http.DefaultTransport || transport.Proxy == nil {
				t.Errorf("want a clone of the default transport keeping the proxy from the environment")
			}
			if transport.TLSClientConfig != nil && transport.TLSClientConfig.InsecureSkipVerify {
				t.Errorf("TLS verification disabled")
			}
		})
	}
}
