package standin

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"sync"
	"time"

	"golang.org/x/net/http2"
)

// certLifetime is how long the stand-in's certificates are valid: long
// enough for any demo, short enough that a leaked CA is soon worthless.
const certLifetime = 30 * 24 * time.Hour

// ConfigureTLS makes srv, whose handler is s (or wraps it), serve TLS with a
// fresh self-signed CA, offering h2 and http/1.1 by ALPN. Every HTTP/2
// connection passes through the stand-in's HTTP/2 gate (h2gate.go), which
// answers the HTTP/2 misbehaviours itself. It returns the CA certificate as
// PEM for clients to trust. Serve with srv.ServeTLS(ln, "", "").
func (s *Server) ConfigureTLS(ctx context.Context, srv *http.Server) (caPEM string, err error) {
	caPEM, cert, err := newLoopbackCertificate()
	if err != nil {
		return "", err
	}
	srv.TLSConfig = &tls.Config{
		Certificates: []tls.Certificate{cert},
		NextProtos:   []string{http2.NextProtoTLS, "http/1.1"},
		MinVersion:   tls.VersionTLS12,
	}
	h2 := &http2.Server{}
	if err := http2.ConfigureServer(srv, h2); err != nil {
		return "", fmt.Errorf("configuring HTTP/2: %w", err)
	}
	srv.TLSNextProto[http2.NextProtoTLS] = func(hs *http.Server, c *tls.Conn, h http.Handler) {
		s.serveH2(c, func(backend net.Conn) {
			h2.ServeConn(backend, &http2.ServeConnOpts{Context: ctx, BaseConfig: hs, Handler: h})
		})
	}
	return caPEM, nil
}

// StartTLS serves the stand-in over TLS on 127.0.0.1, speaking h2 and
// http/1.1 (by ALPN), and returns its base URL, the CA certificate (PEM) a
// client must trust, and a stop function that may be called more than once.
func (s *Server) StartTLS() (baseURL, caPEM string, stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("costhandoff-standin: listening on loopback: %v", err))
	}
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	caPEM, err = s.ConfigureTLS(ctx, srv)
	if err != nil {
		panic(fmt.Sprintf("costhandoff-standin: %v", err))
	}
	go func() { _ = srv.ServeTLS(ln, "", "") }() // ends with ErrServerClosed on stop
	return "https://" + ln.Addr().String(), caPEM, sync.OnceFunc(func() {
		cancel()
		_ = srv.Close()
	})
}

// newLoopbackCertificate makes a CA and a server certificate it signs for
// 127.0.0.1, ::1 and localhost.
func newLoopbackCertificate() (caPEM string, cert tls.Certificate, err error) {
	now := time.Now()
	caDER, caKey, err := issue(&x509.Certificate{
		Subject:               pkix.Name{CommonName: "costhandoff stand-in test CA"},
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}, nil, nil, now)
	if err != nil {
		return "", tls.Certificate{}, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return "", tls.Certificate{}, err
	}
	leafDER, leafKey, err := issue(&x509.Certificate{
		Subject:     pkix.Name{CommonName: "127.0.0.1"},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:    []string{"localhost"},
	}, ca, caKey, now)
	if err != nil {
		return "", tls.Certificate{}, err
	}
	caPEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}))
	return caPEM, tls.Certificate{Certificate: [][]byte{leafDER, caDER}, PrivateKey: leafKey}, nil
}

// issue makes a P-256 key and a certificate of it from template, with a
// random serial, valid from an hour before now for certLifetime, signed
// by parentKey as parent (self-signed when parent is nil).
func issue(template, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, now time.Time) ([]byte, *ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	template.SerialNumber = randomSerial()
	template.NotBefore = now.Add(-time.Hour)
	template.NotAfter = now.Add(certLifetime)
	if parent == nil {
		parent, parentKey = template, key
	}
	der, err := x509.CreateCertificate(rand.Reader, template, parent, &key.PublicKey, parentKey)
	if err != nil {
		return nil, nil, err
	}
	return der, key, nil
}

func randomSerial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62)) // crypto/rand never fails
	return n
}
