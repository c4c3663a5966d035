package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/environ"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/sanitize/leakcheck"
	"github.com/costhandoff/terraform-provider-costhandoff/internal/standin"
)

// keySource is one way a user hands the provider the approved key.
type keySource struct {
	name string
	// inConfig writes the key literally as the provider's api_key. Terraform
	// then copies it, as written, into the saved plan's "configuration"
	// section, which echoes the user's files; the rest of the plan is checked.
	inConfig bool
	// envVar is the environment variable the key travels in, if any.
	envVar string
	// checkArgs and variables are extra configuration that uses the key.
	checkArgs, variables string
}

var keySources = []keySource{
	{name: "provider_api_key", inConfig: true},
	{name: "COSTHANDOFF_API_KEY", envVar: "COSTHANDOFF_API_KEY"},
	{
		// An ephemeral variable, as a write-only argument is meant to be fed:
		// Terraform itself saves an ordinary variable's value in the plan.
		name:   "api_key_wo",
		envVar: "TF_VAR_approved_key",
		variables: `variable "approved_key" {
  type      = string
  sensitive = true
  ephemeral = true
}`,
		checkArgs: "api_key_wo         = var.approved_key\n  api_key_wo_version = 1",
	},
}

// TestCredentialsNeverLeak proves the security model (DESIGN.md) with the real binary and
// CLI: for each way of passing the key, neither the approved key nor the
// generated invalid key appears in the saved plan, the state, the CLI's
// output or the trace log, whether the smoke test proceeds or the endpoint
// echoes the key back in a refusal that fails the apply.
func TestCredentialsNeverLeak(t *testing.T) {
	t.Parallel()
	for i, src := range keySources {
		// No run of 8 characters of a key may appear anywhere (letters and
		// digits only, case folded), so the keys spell no word the CLI prints
		// (api_key_wo would be apikeywo).
		key := fmt.Sprintf("sk-test-e2e-Zr5%dqW8mT3xL", i)
		t.Run(src.name+"/proceed", func(t *testing.T) {
			t.Parallel()
			w := newWorkspace(t, src, key, standin.Normal)
			plan := w.mustRun("plan", "-input=false", "-no-color", "-out=tfplan")
			planJSON := w.mustRun("show", "-json", "tfplan")
			if src.inConfig {
				planJSON = withoutConfiguration(t, planJSON)
			}
			apply := w.mustRun("apply", "-input=false", "-no-color", "tfplan")
			stateJSON := w.mustRun("show", "-json")
			if got := decisionIn(t, stateJSON); got != "proceed" {
				t.Fatalf("decision %q, want proceed: the key must have reached the stand-in and worked", got)
			}
			w.assertNoKey(map[string]string{
				"plan output":       plan,
				"saved plan JSON":   planJSON,
				"apply output":      apply,
				"state JSON":        stateJSON,
				"terraform.tfstate": w.read("terraform.tfstate"),
				"trace log":         w.traceLog(),
			})
		})
		t.Run(src.name+"/echoed_in_refusal", func(t *testing.T) {
			t.Parallel()
			w := newWorkspace(t, src, key, standin.EchoKey)
			plan := w.mustRun("plan", "-input=false", "-no-color", "-out=tfplan")
			apply, err := w.run("apply", "-input=false", "-no-color", "tfplan")
			if err == nil {
				t.Fatal("apply succeeded, want the stop decision to fail it")
			}
			// The refusal quoted the key where the error now says [redacted].
			for _, want := range []string{"decided stop", "auth_failure", "[redacted]"} {
				if !strings.Contains(apply, want) {
					t.Errorf("apply output lacks %q", want)
				}
			}
			w.assertNoKey(map[string]string{
				"plan output":       plan,
				"apply error":       apply,
				"terraform.tfstate": w.read("terraform.tfstate"),
				"trace log":         w.traceLog(),
			})
		})
	}
}

// workspace is one Terraform working directory wired to the freshly built
// provider and its own stand-in.
type workspace struct {
	t       *testing.T
	dir     string
	env     []string
	standin *standin.Server
	key     string
}

func newWorkspace(t *testing.T, src keySource, key string, behaviour standin.Behaviour) *workspace {
	t.Helper()
	s := standin.New(standin.Options{APIKeys: []string{key}, Behaviour: behaviour})
	url, stop := s.Start()
	t.Cleanup(stop)
	w := &workspace{t: t, dir: t.TempDir(), standin: s, key: key}
	w.write("main.tf", configuration(src, key, url, "fail"))
	w.wireCLI(true)
	if src.envVar != "" {
		w.env = append(w.env, src.envVar+"="+key)
	}
	return w
}

// wireCLI gives the workspace a CLI configuration that serves the freshly
// built provider, and an environment with nothing from the caller's shell;
// with trace, the CLI writes a TF_LOG=trace log to trace.log.
func (w *workspace) wireCLI(trace bool) {
	w.t.Helper()
	w.write("costhandoff.tfrc", tf.devOverridesConfig(providerDir))
	w.env = append(environ.Without("TF_", "COSTHANDOFF_", "CHECKPOINT_"),
		"TF_CLI_CONFIG_FILE="+filepath.Join(w.dir, "costhandoff.tfrc"), "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
	if trace {
		w.env = append(w.env, "TF_LOG=trace", "TF_LOG_PATH="+filepath.Join(w.dir, "trace.log"))
	}
}

// configuration is a complete handoff against the stand-in at url.
func configuration(src keySource, key, url, enforcement string) string {
	var providerArgs string
	if src.inConfig {
		providerArgs = fmt.Sprintf("api_key  = %q", key)
	}
	return fmt.Sprintf(`terraform {
  required_providers {
    costhandoff = {
      source = %[6]q
    }
  }
}

%[5]s

provider "costhandoff" {
  endpoint = "%[1]s/v1"
  operator = "finops-platform"
  %[2]s
}

resource "costhandoff_check" "this" {
  owner_tag    = "team-search"
  workload_tag = "search-summaries"
  environment  = "prod"
  model        = "gpt-test-mini"
  enforcement  = %[3]q
  source_urls = {
    pricing        = "%[1]s/pages/pricing"
    support        = "%[1]s/pages/support"
    allocation     = "%[1]s/pages/allocation"
    unit_economics = "%[1]s/pages/unit_economics"
  }
  %[4]s
}
`, url, providerArgs, enforcement, src.checkArgs, src.variables, tf.source)
}

// run runs the CLI in the workspace and returns stdout and stderr together.
func (w *workspace) run(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, tf.path, args...)
	cmd.Dir, cmd.Env = w.dir, w.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// mustRun is run for a command that must succeed. On failure its output is
// shown unless it holds a key.
func (w *workspace) mustRun(args ...string) string {
	w.t.Helper()
	out, err := w.run(args...)
	if err != nil {
		if !w.clean(w.secrets(), map[string]string{"output of terraform " + args[0]: out}) {
			out = "(output withheld: it holds a key)"
		}
		w.t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func (w *workspace) write(name, content string) {
	w.t.Helper()
	if err := os.WriteFile(filepath.Join(w.dir, name), []byte(content), 0o600); err != nil {
		w.t.Fatal(err)
	}
}

func (w *workspace) read(name string) string {
	w.t.Helper()
	b, err := os.ReadFile(filepath.Join(w.dir, name))
	if err != nil {
		w.t.Fatal(err)
	}
	return string(b)
}

// traceLog is Terraform's trace log, checked to hold the provider's own
// lines so that an empty or foreign log cannot pass for a clean one.
func (w *workspace) traceLog() string {
	w.t.Helper()
	log := w.read("trace.log")
	if !strings.Contains(log, "running cost handoff smoke test") {
		w.t.Fatal("the trace log holds no line of the provider's smoke test")
	}
	return log
}

// secrets are the keys the stand-in has seen so far: the approved key and
// the invalid key the provider generated for the error path.
func (w *workspace) secrets() []string {
	keys := []string{w.key}
	for _, r := range w.standin.Requests() {
		if k, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	return keys
}

// assertNoKey fails for every place that holds a secret, naming the place
// and the line, never the key.
// It first requires that both keys were sent, so that the invalid one is
// looked for too.
func (w *workspace) assertNoKey(places map[string]string) {
	w.t.Helper()
	secrets := w.secrets()
	if len(secrets) != 2 {
		w.t.Fatalf("the stand-in saw %d distinct keys, want the approved and the invalid one", len(secrets))
	}
	w.clean(secrets, places)
}

func (w *workspace) clean(secrets []string, places map[string]string) bool {
	w.t.Helper()
	clean := true
	for _, secret := range secrets {
		which := "approved"
		if secret != w.key {
			which = "invalid"
		}
		for place, text := range places {
			if line, found := leakLine(text, secret); found {
				w.t.Errorf("the %s key appears in the %s, line %d", which, place, line)
				clean = false
			}
		}
	}
	return clean
}

// leakLine reports whether text holds secret, or any run of
// leakcheck.Window characters of it, in the checker's view (escapes,
// percent-encoding and entities decoded, compatibility forms and case
// folded, look-alikes replaced, letters and digits only; reversed, hex and
// base64 too), so that a key split by U+200B or U+0001, escaped or encoded
// is found; and on which line it is (1 when only the whole text holds it).
func leakLine(text, secret string) (int, bool) {
	if leakcheck.Find(text, secret) == "" {
		return 0, false
	}
	for i, line := range strings.Split(text, "\n") {
		if leakcheck.Find(line, secret) != "" {
			return i + 1, true
		}
	}
	return 1, true
}

// withoutConfiguration drops the copy of the configuration files from a
// `terraform show -json` plan.
func withoutConfiguration(t *testing.T, planJSON string) string {
	t.Helper()
	var plan map[string]json.RawMessage
	if err := json.Unmarshal([]byte(planJSON), &plan); err != nil {
		t.Fatalf("terraform show -json tfplan: %v", err)
	}
	if _, ok := plan["configuration"]; !ok {
		t.Fatal("the saved plan has no configuration section")
	}
	delete(plan, "configuration")
	out, err := json.Marshal(plan)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// decisionIn reads the check's decision from `terraform show -json`.
func decisionIn(t *testing.T, stateJSON string) string {
	t.Helper()
	var state struct {
		Values struct {
			RootModule struct {
				Resources []struct {
					Address string `json:"address"`
					Values  struct {
						Decision string `json:"decision"`
					} `json:"values"`
				} `json:"resources"`
			} `json:"root_module"`
		} `json:"values"`
	}
	if err := json.Unmarshal([]byte(stateJSON), &state); err != nil {
		t.Fatalf("terraform show -json: %v", err)
	}
	for _, r := range state.Values.RootModule.Resources {
		if r.Address == "costhandoff_check.this" {
			return r.Values.Decision
		}
	}
	t.Fatal("costhandoff_check.this is not in state")
	return ""
}
