package standin

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The raw server hands over each request's first line once its headers are
// read, sends exactly what its answer writes, counts whole requests only,
// and ends a waiting answer when it closes.
func TestRawServer(t *testing.T) {
	lines := make(chan string, 1)
	s, err := StartRaw(func(conn net.Conn, requestLine string, done <-chan struct{}) {
		lines <- requestLine
		if strings.Contains(requestLine, "/wait") {
			<-done
			return
		}
		_, _ = conn.Write([]byte("HTTP/1.1 299 Odd\r\nX-Raw: as written\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"))
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)

	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	_, _ = conn.Write([]byte("GET /pricing HTTP/1.1\r\nHost: x\r\n\r\n"))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if got := <-lines; got != "GET /pricing HTTP/1.1\r\n" {
		t.Errorf("request line %q", got)
	}
	if resp.StatusCode != 299 || resp.Header.Get("X-Raw") != "as written" {
		t.Errorf("answer %d %q, want the raw status and header as written", resp.StatusCode, resp.Header.Get("X-Raw"))
	}

	partial, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = partial.Write([]byte("GET /half HTTP/1.1\r\nHost: x\r\n"))
	_ = partial.Close()

	waiting, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = waiting.Close() }()
	_, _ = waiting.Write([]byte("GET /wait HTTP/1.1\r\nHost: x\r\n\r\n"))
	<-lines
	if n := s.Requests(); n != 2 {
		t.Errorf("Requests() = %d, want 2: a request cut before its headers end is not one", n)
	}
	s.Close()
	_ = waiting.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := waiting.Read(make([]byte, 1)); err == nil {
		t.Error("the waiting answer was not ended by Close")
	}
}
