package standin

import (
	"bufio"
	"net"
	"sync"
	"sync/atomic"
)

// RawServer answers every request on 127.0.0.1 by handing the connection
// to its answer once the request's line and headers are read: it can send
// what no net/http server would (a malformed status line, a control
// character in a header, a status line one byte at a time), which the
// stand-in's own hostile answers do through net/http's hijacking, and the
// source pages' tests need on a server of their own.
type RawServer struct {
	// URL is the server's base, http://127.0.0.1:<port>.
	URL string

	ln        net.Listener
	done      chan struct{}
	closeOnce sync.Once
	requests  atomic.Int32
}

// RawAnswer writes a raw response on conn to the request whose first line
// is requestLine ("GET /pricing HTTP/1.1"); done closes when the server
// does, for an answer that would otherwise never end.
type RawAnswer func(conn net.Conn, requestLine string, done <-chan struct{})

// StartRaw starts a RawServer; Close stops it.
func StartRaw(answer RawAnswer) (*RawServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &RawServer{URL: "http://" + ln.Addr().String(), ln: ln, done: make(chan struct{})}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(conn, answer)
		}
	}()
	return s, nil
}

func (s *RawServer) serve(conn net.Conn, answer RawAnswer) {
	defer func() { _ = conn.Close() }()
	r := bufio.NewReader(conn)
	requestLine, err := r.ReadString('\n')
	if err != nil {
		return
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		if line == "\r\n" {
			break
		}
	}
	s.requests.Add(1)
	answer(conn, requestLine, s.done)
}

// Requests counts the requests the server read whole.
func (s *RawServer) Requests() int { return int(s.requests.Load()) }

// Close stops the server and ends the answers still waiting on done.
func (s *RawServer) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		_ = s.ln.Close()
	})
}
