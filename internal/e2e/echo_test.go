package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

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

// Keys echoed split by U+200B every three bytes, or by U+0001 between every
// two characters, in both paths' answers (the 401's message; the 200's
// model and body id, with no request-id header); quoted by Go's client into
// its error from a raw status line or header line (U+200B becoming the six
// characters \u200b, U+0001 \x01); or encoded (percent, entities, \u
// escapes, fullwidth, mathematical bold, look-alikes, base64, reversed and
// split ids) appear in no CLI output, saved plan (this run's or the next
// one's, which holds the state), state or TF_LOG=trace line, in any run of
// 8 characters, however the output or the server encodes them (the
// checker decodes, folds and skeletonises: leakcheck). verify_sources =
// false makes the run a review, so the apply prints its detail (request id
// and messages) as a warning.
func TestSplitEchoesNeverLeak(t *testing.T) {
	t.Parallel()
	for i, tc := range []struct {
		behaviour standin.Behaviour
		want      []string // what the state must hold, so that the echo is known to have happened
		stops     bool     // both paths fail on the network, so the apply fails with the run's detail
	}{
		{standin.EchoSplitFormat, []string{`"model":"sha256:`, `"request_id":"sha256:`, "the approved key is [redacted]"}, false},
		{standin.EchoSplitControl, []string{`"model":"sha256:`, `"request_id":"sha256:`, "the approved key is [redacted]"}, false},
		{standin.EchoStatusLine, []string{`malformed HTTP status code \"X[redacted]\"`}, true},
		{standin.EchoHeaderLine, []string{`malformed MIME header line: \"Location: [redacted]\"`}, true},
		{standin.EchoEncoded, []string{`"model":"sha256:`, `"request_id":"sha256:`, "the approved key is [redacted]"}, false},
	} {
		t.Run(string(tc.behaviour), func(t *testing.T) {
			t.Parallel()
			src := keySource{envVar: "COSTHANDOFF_API_KEY", checkArgs: "verify_sources = false"}
			w := newWorkspace(t, src, fmt.Sprintf("sk-test-e2e-Qm7xK2pZ%dwR4vN8", i), tc.behaviour)
			plan := w.mustRun("plan", "-input=false", "-no-color", "-out=tfplan")
			planJSON := w.mustRun("show", "-json", "tfplan")
			apply, err := w.run("apply", "-input=false", "-no-color", "tfplan")
			if (err != nil) != tc.stops {
				t.Fatalf("apply: %v\n%s", err, apply)
			}
			state := w.mustRun("show", "-json")
			for _, want := range tc.want {
				if !strings.Contains(state, want) {
					t.Errorf("the state lacks %s: the stand-in must have echoed the keys", want)
				}
			}
			if !strings.Contains(apply, "[redacted]") {
				t.Error("the apply's warning shows no redaction: it must print the run's detail")
			}
			w.write("main.tf", strings.Replace(w.read("main.tf"), "verify_sources = false", "verify_sources = false\n  prompt = \"ping again\"", 1))
			next := w.mustRun("plan", "-input=false", "-no-color", "-out=next.tfplan")
			w.assertNoKey(map[string]string{
				"plan output":          plan,
				"saved plan JSON":      planJSON,
				"apply output":         apply,
				"state JSON":           state,
				"terraform.tfstate":    w.read("terraform.tfstate"),
				"next plan output":     next,
				"next saved plan JSON": w.mustRun("show", "-json", "next.tfplan"),
				"trace log":            w.traceLog(),
			})
		})
	}
}

func TestLeakLine(t *testing.T) {
	const key = "sk-test-0123456789abcdef"
	tests := []struct {
		name, text string
		line       int
	}{
		{"absent", "nothing\n[redacted]", 0},
		{"whole", "a\nb " + key, 2},
		{"split by U+200B", "x " + strings.Join(strings.Split(key, ""), "\u200b"), 1},
		{"split by escaped U+0001", "\n\n" + strings.Join(strings.Split(key, ""), `\u0001`), 3},
		{"split by escaped newlines", strings.Join(strings.Split(key, ""), `\n`), 1},
		{"eight characters", "[" + key[10:18] + "]", 1},
		{"seven characters", "[" + key[10:17] + "]", 0},
		{"percent-encoded", "a\nb %30%31%32%33%34%35%36%37", 2},
		{"fullwidth", "ｓｋ－ｔｅｓｔ－０１２３４５６７", 1},
	}
	for _, tt := range tests {
		line, found := leakLine(tt.text, key)
		if found != (tt.line > 0) || line != tt.line {
			t.Errorf("%s: leakLine = %d, %v; want line %d", tt.name, line, found, tt.line)
		}
	}
}

// Hostile input is refused at plan by the real CLI, quickly, naming the
// fix, and is not echoed: a 16 KiB key in COSTHANDOFF_API_KEY (which once
// hung the apply) appears in no run of 8 characters of the output or the
// trace log, and an operator holding terminal escapes reaches the terminal
// as no escape at all.
func TestRefusedInputsNeverEchoed(t *testing.T) {
	t.Parallel()
	long := "sk-test-" + strings.Repeat("Zq7Wp2Lm9Xk4", 16<<10/12)
	cases := []struct {
		name, env, want string
	}{
		{"16 KiB key", "COSTHANDOFF_API_KEY=" + long, "api_key is 16388 bytes long"},
		{"escaped operator", "COSTHANDOFF_OPERATOR=finops\x1b[2K\x1b]0;owned\x07\nplatform", "operator holds control characters"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorkspace(t, keySource{}, "sk-test-e2e-refused-input", standin.Normal)
			w.write("main.tf", strings.Replace(w.read("main.tf"), `operator = "finops-platform"`, "", 1))
			w.env = append(w.env, tc.env)
			start := time.Now()
			out, err := w.run("plan", "-input=false", "-no-color", "-out=tfplan")
			if err == nil || !strings.Contains(out, tc.want) {
				t.Fatalf("plan: %v, want it refused with %q", err, tc.want)
			}
			if took := time.Since(start); took > time.Minute {
				t.Errorf("plan took %s", took)
			}
			if strings.ContainsAny(out, "\x1b\x07") {
				t.Error("the plan output holds a terminal escape")
			}
			for place, text := range map[string]string{"plan output": out, "trace log": w.read("trace.log")} {
				if line, found := leakLine(text, long); found {
					t.Errorf("the long key appears in the %s, line %d", place, line)
				}
			}
			if n := w.standin.AIRequests(); n != 0 {
				t.Errorf("the stand-in saw %d AI requests, want 0", n)
			}
		})
	}
}
