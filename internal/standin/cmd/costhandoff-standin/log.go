package main

import (
	"log"
	"net/http"
	"strconv"
	"time"
)

// logRequests logs one line per request: method, path, status and duration.
// Headers and the query string are left out, as either may carry a key.
func logRequests(logger *log.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		logger.Printf("%s %s %s %v", r.Method, r.URL.Path, rec.outcome(), time.Since(start).Round(time.Millisecond))
	})
}

// statusRecorder notes the status a handler sent. Unwrap lets
// http.ResponseController reach the connection beneath (to hijack it).
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(p []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(p)
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// outcome is the status sent, or "no-status" when the handler took the
// connection over or wrote nothing.
func (s *statusRecorder) outcome() string {
	if s.status == 0 {
		return "no-status"
	}
	return strconv.Itoa(s.status)
}
