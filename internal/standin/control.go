package standin

import (
	"net/http"
	"time"
)

const (
	controlPrefix      = "/_standin/"
	pagePrefix         = "/pages/"
	redirectTargetPath = controlPrefix + "elsewhere"
)

// controlRoutes serves the pages, the redirect target and the control
// endpoints that the process form is driven by (`make demo` reads the stats,
// the bench sets the latency and resets the counters); in-process tests use
// the Server's methods instead. Only the redirect target counts as an AI
// request.
func (s *Server) controlRoutes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+pagePrefix+"{kind}", s.servePage)
	mux.HandleFunc(redirectTargetPath, s.serveRedirectTarget)
	mux.HandleFunc("GET "+controlPrefix+"stats", s.serveStats)
	mux.HandleFunc("POST "+controlPrefix+"latency", s.setLatencyFromQuery)
	mux.HandleFunc("POST "+controlPrefix+"reset", func(w http.ResponseWriter, _ *http.Request) {
		s.ResetCounters()
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}

// serveRedirectTarget is where the Redirect behaviour points: a client that
// follows redirects shows up here as one more AI request.
func (s *Server) serveRedirectTarget(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.record(Recorded{Protocol: "redirect_target", Path: r.URL.Path, Header: r.Header.Clone()})
	s.mu.Unlock()
	writeBytes(w, http.StatusOK, "text/plain; charset=utf-8", []byte("costhandoff-standin: the client followed a redirect\n"))
}

// stats is the JSON of GET /_standin/stats.
type stats struct {
	AIRequests   int `json:"ai_requests"`
	PageRequests int `json:"page_requests"`
	PeakInFlight int `json:"peak_in_flight"`
}

func (s *Server) serveStats(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	s.settleLocked()
	st := stats{AIRequests: s.counts.aiRequests, PageRequests: s.counts.pageRequests, PeakInFlight: s.counts.peakInFlight}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) setLatencyFromQuery(w http.ResponseWriter, r *http.Request) {
	d, err := time.ParseDuration(r.URL.Query().Get("set"))
	if err != nil || d < 0 {
		http.Error(w, "set must be a non-negative Go duration such as 250ms", http.StatusBadRequest)
		return
	}
	s.SetLatency(d)
	w.WriteHeader(http.StatusNoContent)
}
