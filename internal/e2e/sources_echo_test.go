package e2e

import (
	"net"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/standin"
)

// pageServer serves the check's source pages on 127.0.0.1: a plain page
// until hostile is set, then the raw answer hostile holds, which no net/http
// server would send (a malformed status line, a control character in a
// header).
type pageServer struct {
	url     string
	hostile atomic.Pointer[string]
}

func startPageServer(t *testing.T) *pageServer {
	t.Helper()
	s := &pageServer{}
	raw, err := standin.StartRaw(func(conn net.Conn, _ string, _ <-chan struct{}) {
		answer := "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\nConnection: close\r\n\r\npricing v1 ok"
		if h := s.hostile.Load(); h != nil {
			answer = *h
		}
		_, _ = conn.Write([]byte(answer))
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(raw.Close)
	s.url = raw.URL
	return s
}

// A watched source page that fails on refresh, its server answering with
// the approved key in what Go quotes into the error (a Location with a
// control character; a status line with the key split by U+200B, which Go
// writes as the visible escape \u200b), prints no run of 12 characters of
// the key in terraform plan, its trace log or the saved plan: with the key
// configured (a key of no vendor's shape, so only the run's credentials can
// hide it) and without any key (an sk- key: a plan with no key configured
// knows no credential, only key shapes).
func TestWatchedSourcePageNeverPrintsTheKey(t *testing.T) {
	t.Parallel()
	split := func(key string) string { return strings.Join(strings.Split(key, ""), "\u200b") }
	answers := []struct {
		name   string
		answer func(key string) string
	}{
		{name: "Location with a control character", answer: func(key string) string {
			return "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1/\x01/" + key + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
		}},
		{name: "status line split by U+200B", answer: func(key string) string {
			return "HTTP/1.1 X" + split(key) + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
		}},
	}
	keys := []struct {
		name, key      string
		planWithoutKey bool
	}{
		{name: "shapeless key", key: "Gw7hQ2lM9xK4tZ8rP3vNe2eW"},
		{name: "sk key", key: "sk-test-e2e-watched-page-Qe5Wd1Zc6Yb0", planWithoutKey: true},
	}
	for _, k := range keys {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			pages := startPageServer(t)
			w := newWorkspace(t, keySource{envVar: "COSTHANDOFF_API_KEY", checkArgs: "watch_sources = true"}, k.key, standin.Normal)
			w.write("main.tf", regexp.MustCompile(`"http://127\.0\.0\.1:\d+/pages/`).ReplaceAllString(w.read("main.tf"), `"`+pages.url+"/pages/"))
			w.mustRun("apply", "-input=false", "-no-color", "-auto-approve")
			if got := decisionIn(t, w.mustRun("show", "-json")); got != "proceed" {
				t.Fatalf("decision %q, want proceed: the pages must have passed at apply", got)
			}
			withKey := w.env
			withoutKey := slices.DeleteFunc(slices.Clone(w.env), func(e string) bool { return strings.HasPrefix(e, "COSTHANDOFF_API_KEY=") })
			for _, a := range answers {
				t.Run(a.name, func(t *testing.T) {
					parent := w.t
					w.t = t
					defer func() { w.t, w.env = parent, withKey }()
					answer := a.answer(k.key)
					pages.hostile.Store(&answer)
					envs := map[string][]string{"with the key configured": withKey}
					if k.planWithoutKey {
						envs["with no key configured"] = withoutKey
					}
					for name, env := range envs {
						w.env = env
						traced := len(w.read("trace.log")) // the log grows across runs: only this plan's lines are searched
						plan := w.mustRun("plan", "-input=false", "-no-color", "-out=watched.tfplan")
						if !strings.Contains(plan, "Watched source page could not be checked") || !strings.Contains(plan, "malformed") {
							t.Fatalf("%s: the plan does not warn about the failed page with its reason:\n%s", name, withoutLines(plan, k.key))
						}
						w.clean([]string{k.key}, map[string]string{
							"plan output " + name:     plan,
							"saved plan JSON " + name: w.mustRun("show", "-json", "watched.tfplan"),
							"trace log " + name:       w.read("trace.log")[traced:],
						})
					}
				})
			}
		})
	}
}

// withoutLines is text without the lines that hold key, to show in a failure.
func withoutLines(text, key string) string {
	var kept []string
	for line := range strings.SplitSeq(text, "\n") {
		if _, leaks := leakLine(line, key); !leaks {
			kept = append(kept, line)
		}
	}
	return strings.Join(kept, "\n")
}
