package ledger

import (
	"net/http"
	"testing"
)

// A read refused with HTTP 429 is a rate-limit refusal, whatever its body
// says; a read refused otherwise is not, even when its body quotes a 429
// (a gateway's 503 saying its upstream answered "HTTP 429").
func TestReadRefusalIsTheStatus(t *testing.T) {
	for _, tt := range []struct {
		status int
		body   string
		want   bool
	}{
		{http.StatusTooManyRequests, `{"message":"slow down"}`, true},
		{http.StatusServiceUnavailable, `{"message":"upstream answered HTTP 429"}`, false},
		{http.StatusBadGateway, `HTTP 429 Too Many Requests`, false},
		{http.StatusUnauthorized, `{"message":"HTTP 429"}`, false},
	} {
		e := reply{status: tt.status, body: []byte(tt.body), header: http.Header{}}.failure("the log API")
		if e.rateLimited != tt.want {
			t.Errorf("HTTP %d %q: rateLimited = %v, want %v", tt.status, tt.body, e.rateLimited, tt.want)
		}
	}
}
