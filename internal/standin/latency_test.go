package standin

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// gatedClock replaces the stand-in's clock: every latency wait reports its
// duration on waits and ends when release is closed.
type gatedClock struct {
	waits   chan time.Duration
	release chan time.Time
}

func newGatedClock(s *Server) *gatedClock {
	c := &gatedClock{waits: make(chan time.Duration, 16), release: make(chan time.Time)}
	s.after = func(d time.Duration) <-chan time.Time {
		c.waits <- d
		return c.release
	}
	return c
}

// nextWait returns the duration of the next latency wait to start.
func (c *gatedClock) nextWait(t *testing.T) time.Duration {
	t.Helper()
	select {
	case d := <-c.waits:
		return d
	case <-time.After(10 * time.Second):
		t.Fatal("no request reached the latency wait")
		return 0
	}
}

func TestLatencyIsHonouredAndCountsInFlight(t *testing.T) {
	const concurrent = 3
	s := New(Options{Latency: 250 * time.Millisecond})
	clock := newGatedClock(s)
	url, stop := s.Start()
	defer stop()

	statuses := make(chan int, concurrent)
	for range concurrent {
		req := aiRequest(t, url, "openai_chat", approvedKey, 1)
		go func() {
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				statuses <- 0
				return
			}
			resp.Body.Close()
			statuses <- resp.StatusCode
		}()
	}
	for range concurrent {
		if d := clock.nextWait(t); d != 250*time.Millisecond {
			t.Errorf("waited %v, want the configured 250ms", d)
		}
	}
	select {
	case status := <-statuses:
		t.Fatalf("answered %d before the latency passed", status)
	default:
	}
	if got := s.PeakInFlight(); got != concurrent {
		t.Errorf("PeakInFlight = %d while all wait, want %d", got, concurrent)
	}
	close(clock.release)
	for range concurrent {
		if status := <-statuses; status != http.StatusOK {
			t.Errorf("status %d after the latency, want 200", status)
		}
	}
	if got := s.PeakInFlight(); got != concurrent {
		t.Errorf("PeakInFlight = %d after, want it to stay %d", got, concurrent)
	}
	s.ResetCounters()
	if got := s.PeakInFlight(); got != 0 {
		t.Errorf("PeakInFlight = %d after ResetCounters with nothing in flight, want 0", got)
	}
}

func TestNoLatencyNeverWaits(t *testing.T) {
	s := New(Options{})
	s.after = func(d time.Duration) <-chan time.Time {
		t.Errorf("waited %v with no latency set", d)
		return time.After(0)
	}
	url, stop := s.Start()
	defer stop()
	if got := do(t, aiRequest(t, url, "gemini", approvedKey, 1)).status; got != 200 {
		t.Errorf("status %d, want 200", got)
	}
	if got := s.PeakInFlight(); got != 1 {
		t.Errorf("PeakInFlight = %d, want 1", got)
	}
}

func TestLatencyIsAbandonedWhenTheClientLeaves(t *testing.T) {
	s := New(Options{Latency: time.Hour})
	clock := newGatedClock(s)
	handlerDone := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.ServeHTTP(w, r)
		close(handlerDone)
	}))
	defer ts.Close()

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var clientErr error
	req := aiRequest(t, ts.URL, "anthropic_messages", approvedKey, 1).WithContext(ctx)
	wg.Go(func() {
		var resp *http.Response
		if resp, clientErr = http.DefaultClient.Do(req); clientErr == nil {
			resp.Body.Close()
		}
	})
	clock.nextWait(t)
	cancel()
	wg.Wait()
	if !errors.Is(clientErr, context.Canceled) {
		t.Errorf("client error %v, want context.Canceled", clientErr)
	}
	select {
	case <-handlerDone:
	case <-time.After(10 * time.Second):
		t.Fatal("the handler kept waiting after the client left")
	}
	if got := s.AIRequests(); got != 1 {
		t.Errorf("AIRequests = %d, want the abandoned request counted", got)
	}
}

func TestStopEndsLatencyWaits(t *testing.T) {
	s := New(Options{Latency: time.Hour})
	clock := newGatedClock(s)
	url, stop := s.Start()
	errs := make(chan error, 1)
	req := aiRequest(t, url, "openai_chat", approvedKey, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		errs <- err
	}()
	clock.nextWait(t)
	stopped := make(chan struct{})
	go func() {
		stop()
		stop() // a second call is harmless
		close(stopped)
	}()
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("stop waited for a request in its latency")
	}
	if err := <-errs; err == nil {
		t.Error("the client got an answer from a stopped stand-in")
	}
}
