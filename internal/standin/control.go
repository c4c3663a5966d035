package standin

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"
)

const (
	controlPrefix      = "/_standin/"
	pagePrefix         = "/pages/"
	redirectTargetPath = controlPrefix + "elsewhere"
	// maxPageBytes bounds a page uploaded through the control endpoint.
	maxPageBytes = 1 << 20
)

// controlRoutes serves the pages, the redirect target and the control
// endpoints that the process form is driven by. Only the redirect target
// counts as an AI request.
func (s *Server) controlRoutes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+pagePrefix+"{kind}", s.servePage)
	mux.HandleFunc(redirectTargetPath, s.serveRedirectTarget)
	mux.HandleFunc("GET "+controlPrefix+"stats", s.serveStats)
	mux.HandleFunc("POST "+controlPrefix+"behaviour", s.setBehaviourFromQuery)
	mux.HandleFunc("POST "+controlPrefix+"latency", s.setLatencyFromQuery)
	mux.HandleFunc("POST "+controlPrefix+"reset", func(w http.ResponseWriter, _ *http.Request) {
		s.ResetCounters()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("PUT "+controlPrefix+"pages/{kind}", s.putPage)
	s.ledgerControlRoutes(mux)
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
	st := stats{AIRequests: s.counts.aiRequests, PageRequests: s.counts.pageRequests, PeakInFlight: s.counts.peakInFlight}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) setBehaviourFromQuery(w http.ResponseWriter, r *http.Request) {
	b := Behaviour(r.URL.Query().Get("set"))
	if !slices.Contains(Behaviours(), b) {
		http.Error(w, fmt.Sprintf("unknown behaviour %q; known: %v", b, Behaviours()), http.StatusBadRequest)
		return
	}
	s.SetBehaviour(b)
	w.WriteHeader(http.StatusNoContent)
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

func (s *Server) putPage(w http.ResponseWriter, r *http.Request) {
	status := http.StatusOK
	if q := r.URL.Query().Get("status"); q != "" {
		n, err := strconv.Atoi(q)
		if err != nil || n < 200 || n > 599 {
			http.Error(w, "status must be an HTTP status from 200 to 599", http.StatusBadRequest)
			return
		}
		status = n
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxPageBytes))
	if err != nil {
		http.Error(w, "page body unreadable or over 1 MiB", http.StatusBadRequest)
		return
	}
	s.SetPage(r.PathValue("kind"), status, string(body))
	w.WriteHeader(http.StatusNoContent)
}
