// Command bench is make bench: what costhandoff costs a reviewer and a
// plan, measured with real Terraform (or OpenTofu) runs, side by side with
// the baselines of bench/noop, in one invocation, medians of -runs runs. It
// judges the goals of a plan a reviewer can read from a lean state:
//
//   - the re-run plan of one check after one changed tag, at the history
//     limit (10 earlier runs), four sources and no ledger: lines shown for
//     the resource, goal <= 100, with at most one history entry added and
//     one removed;
//   - the destroy plan of 6 checks with 3 earlier runs each: lines printed,
//     goal <= 420;
//   - state per check: bytes for a first run with four sources (<= 2,500)
//     and with a full history (<= 5,000);
//   - plan -refresh=true of 300 first-run checks (applied once) against 300
//     noop_thing resources: goal ratio <= 4.0;
//   - the same plan of 300 checks with a full history (-history earlier
//     runs each) against the first-run plan: goal ratio <= 1.2;
//
// and those of the apply: 1 check at 1 s stand-in latency minus 1
// noop_thing, goal <= 1.30 s; 100 checks at 200 ms, max_concurrent_checks =
// 10 and -parallelism=10, minus 100 noop_thing, goal <= 3.0 s; 40 checks
// through a new-api gateway at 200 ms whose usage log's rows carry no
// request id, max_concurrent_checks = 10, with that log as the ledger
// against the same fleet with none, goal ratio <= 1.5; no AI request
// during any plan. It also gives both plans against their
// same-state floor (noop_check_echo holding copies of the same states), the
// providers' peak memory and the plan's CPU split between the CLI and the
// provider processes.
//
// Every apply of checks must leave every check decided proceed, and every
// timed plan must be empty (-detailed-exitcode), so the figures are of real
// work. The report goes to stdout and to -out. A missed goal fails the
// command only with -strict.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// approvedKey is the stand-in's fake approved key.
const approvedKey = "sk-test-Rk4Qz8Wv2Nm7Xc5Jb9Lt"

type options struct {
	runs      int
	strict    bool
	terraform string
	repo      string
	work      string
	out       string
	bin       string
	checks    int
	history   int
	plans     bool
	lines     bool
	applies   bool
}

func main() {
	opts := parseFlags(os.Args[1:])
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	missed, err := run(ctx, opts, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	if missed && opts.strict {
		fmt.Fprintln(os.Stderr, "bench: a goal was missed")
		os.Exit(1)
	}
}

func parseFlags(args []string) options {
	var o options
	fs := flag.NewFlagSet("bench", flag.ExitOnError)
	fs.IntVar(&o.runs, "runs", envInt("BENCH_RUNS", 3), "timed runs of each figure; the report gives medians (env BENCH_RUNS)")
	fs.BoolVar(&o.strict, "strict", os.Getenv("BENCH_STRICT") == "1", "exit 1 when a goal is missed (env BENCH_STRICT=1)")
	fs.StringVar(&o.terraform, "terraform", "", "the CLI to time, Terraform or OpenTofu: a path, or a name on PATH (make bench passes TERRAFORM, resolved)")
	fs.StringVar(&o.repo, "repo", ".", "the repository root, whose provider, baselines and stand-in are built")
	fs.StringVar(&o.work, "work", filepath.Join(".build", "bench"), "working folder: binaries, CLI config, one folder per configuration")
	fs.StringVar(&o.out, "out", filepath.Join(".build", "bench", "report.md"), "where the report is written, besides stdout")
	fs.StringVar(&o.bin, "bin", "", "use the binaries terraform-provider-costhandoff, terraform-provider-noop and costhandoff-standin\nalready in this folder instead of building them")
	fs.IntVar(&o.checks, "checks", 300, "checks (and baseline resources) in each plan")
	fs.IntVar(&o.history, "history", 10, "earlier runs each check of the full-history plan has: the default history_limit")
	fs.BoolVar(&o.plans, "plans", true, "measure the plans and the state sizes")
	fs.BoolVar(&o.lines, "lines", true, "count the lines of the re-run and destroy plans")
	fs.BoolVar(&o.applies, "applies", true, "measure the applies")
	_ = fs.Parse(args)
	if o.runs < 1 || o.checks < 1 || o.history < 0 || o.terraform == "" {
		fmt.Fprintln(os.Stderr, "bench: -terraform is required; -runs and -checks must be at least 1, -history at least 0")
		os.Exit(2)
	}
	return o
}

func envInt(name string, fallback int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return n
	}
	return fallback
}

// run measures everything asked for and writes the report; missed says
// whether a goal was missed.
func run(ctx context.Context, o options, stdout io.Writer) (missed bool, err error) {
	for _, p := range []*string{&o.repo, &o.work, &o.out} {
		if *p, err = filepath.Abs(*p); err != nil {
			return false, err
		}
	}
	workDir := filepath.Join(o.work, "work")
	if err := os.RemoveAll(workDir); err != nil {
		return false, err
	}
	if err := os.MkdirAll(workDir, 0o755); err != nil {
		return false, err
	}
	loadBefore := loadAverage()

	bins, err := binaries(ctx, o)
	if err != nil {
		return false, err
	}
	logf("starting the local AI API stand-in")
	sd, err := startStandin(ctx, bins.standin, approvedKey, o.work, "standin")
	if err != nil {
		return false, err
	}
	defer sd.stop()
	var gw *standin
	if o.applies {
		// A new-api gateway whose usage log's rows carry no request id, for
		// the fleet with a ledger.
		logf("starting a second stand-in as a new-api gateway")
		if gw, err = startStandin(ctx, bins.standin, approvedKey, o.work, "gateway", "-gateway", "new_api", "-ledger-rows-without-request-ids"); err != nil {
			return false, err
		}
		defer gw.stop()
	}

	tf, err := newCLI(o.terraform, bins.dir, o.work, sd.url)
	if err != nil {
		return false, err
	}
	b := &bench{opts: o, tf: tf, standin: sd, gateway: gw, bins: bins, work: workDir, fig: figures{runs: o.runs, checks: o.checks, history: o.history}}
	if o.lines {
		if err := b.lines(ctx); err != nil {
			return false, err
		}
	}
	if o.plans {
		if err := b.plans(ctx); err != nil {
			return false, err
		}
	}
	if o.applies {
		if err := b.applies(ctx); err != nil {
			return false, err
		}
		if err := b.ledgerFleet(ctx); err != nil {
			return false, err
		}
	}
	if err := sd.setLatency(0); err != nil {
		return false, err
	}
	b.fig.env = describeEnvironment(ctx, tf, loadBefore)

	report, missed := b.fig.report()
	if _, err := io.WriteString(stdout, report); err != nil {
		return missed, err
	}
	if err := os.MkdirAll(filepath.Dir(o.out), 0o755); err != nil {
		return missed, err
	}
	if err := os.WriteFile(o.out, []byte(report), 0o644); err != nil {
		return missed, err
	}
	logf("report written to %s", o.out)
	if missed {
		logf("a goal was missed")
	}
	return missed, nil
}

// bench holds what the scenarios share.
type bench struct {
	opts    options
	tf      *cli
	standin *standin
	gateway *standin // a new-api gateway, for the fleet with a ledger; nil without applies
	bins    binarySet
	work    string
	fig     figures
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "==> "+format+"\n", args...)
}

var errPlanNotEmpty = errors.New("the plan is not empty")

// plans measures the plans of first-run and full-history checks against
// their baselines, the state sizes and the AI requests during the plans.
func (b *bench) plans(ctx context.Context) error {
	n, o := b.opts.checks, b.opts
	dir := func(name string) string { return filepath.Join(b.work, name) }
	first, full := dir("plan-first-checks"), dir("plan-full-checks")
	noop, echoFirst, echoFull := dir("plan-noop"), dir("plan-first-echo"), dir("plan-full-echo")
	if err := b.standin.setLatency(0); err != nil {
		return err
	}

	logf("plans: applying %d first-run checks and %d noop_thing (untimed)", n, n)
	if err := writeConfig(first, checksConfig(n, 10, b.standin.url, 0)); err != nil {
		return err
	}
	if err := writeConfig(noop, noopConfig(n)); err != nil {
		return err
	}
	for _, d := range []string{first, noop} {
		if _, err := b.tf.run(ctx, d, "apply", "-auto-approve", "-input=false", "-parallelism=10"); err != nil {
			return err
		}
	}
	st, err := readChecks(first, n, 0)
	if err != nil {
		return err
	}
	b.fig.stateFirst = st

	logf("plans: a copy of them re-run %d times in this process, through the provider's server (rerun_triggers changed, stand-in at 0 latency; untimed)", o.history)
	start := time.Now()
	if err := b.buildHistory(ctx, first, full); err != nil {
		return err
	}
	b.fig.fullSetup = time.Since(start)
	if st, err = readChecks(full, n, o.history); err != nil {
		return err
	}
	b.fig.stateFull = st

	for _, e := range []struct {
		from, to string
		round    int
	}{{first, echoFirst, 0}, {full, echoFull, o.history}} {
		if err := copyAsEcho(e.from, e.to, echoConfig(n, b.standin.url, e.round)); err != nil {
			return err
		}
	}

	before, err := b.standin.stats()
	if err != nil {
		return err
	}
	plan := func(d string) (timing, error) {
		return b.tf.run(ctx, d, "plan", "-refresh=true", "-detailed-exitcode", "-input=false")
	}
	order := []struct {
		dir  string
		into *[]timing
	}{
		{first, &b.fig.planFirst}, {noop, &b.fig.planNoop}, {echoFirst, &b.fig.planFirstEcho},
		{full, &b.fig.planFull}, {echoFull, &b.fig.planFullEcho},
	}
	for i := 1; i <= o.runs; i++ {
		logf("plans of %d, run %d of %d: first-run checks, noop_thing, their echo; full-history checks, their echo", n, i, o.runs)
		// Alternating, so that a busy machine slows each figure and its baseline alike.
		for _, p := range order {
			t, err := plan(p.dir)
			if err != nil {
				return err
			}
			*p.into = append(*p.into, t)
		}
	}

	logf("plans: peak memory and CPU split (one more plan of each, sampled, not in the medians)")
	for _, p := range []struct {
		dir, binary string
		into        *profile
	}{
		{first, b.bins.provider, &b.fig.profileFirst},
		{full, b.bins.provider, &b.fig.profileFull},
		{noop, b.bins.noop, &b.fig.profileNoop},
	} {
		prof, err := profilePlan(p.binary, func() (timing, error) { return plan(p.dir) })
		if err != nil {
			return err
		}
		*p.into = prof
	}

	after, err := b.standin.stats()
	if err != nil {
		return err
	}
	b.fig.planAIRequests = after.AIRequests - before.AIRequests
	return nil
}

// applies measures the apply of 1 check at 1 s and of 100 checks at 200 ms
// against as many noop_thing, each run in a fresh folder from empty state.
func (b *bench) applies(ctx context.Context) error {
	for _, a := range []struct {
		name          string
		n             int
		latency       time.Duration
		maxConcurrent int
		checks, noop  *[]timing
		inFlight      *int
	}{
		{"apply1", 1, time.Second, 4, &b.fig.apply1, &b.fig.apply1Noop, nil},
		{"apply100", 100, 200 * time.Millisecond, 10, &b.fig.apply100, &b.fig.apply100Noop, &b.fig.apply100InFlight},
	} {
		if err := b.standin.setLatency(a.latency); err != nil {
			return err
		}
		for i := 1; i <= b.opts.runs; i++ {
			logf("apply of %d at %v, run %d of %d", a.n, a.latency, i, b.opts.runs)
			dir := filepath.Join(b.work, fmt.Sprintf("%s-checks-%d", a.name, i))
			if err := writeConfig(dir, checksConfig(a.n, a.maxConcurrent, b.standin.url, 0)); err != nil {
				return err
			}
			if err := b.standin.reset(); err != nil {
				return err
			}
			t, err := b.tf.run(ctx, dir, "apply", "-auto-approve", "-input=false", "-parallelism=10")
			if err != nil {
				return err
			}
			if _, err := readChecks(dir, a.n, 0); err != nil {
				return err
			}
			*a.checks = append(*a.checks, t)
			if a.inFlight != nil {
				st, err := b.standin.stats()
				if err != nil {
					return err
				}
				*a.inFlight = max(*a.inFlight, st.PeakInFlight)
			}

			dir = filepath.Join(b.work, fmt.Sprintf("%s-noop-%d", a.name, i))
			if err := writeConfig(dir, noopConfig(a.n)); err != nil {
				return err
			}
			if t, err = b.tf.run(ctx, dir, "apply", "-auto-approve", "-input=false", "-parallelism=10"); err != nil {
				return err
			}
			*a.noop = append(*a.noop, t)
		}
	}
	return nil
}

// ledgerFleetSize, ledgerFleetLatency and ledgerFleetConcurrency are the
// fleet of the ledger's goal: 40 checks of one model through one gateway
// token on rows without request ids, the upstream answering in 200 ms,
// max_concurrent_checks = 10.
const (
	ledgerFleetSize        = 40
	ledgerFleetLatency     = 200 * time.Millisecond
	ledgerFleetConcurrency = 10
)

// ledgerFleet measures the apply of that fleet with the gateway's usage log
// as its ledger against the same fleet with no ledger, each run in a fresh
// folder from empty state.
func (b *bench) ledgerFleet(ctx context.Context) error {
	if err := b.gateway.setLatency(ledgerFleetLatency); err != nil {
		return err
	}
	for i := 1; i <= b.opts.runs; i++ {
		for _, l := range []struct {
			name   string
			ledger bool
			into   *[]timing
		}{{"ledger", true, &b.fig.ledger40}, {"no-ledger", false, &b.fig.ledger40None}} {
			logf("apply of %d through a new-api gateway at %v, %s, run %d of %d", ledgerFleetSize, ledgerFleetLatency, l.name, i, b.opts.runs)
			dir := filepath.Join(b.work, fmt.Sprintf("fleet40-%s-%d", l.name, i))
			if err := writeConfig(dir, ledgerFleetConfig(b.gateway.url, l.ledger)); err != nil {
				return err
			}
			t, err := b.tf.run(ctx, dir, "apply", "-auto-approve", "-input=false", "-parallelism=10")
			if err != nil {
				return err
			}
			if _, err := readChecks(dir, ledgerFleetSize, 0); err != nil {
				return err
			}
			*l.into = append(*l.into, t)
		}
	}
	return nil
}

// buildHistory leaves in dir the configuration of b.opts.checks checks at
// round b.opts.history and a state in which each check ran 1 + history
// times: first applied by the CLI in from, then re-run in this process
// (history.go says why and how).
func (b *bench) buildHistory(ctx context.Context, from, dir string) error {
	n, history := b.opts.checks, b.opts.history
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	st, err := os.ReadFile(filepath.Join(from, "terraform.tfstate"))
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "terraform.tfstate"), st, 0o644); err != nil {
		return err
	}
	p, err := newInProcess(ctx, b.tf.env, 10)
	if err != nil {
		return err
	}
	rounds := make([]int, history)
	for i := range rounds {
		rounds[i] = i + 1
	}
	if err := p.rerunState(ctx, dir, rounds, 10, func(index, round int) map[string]tftypes.Value {
		return handoffArgs(b.standin.url, index, round, benchOwner)
	}); err != nil {
		return err
	}
	return writeConfig(dir, checksConfig(n, 10, b.standin.url, history))
}
