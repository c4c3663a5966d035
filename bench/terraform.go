package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/costhandoff/terraform-provider-costhandoff/internal/environ"
	standinserver "github.com/costhandoff/terraform-provider-costhandoff/internal/standin"
)

// cli runs the Terraform or OpenTofu CLI with both providers wired in
// through dev_overrides (no init, no registry) and nothing from the
// caller's TF_* or COSTHANDOFF_* variables.
type cli struct {
	path string
	env  []string
}

func newCLI(name, binDir, work, standinURL string) (*cli, error) {
	path, err := exec.LookPath(name)
	if err != nil {
		return nil, fmt.Errorf("the CLI %q: %w (set TERRAFORM or -terraform)", name, err)
	}
	if path, err = filepath.Abs(path); err != nil {
		return nil, err
	}
	rc := filepath.Join(work, "bench.terraformrc")
	// Sources without a host resolve to the CLI's own registry host, so
	// these keys match the configurations below on Terraform and OpenTofu.
	config := fmt.Sprintf(`disable_checkpoint = true
provider_installation {
  dev_overrides {
    "costhandoff/costhandoff" = %[1]q
    "costhandoff/noop"        = %[1]q
  }
  direct {}
}
`, binDir)
	if err := os.WriteFile(rc, []byte(config), 0o644); err != nil {
		return nil, err
	}
	env := environ.Without("TF_", "COSTHANDOFF_", "CHECKPOINT_")
	env = append(env,
		"TF_CLI_CONFIG_FILE="+rc,
		"CHECKPOINT_DISABLE=1",
		"TF_IN_AUTOMATION=1",
		"COSTHANDOFF_ENDPOINT="+standinURL+"/v1",
		"COSTHANDOFF_API_KEY="+approvedKey,
		"COSTHANDOFF_OPERATOR=bench",
	)
	return &cli{path: path, env: env}, nil
}

// timing is one timed command: wall time, and CPU time (user + system) of
// the CLI and of every process it started and waited for, the providers
// included, which a busy machine disturbs far less than wall time.
type timing struct {
	wall, cpu time.Duration
}

// run runs the CLI with args (and -no-color) in dir, keeps its output in
// dir/tf.log and times it. A plan with -detailed-exitcode that is not
// empty is an error.
func (c *cli) run(ctx context.Context, dir string, args ...string) (timing, error) {
	cmd := exec.CommandContext(ctx, c.path, append(args, "-no-color")...)
	cmd.Dir, cmd.Env = dir, c.env
	// On Ctrl-C, let the CLI stop its providers and write its state.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 30 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	_ = os.WriteFile(filepath.Join(dir, "tf.log"), out.Bytes(), 0o644)
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() == 2 && args[0] == "plan" {
			err = errPlanNotEmpty
		}
		return timing{}, fmt.Errorf("%s %s in %s: %w\n%s", filepath.Base(c.path), strings.Join(args, " "), dir, err, tail(out.String(), 40))
	}
	st := cmd.ProcessState
	return timing{wall: wall, cpu: st.UserTime() + st.SystemTime()}, nil
}

// version is the first line of the CLI's version, e.g. "Terraform v1.11.4".
func (c *cli) version(ctx context.Context) string {
	cmd := exec.CommandContext(ctx, c.path, "version")
	cmd.Env = c.env
	out, _ := cmd.Output()
	line, _, _ := strings.Cut(string(out), "\n")
	return line
}

func tail(s string, lines int) string {
	parts := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(parts) > lines {
		parts = parts[len(parts)-lines:]
	}
	return strings.Join(parts, "\n")
}

// benchOwner is every check's owner_tag; the re-run plan changes it.
const benchOwner = "team-bench"

// checksConfig is n costhandoff_check resources, each a complete handoff
// that the stand-in at base lets proceed, re-run whenever round changes.
// Only arguments that every version of the schema keeps are used.
func checksConfig(n, maxConcurrent int, base string, round int) string {
	return checksConfigOwned(n, maxConcurrent, base, round, benchOwner)
}

// checksConfigOwned is checksConfig with owner as every check's owner_tag.
func checksConfigOwned(n, maxConcurrent int, base string, round int, owner string) string {
	return fmt.Sprintf(`terraform {
  required_providers {
    costhandoff = { source = "costhandoff/costhandoff" }
  }
}

provider "costhandoff" {
  max_concurrent_checks = %d
}

%s`, maxConcurrent, handoffs(checkType, n, base, round, owner))
}

// ledgerFleetConfig is the ledger goal's fleet against the gateway at base,
// with the gateway's usage log as its ledger or with none.
func ledgerFleetConfig(base string, withLedger bool) string {
	ledger := ""
	if withLedger {
		ledger = fmt.Sprintf(`
  ledger_api   = "new_api"
  ledger_token = %q`, standinLedgerToken)
	}
	return fmt.Sprintf(`terraform {
  required_providers {
    costhandoff = { source = "costhandoff/costhandoff" }
  }
}

provider "costhandoff" {
  endpoint              = "%s/v1"
  max_concurrent_checks = %d%s
}

%s`, base, ledgerFleetConcurrency, ledger, handoffs(checkType, ledgerFleetSize, base, 0, benchOwner))
}

// standinLedgerToken is the access token the stand-in's usage log accepts
// by default.
const standinLedgerToken = standinserver.DefaultLedgerAccessToken

// echoConfig is checksConfig's resources as noop_check_echo: the same
// arguments, held by the same-state floor.
func echoConfig(n int, base string, round int) string {
	return `terraform {
  required_providers {
    noop = { source = "costhandoff/noop" }
  }
}

` + handoffs("noop_check_echo", n, base, round, benchOwner)
}

// sourceKinds are the four kinds the default policy requires, each served
// by the stand-in at /pages/<kind>.
var sourceKinds = []string{"pricing", "support", "allocation", "unit_economics"}

func handoffs(typeName string, n int, base string, round int, owner string) string {
	return fmt.Sprintf(`resource %q "bench" {
  count = %d

  owner_tag    = %q
  workload_tag = "bench-${count.index}"
  environment  = "prod"
  model        = "gpt-4o-mini"
  source_urls = {
    pricing        = "%[4]s/pages/pricing"
    support        = "%[4]s/pages/support"
    allocation     = "%[4]s/pages/allocation"
    unit_economics = "%[4]s/pages/unit_economics"
  }
  rerun_triggers = {
    round = "%[5]d"
  }
}
`, typeName, n, owner, base, round)
}

// handoffArgs is what handoffs configures for the check at index, as the
// protocol's values: the configuration the in-process re-runs plan with.
func handoffArgs(base string, index, round int, owner string) map[string]tftypes.Value {
	str := func(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }
	strMap := func(m map[string]string) tftypes.Value {
		vs := make(map[string]tftypes.Value, len(m))
		for k, v := range m {
			vs[k] = str(v)
		}
		return tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, vs)
	}
	urls := map[string]string{}
	for _, kind := range sourceKinds {
		urls[kind] = base + "/pages/" + kind
	}
	return map[string]tftypes.Value{
		"owner_tag":      str(owner),
		"workload_tag":   str(fmt.Sprintf("bench-%d", index)),
		"environment":    str("prod"),
		"model":          str("gpt-4o-mini"),
		"source_urls":    strMap(urls),
		"rerun_triggers": strMap(map[string]string{"round": fmt.Sprint(round)}),
	}
}

// noopConfig is n noop_thing resources: the floor of any plugin provider.
func noopConfig(n int) string {
	return fmt.Sprintf(`terraform {
  required_providers {
    noop = { source = "costhandoff/noop" }
  }
}

resource "noop_thing" "bench" {
  count = %d
  name  = "thing-${count.index}"
}
`, n)
}

func writeConfig(dir, config string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o644)
}
