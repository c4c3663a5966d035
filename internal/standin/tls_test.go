package standin

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// startTLS starts a stand-in over TLS for one test.
func startTLS(t *testing.T, opts Options) (s *Server, baseURL, caPEM string) {
	t.Helper()
	s = New(opts)
	baseURL, caPEM, stop := s.StartTLS()
	t.Cleanup(stop)
	return s, baseURL, caPEM
}

func trusting(t *testing.T, caPEM string) *tls.Config {
	t.Helper()
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM([]byte(caPEM)) {
		t.Fatal("the CA PEM holds no certificate")
	}
	return &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
}

// tlsClient speaks HTTP/2 when h2 is true, else HTTP/1.1 only.
func tlsClient(t *testing.T, caPEM string, h2 bool) *http.Client {
	t.Helper()
	transport := &http.Transport{TLSClientConfig: trusting(t, caPEM), ForceAttemptHTTP2: h2}
	if !h2 {
		transport.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	}
	t.Cleanup(transport.CloseIdleConnections)
	return &http.Client{Transport: transport}
}

func TestTLSServesBothProtocols(t *testing.T) {
	for _, tt := range []struct {
		name      string
		h2        bool
		wantProto string
	}{
		{"http/1.1", false, "HTTP/1.1"},
		{"h2", true, "HTTP/2.0"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, url, caPEM := startTLS(t, Options{})
			client := tlsClient(t, caPEM, tt.h2)
			for _, p := range protocolNames {
				for _, key := range []string{approvedKey, wrongKey} {
					resp, err := client.Do(aiRequest(t, url, p, key, 16))
					if err != nil {
						t.Fatalf("%s: %v", p, err)
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
					if resp.Proto != tt.wantProto {
						t.Errorf("%s: answered over %s, want %s", p, resp.Proto, tt.wantProto)
					}
					wantStatus := http.StatusOK
					if key == wrongKey {
						wantStatus = map[string]int{"gemini": 400}[p]
						if wantStatus == 0 {
							wantStatus = 401
						}
					}
					if resp.StatusCode != wantStatus {
						t.Errorf("%s key %s: status %d, want %d", p, key, resp.StatusCode, wantStatus)
					}
				}
			}
			for _, key := range []string{approvedKey, wrongKey} {
				if n := s.RequestsWithKey(key); n != len(protocolNames) {
					t.Errorf("RequestsWithKey(%s) = %d, want %d", key, n, len(protocolNames))
				}
			}
			for _, r := range s.Requests() {
				if r.Proto != tt.wantProto {
					t.Errorf("recorded over %s, want %s", r.Proto, tt.wantProto)
				}
			}
		})
	}
}

// rawH2 is an HTTP/2 client written frame by frame, to see exactly what
// the gate answers.
type rawH2 struct {
	conn *tls.Conn
	fr   *http2.Framer
}

// dialRawH2 opens a connection and sends the preface and SETTINGS.
func dialRawH2(t *testing.T, baseURL, caPEM string) *rawH2 {
	t.Helper()
	config := trusting(t, caPEM)
	config.NextProtos = []string{http2.NextProtoTLS}
	conn, err := tls.Dial("tcp", strings.TrimPrefix(baseURL, "https://"), config)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(conn, http2.ClientPreface); err != nil {
		t.Fatal(err)
	}
	fr := http2.NewFramer(conn, conn)
	fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	if err := fr.WriteSettings(); err != nil {
		t.Fatal(err)
	}
	return &rawH2{conn: conn, fr: fr}
}

// send writes a chat request with key on stream.
func (c *rawH2) send(t *testing.T, stream uint32, key string) {
	t.Helper()
	var block bytes.Buffer
	enc := hpack.NewEncoder(&block)
	for _, f := range [][2]string{
		{":method", "POST"}, {":scheme", "https"}, {":authority", "127.0.0.1"}, {":path", "/v1/chat/completions"},
		{"authorization", "Bearer " + key}, {"content-type", "application/json"},
	} {
		_ = enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})
	}
	body := `{"model":"model-test","messages":[{"role":"user","content":"ping"}],"max_tokens":1}`
	if err := c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: stream, BlockFragment: block.Bytes(), EndHeaders: true}); err != nil {
		t.Fatal(err)
	}
	if err := c.fr.WriteData(stream, true, []byte(body)); err != nil {
		t.Fatal(err)
	}
}

// answer reads until stream is answered and says how: "headers 200", "rst
// REFUSED_STREAM" or "goaway last=N".
func (c *rawH2) answer(t *testing.T, stream uint32) string {
	t.Helper()
	for {
		f, err := c.fr.ReadFrame()
		if err != nil {
			t.Fatalf("reading the answer: %v", err)
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() {
				_ = c.fr.WriteSettingsAck()
			}
		case *http2.MetaHeadersFrame:
			if f.StreamID == stream {
				return "headers " + f.PseudoValue("status")
			}
		case *http2.RSTStreamFrame:
			if f.StreamID == stream {
				return "rst " + f.ErrCode.String()
			}
		case *http2.GoAwayFrame:
			return fmt.Sprintf("goaway last=%d", f.LastStreamID)
		}
	}
}

// h2Answer sends one chat request with the approved key on a fresh HTTP/2
// connection and says what came back for it.
func h2Answer(t *testing.T, baseURL, caPEM string) string {
	t.Helper()
	c := dialRawH2(t, baseURL, caPEM)
	defer c.conn.Close() // hung up before the caller counts, which waits for that after a GOAWAY
	c.send(t, 1, approvedKey)
	return c.answer(t, 1)
}

// TestCountsWaitForRequestsSentAfterTheGoAway: a client may write requests
// before it reads a GOAWAY, and give up on them as soon as it does; they
// reached the wire all the same, so a count waits until the gate has read
// the connection to its end.
func TestCountsWaitForRequestsSentAfterTheGoAway(t *testing.T) {
	const lateKey = "sk-test-after-goaway-0003"
	s, url, caPEM := startTLS(t, Options{Behaviour: H2GoAway})
	c := dialRawH2(t, url, caPEM)
	c.send(t, 1, approvedKey)
	if got := c.answer(t, 1); got != "goaway last=0" {
		t.Fatalf("answer %q, want goaway last=0", got)
	}
	counted := make(chan int, 1)
	go func() { counted <- s.RequestsWithKey(lateKey) }()
	c.send(t, 3, lateKey)
	select {
	case n := <-counted:
		t.Fatalf("RequestsWithKey answered %d while the client could still be writing", n)
	case <-time.After(50 * time.Millisecond):
	}
	_ = c.conn.Close()
	if n := <-counted; n != 1 {
		t.Errorf("RequestsWithKey = %d after the client hung up, want 1", n)
	}
}

func TestH2Misbehaviours(t *testing.T) {
	tests := []struct {
		behaviour Behaviour
		want      string
	}{
		{Normal, "headers 200"},
		{H2RefusedStream, "rst REFUSED_STREAM"},
		{H2ProtocolReset, "rst PROTOCOL_ERROR"},
		{H2GoAway, "goaway last=0"},
	}
	for _, tt := range tests {
		t.Run(string(tt.behaviour), func(t *testing.T) {
			s, url, caPEM := startTLS(t, Options{Behaviour: tt.behaviour})
			if got := h2Answer(t, url, caPEM); got != tt.want {
				t.Errorf("answer %q, want %q", got, tt.want)
			}
			if n := s.RequestsWithKey(approvedKey); n != 1 {
				t.Errorf("RequestsWithKey = %d, want 1", n)
			}
			if reqs := s.Requests(); len(reqs) != 1 || reqs[0].Proto != "HTTP/2.0" || reqs[0].Protocol != "openai_chat" || !reqs[0].KeyAccepted {
				t.Errorf("recorded %+v, want one accepted openai_chat request over HTTP/2", reqs)
			}
		})
	}
}

// TestH2MisbehavioursMakeGoResend shows the stand-in misbehaves as a real
// server does: Go's own HTTP/2 client, given a body it can rewind, sends the
// request again after each misbehaviour, and the stand-in counts every one.
func TestH2MisbehavioursMakeGoResend(t *testing.T) {
	for _, b := range []Behaviour{H2RefusedStream, H2ProtocolReset, H2GoAway} {
		t.Run(string(b), func(t *testing.T) {
			s, url, caPEM := startTLS(t, Options{Behaviour: b})
			client := tlsClient(t, caPEM, true)
			ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
			defer cancel()
			req := aiRequest(t, url, "openai_chat", approvedKey, 1).WithContext(ctx)
			if resp, err := client.Do(req); err == nil {
				_ = resp.Body.Close()
				t.Fatalf("answered %s, want no answer", resp.Status)
			}
			if n := s.RequestsWithKey(approvedKey); n < 2 {
				t.Errorf("the stand-in saw %d requests; Go's client resends after %s, so want at least 2", n, b)
			}
		})
	}
}

func TestH2MisbehavioursOverHTTP1CloseTheConnection(t *testing.T) {
	for _, b := range []Behaviour{H2RefusedStream, H2ProtocolReset, H2GoAway} {
		t.Run(string(b), func(t *testing.T) {
			s, url, caPEM := startTLS(t, Options{Behaviour: b})
			client := tlsClient(t, caPEM, false)
			if resp, err := client.Do(aiRequest(t, url, "openai_chat", approvedKey, 1)); err == nil {
				_ = resp.Body.Close()
				t.Fatalf("answered %s, want the connection closed", resp.Status)
			}
			if n := s.RequestsWithKey(approvedKey); n != 1 {
				t.Errorf("RequestsWithKey = %d, want 1 (a POST over a fresh connection is never resent)", n)
			}
		})
	}
}

func TestHugeHeader(t *testing.T) {
	for _, h2 := range []bool{false, true} {
		t.Run(fmt.Sprintf("h2=%v", h2), func(t *testing.T) {
			s, url, caPEM := startTLS(t, Options{Behaviour: HugeHeader})
			client := tlsClient(t, caPEM, h2)
			transport, ok := client.Transport.(*http.Transport)
			if !ok {
				t.Fatal("not an *http.Transport")
			}
			transport.MaxResponseHeaderBytes = 16 << 20 // room for the whole header, to see it
			resp, err := client.Do(aiRequest(t, url, "openai_chat", approvedKey, 1))
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			if got := len(resp.Header.Get("X-Standin-Padding")); got != hugeHeaderBytes || resp.StatusCode != http.StatusOK {
				t.Errorf("status %d with a %d-byte padding header, want 200 and %d", resp.StatusCode, got, hugeHeaderBytes)
			}
			if n := s.RequestsWithKey(approvedKey); n != 1 {
				t.Errorf("RequestsWithKey = %d, want 1", n)
			}
		})
	}
}
