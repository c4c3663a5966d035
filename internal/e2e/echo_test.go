package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/standin"
)

// Keys of any shape, echoed back by the endpoint (the approved key into the
// error path's answer; a key sent with a trailing space, echoed trimmed),
// appear in no CLI output, state or TF_LOG=trace line, with the real binary
// and the real CLI. The keys here are not sk-shaped, so no generic
// key-shape redaction can hide a leak.
func TestEchoedKeysOfAnyShapeNeverLeak(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		key       string // as the user set it
		behaviour standin.Behaviour
	}{
		{"gateway token echoed to the error path", "8f3c9a71d2e64b0fa5c1e9d7b3a2f6c4", standin.EchoApprovedKey},
		{"gateway token with a trailing space echoed trimmed", "8f3c9a71d2e64b0fa5c1e9d7b3a2f6c5 ", standin.EchoTrimmedKey},
		{"short key echoed to the error path", "k9Xq2mWz", standin.EchoApprovedKey},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			trimmed := strings.TrimSpace(tc.key)
			s := standin.New(standin.Options{APIKeys: []string{trimmed}, Behaviour: tc.behaviour})
			url, stop := s.Start()
			t.Cleanup(stop)
			w := &workspace{t: t, dir: t.TempDir(), standin: s, key: trimmed}
			w.write("main.tf", configuration(keySource{envVar: "COSTHANDOFF_API_KEY"}, trimmed, url, "record"))
			w.wireCLI(true)
			w.env = append(w.env, "COSTHANDOFF_API_KEY="+tc.key)
			plan := w.mustRun("plan", "-input=false", "-no-color", "-out=tfplan")
			apply := w.mustRun("apply", "-input=false", "-no-color", "tfplan")
			state := w.mustRun("show", "-json")
			if !strings.Contains(state, "[redacted]") {
				t.Fatal("the state shows no redaction: the stand-in must have echoed a key")
			}
			places := map[string]string{
				"plan output":       plan,
				"saved plan JSON":   w.mustRun("show", "-json", "tfplan"),
				"apply output":      apply,
				"state JSON":        state,
				"terraform.tfstate": w.read("terraform.tfstate"),
				"trace log":         w.traceLog(),
			}
			if got := s.RequestsWithKey(trimmed); got != 1 {
				t.Fatalf("the stand-in saw %d requests with the approved key, want 1", got)
			}
			w.clean([]string{trimmed}, places)
			for place, text := range places {
				if strings.Contains(text, fmt.Sprintf("%q", tc.key)) {
					t.Errorf("the key as configured appears in the %s", place)
				}
			}
		})
	}
}
