package handoff

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// A usage object with a count out of range is no evidence: the run does not
// capture evidence, stops on evidence_gap, keeps no tokens line, and the
// happy path's message says why. Before, 1e308 prompt tokens became 0 with
// evidence captured, and two MaxInt64 counts a total of -2.
func TestRunRefusesUsageOutOfRangeAsEvidence(t *testing.T) {
	for name, usage := range map[string]string{
		"1e308 prompt tokens":          `{"prompt_tokens": 1e308, "completion_tokens": 1, "total_tokens": 2}`,
		"MaxInt64 prompt and output":   `{"prompt_tokens": 9223372036854775807, "completion_tokens": 9223372036854775807}`,
		"a total of MaxInt64":          `{"prompt_tokens": 8, "completion_tokens": 1, "total_tokens": 9223372036854775807}`,
		"a negative count, total kept": `{"prompt_tokens": -8, "completion_tokens": 9, "total_tokens": 1}`,
	} {
		t.Run(name, func(t *testing.T) {
			api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Request-Id", fakeRequestID)
				if r.Header.Get("Authorization") != "Bearer "+approvedKey {
					w.WriteHeader(http.StatusUnauthorized)
					_, _ = w.Write([]byte(`{"error":{"message":"Incorrect API key provided","code":"invalid_api_key"}}`))
					return
				}
				_, _ = w.Write([]byte(`{"object":"chat.completion","model":"gpt-fake","usage":` + usage + `}`))
			}))
			t.Cleanup(api.Close)
			f := newFakeAPI(t)
			c := completeCheck(f)
			c.Request.Endpoint = api.URL + "/v1"
			o := newRunner(nil).Run(t.Context(), c, Previous{}, 10)
			happy := o.Probe.HappyPath
			if o.HappyPathResult != "pass" || happy.Usage.Found || happy.Usage.TotalTokens != 0 {
				t.Errorf("happy path %s with usage %+v, want a pass with no usage", o.HappyPathResult, happy.Usage)
			}
			if o.EvidenceCaptured || !slices.Contains(o.Reasons, reasonEvidenceGap) {
				t.Errorf("evidence captured %v, reasons %v: want no evidence and evidence_gap", o.EvidenceCaptured, o.Reasons)
			}
			if !strings.Contains(happy.Message, "usage not taken as evidence: ") {
				t.Errorf("happy path message %q does not say why the usage was refused", happy.Message)
			}
			if hasLogField(o.Log, "tokens") {
				t.Error("the log has a tokens line for a refused usage")
			}
		})
	}
}
