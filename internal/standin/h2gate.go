package standin

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// The HTTP/2 gate. Go's HTTP/2 server cannot refuse a stream or send GOAWAY
// on a handler's behalf, so every HTTP/2 connection passes through a small
// frame-level gate in front of it. The gate reads each frame the client
// sends: HEADERS of an AI request under an HTTP/2 misbehaviour are answered
// by the gate itself (RST_STREAM REFUSED_STREAM, RST_STREAM PROTOCOL_ERROR,
// or GOAWAY) and recorded as one request on the wire, exactly as the handler
// records the requests it sees; every other frame goes on to Go's server
// through an in-memory pipe, and everything that server writes comes back
// to the client unchanged. Header blocks are decoded and re-encoded on the
// way through, as a request the gate keeps to itself would otherwise leave
// the server's HPACK table out of step with the client's.

// gateMaxFrame is the largest frame the gate reads: the protocol's maximum,
// as the client sizes its frames by what Go's server advertises.
const gateMaxFrame = 1<<24 - 1

// headerChunk is the size header blocks are cut into on the way to Go's
// server, the smallest maximum frame size HTTP/2 allows.
const headerChunk = 16 << 10

// goAwayLinger bounds how long the gate keeps a connection after a GOAWAY,
// reading (and recording) requests the client had already sent.
const goAwayLinger = time.Second

// h2Misbehaviours are the behaviours the gate answers itself, with the
// error code of the RST_STREAM (GOAWAY sends none).
var h2Misbehaviours = map[Behaviour]http2.ErrCode{
	H2RefusedStream: http2.ErrCodeRefusedStream,
	H2ProtocolReset: http2.ErrCodeProtocol,
	H2GoAway:        http2.ErrCodeNo,
}

// h2Gate is one client connection and the pipe to Go's server behind it.
type h2Gate struct {
	s        *Server
	client   net.Conn
	backend  net.Conn // the gate's end of the pipe
	writeMu  sync.Mutex
	toClient *http2.Framer // frames the gate writes itself; hold writeMu
	closed   sync.Once
	// serverSpoke closes once the server's first frame, its SETTINGS, is on
	// its way to the client: a server's first frame must be SETTINGS, so the
	// gate writes nothing of its own before.
	serverSpoke chan struct{}
	done        chan struct{}

	// Read loop only.
	toBackend     *http2.Framer
	encoder       *hpack.Encoder
	encoded       bytes.Buffer
	lastForwarded uint32
	kept          map[uint32]bool // streams the gate answered: their later frames stop here
}

// serveH2 runs the gate for one HTTP/2 connection; serve runs Go's server
// on the other end of the pipe.
func (s *Server) serveH2(client net.Conn, serve func(net.Conn)) {
	front, back := net.Pipe()
	g := &h2Gate{s: s, client: client, backend: front, kept: map[uint32]bool{}, serverSpoke: make(chan struct{}), done: make(chan struct{})}
	g.toClient = http2.NewFramer(client, nil)
	g.toBackend = http2.NewFramer(front, client)
	g.toBackend.SetMaxReadFrameSize(gateMaxFrame)
	g.toBackend.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	g.toBackend.MaxHeaderListSize = 1 << 20
	g.encoder = hpack.NewEncoder(&g.encoded)
	go serve(back)
	go g.copyToClient()
	defer g.close()
	preface := make([]byte, len(http2.ClientPreface))
	if _, err := io.ReadFull(client, preface); err != nil || string(preface) != http2.ClientPreface {
		return
	}
	if _, err := front.Write(preface); err != nil {
		return
	}
	for {
		f, err := g.toBackend.ReadFrame()
		if err != nil || !g.pass(f) {
			return
		}
	}
}

func (g *h2Gate) close() {
	g.closed.Do(func() {
		close(g.done)
		_ = g.client.Close()
		_ = g.backend.Close()
	})
}

// copyToClient forwards whole frames from Go's server, so that the gate's
// own frames never land inside one of them.
func (g *h2Gate) copyToClient() {
	defer g.close()
	header := make([]byte, 9)
	for first := true; ; first = false {
		if _, err := io.ReadFull(g.backend, header); err != nil {
			return
		}
		length := int(header[0])<<16 | int(header[1])<<8 | int(header[2])
		frame := make([]byte, 9+length)
		copy(frame, header)
		if _, err := io.ReadFull(g.backend, frame[9:]); err != nil {
			return
		}
		g.writeMu.Lock()
		_, err := g.client.Write(frame)
		g.writeMu.Unlock()
		if err != nil {
			return
		}
		if first {
			close(g.serverSpoke)
		}
	}
}

// pass handles one frame from the client; false ends the connection.
func (g *h2Gate) pass(f http2.Frame) bool {
	id := f.Header().StreamID
	fw := g.toBackend
	var err error
	switch f := f.(type) {
	case *http2.MetaHeadersFrame:
		return g.headers(f)
	case *http2.DataFrame:
		if g.kept[id] {
			return g.toClientFrame(func(fr *http2.Framer) error { return fr.WriteWindowUpdate(0, f.Length) })
		}
		err = fw.WriteData(id, f.StreamEnded(), f.Data())
	case *http2.SettingsFrame:
		if f.IsAck() {
			err = fw.WriteSettingsAck()
			break
		}
		var settings []http2.Setting
		_ = f.ForeachSetting(func(s http2.Setting) error { settings = append(settings, s); return nil })
		err = fw.WriteSettings(settings...)
	case *http2.PingFrame:
		err = fw.WritePing(f.IsAck(), f.Data)
	case *http2.WindowUpdateFrame:
		if !g.kept[id] {
			err = fw.WriteWindowUpdate(id, f.Increment)
		}
	case *http2.RSTStreamFrame:
		if !g.kept[id] {
			err = fw.WriteRSTStream(id, f.ErrCode)
		}
	case *http2.PriorityFrame:
		if !g.kept[id] {
			err = fw.WritePriority(id, f.PriorityParam)
		}
	case *http2.PriorityUpdateFrame:
		if !g.kept[f.PrioritizedStreamID] {
			err = fw.WritePriorityUpdate(f.PrioritizedStreamID, f.Priority)
		}
	case *http2.GoAwayFrame:
		err = fw.WriteGoAway(f.LastStreamID, f.ErrCode, f.DebugData())
	case *http2.UnknownFrame:
		err = fw.WriteRawFrame(f.Type, f.Flags, id, f.Payload())
	}
	return err == nil
}

// headers forwards a request to Go's server, or answers it with the HTTP/2
// misbehaviour in force.
func (g *h2Gate) headers(f *http2.MetaHeadersFrame) bool {
	id := f.StreamID
	if p, r, ok := aiRequestOf(f); ok {
		if code, misbehave := g.s.h2Misbehaviour(); misbehave {
			g.s.recordGateRequest(p, r)
			g.kept[id] = true
			if code != http2.ErrCodeNo {
				return g.toClientFrame(func(fr *http2.Framer) error { return fr.WriteRSTStream(id, code) })
			}
			return g.goAway()
		}
	}
	g.lastForwarded = id
	g.encoded.Reset()
	for _, field := range f.Fields {
		if err := g.encoder.WriteField(field); err != nil {
			return false
		}
	}
	block := g.encoded.Bytes()
	first := block[:min(len(block), headerChunk)]
	err := g.toBackend.WriteHeaders(http2.HeadersFrameParam{
		StreamID: id, BlockFragment: first, EndStream: f.StreamEnded(),
		EndHeaders: len(first) == len(block), Priority: f.Priority,
	})
	for rest := block[len(first):]; err == nil && len(rest) > 0; {
		chunk := rest[:min(len(rest), headerChunk)]
		rest = rest[len(chunk):]
		err = g.toBackend.WriteContinuation(id, len(rest) == 0, chunk)
	}
	return err == nil
}

// goAway tells the client that no stream after the last one forwarded was
// processed, then keeps reading (and recording) what the client had already
// sent, until it hangs up or goAwayLinger passes.
func (g *h2Gate) goAway() bool {
	g.s.linger(+1) // before the client can see the GOAWAY, so before any count it makes after
	defer g.s.linger(-1)
	if !g.toClientFrame(func(fr *http2.Framer) error { return fr.WriteGoAway(g.lastForwarded, http2.ErrCodeNo, nil) }) {
		return false
	}
	_ = g.client.SetReadDeadline(time.Now().Add(goAwayLinger))
	for {
		f, err := g.toBackend.ReadFrame()
		if err != nil {
			return false
		}
		if h, ok := f.(*http2.MetaHeadersFrame); ok {
			g.recordRefused(h)
		}
	}
}

// linger moves the count of connections read after a GOAWAY by delta.
func (s *Server) linger(delta int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lingering += delta
	if s.lingering == 0 {
		s.settled.Broadcast()
	}
}

// recordRefused records a request that arrived after the GOAWAY: it
// reached the wire all the same.
func (g *h2Gate) recordRefused(f *http2.MetaHeadersFrame) {
	if p, r, ok := aiRequestOf(f); ok {
		g.s.recordGateRequest(p, r)
	}
}

// aiRequestOf is the request a HEADERS frame opens, when it is an AI request.
func aiRequestOf(f *http2.MetaHeadersFrame) (protocol, *http.Request, bool) {
	header := make(http.Header)
	for _, field := range f.RegularFields() {
		header.Add(field.Name, field.Value)
	}
	path := f.PseudoValue("path")
	u, err := url.ParseRequestURI(path)
	if err != nil {
		u = &url.URL{Path: path}
	}
	r := &http.Request{Method: f.PseudoValue("method"), URL: u, Header: header, Proto: "HTTP/2.0", ProtoMajor: 2}
	p, ok := protocolFor(r)
	return p, r, ok
}

func (g *h2Gate) toClientFrame(write func(*http2.Framer) error) bool {
	select {
	case <-g.serverSpoke:
	case <-g.done:
		return false
	}
	g.writeMu.Lock()
	defer g.writeMu.Unlock()
	return write(g.toClient) == nil
}

// h2Misbehaviour reports whether the behaviour in force is one the gate
// answers, with the RST_STREAM code (ErrCodeNo for GOAWAY).
func (s *Server) h2Misbehaviour() (http2.ErrCode, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	code, ok := h2Misbehaviours[s.behaviour]
	return code, ok
}

// recordGateRequest records an AI request the gate answered, as the
// handler records the ones it answers.
func (s *Server) recordGateRequest(p protocol, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := p.keyOf(r.Header)
	s.record(Recorded{Protocol: p.name, Proto: r.Proto, Path: r.URL.Path, Header: r.Header.Clone(), Key: key, KeyAccepted: s.keys[key]})
}
