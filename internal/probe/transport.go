package probe

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
)

// NewTransport returns a clone of http.DefaultTransport (so proxy settings
// from the environment still apply) that also trusts caCertPEM when it is
// non-empty. Certificate verification is never disabled.
func NewTransport(caCertPEM string) (*http.Transport, error) {
	transport := defaultTransport()
	if caCertPEM == "" {
		return transport, nil
	}
	roots, err := x509.SystemCertPool()
	if err != nil {
		roots = x509.NewCertPool() // no system pool on this platform: trust the given CA alone
	}
	if !roots.AppendCertsFromPEM([]byte(caCertPEM)) {
		return nil, errors.New("ca_cert_pem contains no PEM-encoded certificate")
	}
	if transport.TLSClientConfig == nil {
		transport.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	transport.TLSClientConfig.RootCAs = roots
	return transport, nil
}

// defaultTransport clones http.DefaultTransport, or builds a plain one when
// a program has replaced it with something else, and bounds the response
// headers it reads.
func defaultTransport() *http.Transport {
	t, ok := http.DefaultTransport.(*http.Transport)
	if ok {
		t = t.Clone()
	} else {
		t = &http.Transport{Proxy: http.ProxyFromEnvironment, ForceAttemptHTTP2: true}
	}
	t.MaxResponseHeaderBytes = MaxHeaderBytes
	return t
}
