package sources

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/standin"
)

// rawServer is the stand-in's raw server (standin.RawServer) at one page:
// it can send what no net/http server would (a malformed status line,
// control characters in a header, one byte at a time), and counts the
// requests it read.
type rawServer struct {
	*standin.RawServer
	url string
}

func startRawServer(t *testing.T, answer func(net.Conn, <-chan struct{})) *rawServer {
	t.Helper()
	s, err := standin.StartRaw(func(c net.Conn, _ string, done <-chan struct{}) { answer(c, done) })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return &rawServer{RawServer: s, url: s.URL + "/page"}
}

// answerWith sends raw and closes.
func answerWith(raw string) func(net.Conn, <-chan struct{}) {
	return func(c net.Conn, _ <-chan struct{}) { _, _ = c.Write([]byte(raw)) }
}

// trickle sends one byte of a status line every interval, never finishing
// it, until the client hangs up or the test ends.
func trickle(interval time.Duration) func(net.Conn, <-chan struct{}) {
	return func(c net.Conn, done <-chan struct{}) {
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				if _, err := c.Write([]byte("H")); err != nil {
					return
				}
			}
		}
	}
}

// What a source page's server makes the fetcher report is scrubbed of every
// credential of the run, not only of key shapes: the keys here have no
// vendor's shape, so only the credentials passed to Fetch can hide them.
// Go quotes a malformed header line with %q, so the key reaches the error
// text whole after a control character.
func TestFetchScrubsTheRunsCredentials(t *testing.T) {
	const (
		approved = "gw7Hq2Lm9Xk4Tz8Rp3Vn"
		invalid  = "Qe5Wd1Zc6Yb0Ua9Ts4Rf"
		ledger   = "Lt3Mn8Bv2Cx7Zk1Jh6Gf"
	)
	credentials := []string{approved, invalid, ledger}
	split := func(s, sep string) string { return strings.Join(strings.Split(s, ""), sep) }
	tests := []struct {
		name, answer, secret string
	}{
		{name: "Location with a control character and the approved key", secret: approved,
			answer: "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1/\x01/" + approved + "\r\nContent-Length: 0\r\n\r\n"},
		{name: "Transfer-Encoding with a control character and the invalid key", secret: invalid,
			answer: "HTTP/1.1 200 OK\r\nTransfer-Encoding: \x01" + invalid + "\r\n\r\n"},
		{name: "header name with a control character and the ledger token", secret: ledger,
			answer: "HTTP/1.1 200 OK\r\nX-Token\x01" + ledger + ": 1\r\nContent-Length: 0\r\n\r\n"},
		{name: "status line with the approved key split by U+200B", secret: approved,
			answer: "HTTP/1.1 X" + split(approved, "\u200b") + "\r\nContent-Length: 0\r\n\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startRawServer(t, answerWith(tt.answer))
			pages := NewFetcher(Options{Now: fakeClock}).Fetch(t.Context(), map[string]string{"pricing": srv.url}, credentials)
			if len(pages) != 1 || pages[0].Result != Fail {
				t.Fatalf("Fetch() = %#v, want one failed page", pages)
			}
			if srv.Requests() != 1 {
				t.Fatalf("the server read %d requests, want 1", srv.Requests())
			}
			msg := pages[0].Message
			if !strings.Contains(msg, "malformed") {
				t.Errorf("message %q does not say what was wrong", msg)
			}
			if leaksRun(msg, tt.secret) {
				t.Errorf("message %q holds a run of 8 characters of the credential", msg)
			}
			// Without the run's credentials, the same answer leaks: the test
			// would catch a fetcher that dropped them.
			bare := NewFetcher(Options{Now: fakeClock}).Fetch(t.Context(), map[string]string{"pricing": srv.url}, nil)
			if !leaksRun(bare[0].Message, tt.secret) {
				t.Errorf("without credentials the message %q hides the key: the case proves nothing", bare[0].Message)
			}
		})
	}
}

// leaksRun: text holds 8 characters of secret in a row, once escapes of
// invisible characters and the characters themselves are taken out.
func leaksRun(text, secret string) bool {
	text = strings.NewReplacer(`\u200b`, "", `\x01`, "", "\u200b", "", "\x01", "").Replace(text)
	for i := 0; i+8 <= len(secret); i++ {
		if strings.Contains(text, secret[i:i+8]) {
			return true
		}
	}
	return false
}

// All pages of a run share one deadline: sixteen pages that each answer one
// byte of a status line every 20 ms, forever, end with the deadline (here
// 300 ms), not after four rounds of the 10 s page timeout; pages still
// waiting for a slot when it passes are never requested.
func TestFetchHasOneDeadlineForAllPages(t *testing.T) {
	const deadline = 300 * time.Millisecond
	srv := startRawServer(t, trickle(20*time.Millisecond))
	f := NewFetcher(Options{Now: fakeClock, Timeout: 10 * time.Second, Deadline: deadline, MaxConcurrent: 4})
	start := time.Now()
	pages := f.Fetch(t.Context(), kindURLs(16, srv.url), nil)
	if took := time.Since(start); took > deadline+time.Second {
		t.Errorf("Fetch took %s, want about the %s deadline", took, deadline)
	}
	if len(pages) != 16 {
		t.Fatalf("got %d pages, want 16", len(pages))
	}
	for _, p := range pages {
		if p.Result != Fail || !strings.HasPrefix(p.Message, "timeout: the 300ms all source pages share") {
			t.Errorf("%s = %s %q, want a failure naming the shared deadline", p.Kind, p.Result, p.Message)
		}
	}
	if got := srv.Requests(); got != 4 {
		t.Errorf("the server read %d requests, want the 4 in flight when the deadline passed", got)
	}
}

// Past MaxPages, a page fails without a request; the plan's rule refuses
// the count first.
func TestFetchCapsThePages(t *testing.T) {
	srv := startConcurrencyServer(t, MaxPages+1)
	close(srv.release)
	pages := NewFetcher(Options{Now: fakeClock, MaxConcurrent: MaxPages}).Fetch(t.Context(), kindURLs(MaxPages+1, srv.URL), nil)
	if got := srv.total.Load(); got != MaxPages {
		t.Errorf("the server saw %d requests, want %d", got, MaxPages)
	}
	last := pages[MaxPages]
	if last.Result != Fail || last.Message != fmt.Sprintf("not fetched: more than %d source_urls", MaxPages) {
		t.Errorf("page %d = %#v, want a failure without a request", MaxPages, last)
	}
	for _, p := range pages[:MaxPages] {
		if p.Result != Pass {
			t.Errorf("%s = %s %q", p.Kind, p.Result, p.Message)
		}
	}
}

func TestCheckPageCount(t *testing.T) {
	if err := CheckPageCount(MaxPages); err != nil {
		t.Errorf("CheckPageCount(%d) = %v, want nil", MaxPages, err)
	}
	err := CheckPageCount(MaxPages + 1)
	if err == nil || !strings.Contains(err.Error(), "33 entries, more than the 32") || !strings.Contains(err.Error(), "split the rest across checks") {
		t.Errorf("CheckPageCount(%d) = %v, want the count, the cap and the fix", MaxPages+1, err)
	}
}
