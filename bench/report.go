package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The goals, judged side by side in one run: a plan a reviewer can read, a
// lean state, and the applies' overhead.
const (
	goalRerunLines   = 100  // lines of the re-run plan's resource after one changed tag, at the history limit
	goalRerunEntries = 1    // history entries that plan shows added, and removed
	goalDestroyLines = 420  // lines of the destroy plan of 6 checks with 3 earlier runs
	goalStateFirst   = 2500 // bytes of state per check, first run with four sources
	goalStateFull    = 5000 // bytes of state per check, full history
	goalFirstVsNoop  = 4.0  // plan of first-run checks over noop_thing
	goalFullVsFirst  = 1.2  // plan of full-history checks over first-run checks
	goalApply1       = 1.30 // seconds added by one check at 1 s latency
	goalApply100     = 3.0  // seconds added by 100 checks at 200 ms, 10 in flight
	// goalLedgerFleet bounds the apply of 40 checks on a gateway's rows
	// without request ids with the ledger over the same without it.
	goalLedgerFleet = 1.5
)

// figures is everything measured, as the report shows it.
type figures struct {
	runs, checks, history int
	env                   environment

	lines planLines

	planFirst, planNoop, planFirstEcho, planFull, planFullEcho []timing
	profileFirst, profileFull, profileNoop                     profile
	planAIRequests                                             int
	stateFirst, stateFull                                      stateStats
	fullSetup                                                  time.Duration

	apply1, apply1Noop, apply100, apply100Noop []timing
	apply100InFlight                           int
	// ledger40 and ledger40None: the ledger goal's fleet with the gateway's
	// usage log as its ledger, and with none.
	ledger40, ledger40None []timing
}

// environment is what the figures were measured on.
type environment struct {
	date, machine, loadBefore, loadAfter, cli, goVersion string
}

func describeEnvironment(ctx context.Context, tf *cli, loadBefore string) environment {
	cpu := "unknown CPU"
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "model name"); ok {
				cpu = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
		f.Close()
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for line := range strings.Lines(string(b)) {
			if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				kib, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
				mem = fmt.Sprintf(", %.1f GiB memory", float64(kib)/(1<<20))
			}
		}
	}
	return environment{
		date:       time.Now().UTC().Format(time.RFC3339),
		machine:    fmt.Sprintf("%d cores, %s%s, %s/%s", runtime.NumCPU(), cpu, mem, runtime.GOOS, runtime.GOARCH),
		loadBefore: loadBefore,
		loadAfter:  loadAverage(),
		cli:        tf.version(ctx),
		goVersion:  runtime.Version(),
	}
}

// loadAverage is the 1, 5 and 15 minute load average.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// median of xs (durations, byte counts); an even count takes the mean of the
// middle two. xs is left as it is.
func median[T ~int | ~int64](xs []T) T {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func walls(ts []timing) []time.Duration {
	out := make([]time.Duration, len(ts))
	for i, t := range ts {
		out[i] = t.wall
	}
	return out
}

func cpus(ts []timing) []time.Duration {
	out := make([]time.Duration, len(ts))
	for i, t := range ts {
		out[i] = t.cpu
	}
	return out
}

func secs(d time.Duration) string { return fmt.Sprintf("%.3f s", d.Seconds()) }

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return a.Seconds() / b.Seconds()
}

func verdict(met bool) string {
	if met {
		return "met"
	}
	return "**not met**"
}

func everyWall(ts []timing) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = fmt.Sprintf("%.3f", t.wall.Seconds())
	}
	return strings.Join(parts, ", ")
}

// report renders the figures as Markdown; missed says whether a goal
// measured in this run was missed.
func (f figures) report() (string, bool) {
	var b strings.Builder
	missed := false
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	judge := func(met bool) string {
		missed = missed || !met
		return verdict(met)
	}
	plans, applies, lines := len(f.planFirst) > 0, len(f.apply1) > 0, f.lines.Rerun > 0
	n := f.checks

	w("# costhandoff benchmark results\n\n")
	w("- date: %s\n", f.env.date)
	w("- machine: %s; load average %s before the run, %s after\n", f.env.machine, f.env.loadBefore, f.env.loadAfter)
	w("- %s, %s\n", f.env.cli, f.env.goVersion)
	w("- medians of %d runs (`BENCH_RUNS`); every timed plan was empty; every apply of checks left every check decided `proceed`\n\n", f.runs)

	w("## Goals\n\n")
	w("| figure | costhandoff | baseline | result | goal | |\n|---|---|---|---|---|---|\n")
	if lines {
		w("| re-run plan of 1 check after one changed tag, %d earlier runs, four sources, no ledger: lines of the resource | %d | | | <= %d | %s |\n",
			linesHistory, f.lines.Rerun, goalRerunLines, judge(f.lines.Rerun <= goalRerunLines))
		w("| history entries that plan shows added / removed / changed | %d / %d / %d | | | <= %d / <= %d / 0 | %s |\n",
			f.lines.Added, f.lines.Removed, f.lines.Changed, goalRerunEntries, goalRerunEntries,
			judge(f.lines.Added <= goalRerunEntries && f.lines.Removed <= goalRerunEntries && f.lines.Changed == 0))
		w("| destroy plan of %d checks with %d earlier runs each: lines printed | %d | | | <= %d | %s |\n",
			linesDestroy, linesDestroyEarly, f.lines.Destroy, goalDestroyLines, judge(f.lines.Destroy <= goalDestroyLines))
	}
	if plans {
		w("| state per check, first run with four sources (compact JSON of its attributes, median) | %d B | | | <= %d B | %s |\n",
			f.stateFirst.Bytes, goalStateFirst, judge(f.stateFirst.Bytes <= goalStateFirst))
		w("| state per check, %d earlier runs | %d B | | | <= %d B | %s |\n",
			f.history, f.stateFull.Bytes, goalStateFull, judge(f.stateFull.Bytes <= goalStateFull))
		first, noop := median(walls(f.planFirst)), median(walls(f.planNoop))
		r := ratio(first, noop)
		w("| `plan -refresh=true` of %d first-run checks, against %d `noop_thing` | %s | %s | ratio %.2f | <= %.2f | %s |\n",
			n, n, secs(first), secs(noop), r, goalFirstVsNoop, judge(r <= goalFirstVsNoop))
		full := median(walls(f.planFull))
		r = ratio(full, first)
		w("| the same plan of %d checks with %d earlier runs each, against the first-run plan | %s | %s | ratio %.2f | <= %.2f | %s |\n",
			n, f.history, secs(full), secs(first), r, goalFullVsFirst, judge(r <= goalFullVsFirst))
		w("| AI requests the stand-in saw during those plans (%d timed, 3 sampled) | %d | | | 0 | %s |\n",
			5*f.runs, f.planAIRequests, judge(f.planAIRequests == 0))
	}
	if applies {
		c, o := median(walls(f.apply1)), median(walls(f.apply1Noop))
		w("| `apply` of 1 check, stand-in answering in 1 s, minus 1 `noop_thing` | %s | %s | +%.3f s | <= %.2f s | %s |\n",
			secs(c), secs(o), (c - o).Seconds(), goalApply1, judge((c-o).Seconds() <= goalApply1))
		c, o = median(walls(f.apply100)), median(walls(f.apply100Noop))
		w("| `apply -parallelism=10` of 100 checks at 200 ms, `max_concurrent_checks = 10`, minus 100 `noop_thing` | %s | %s | +%.3f s | <= %.1f s (ideal 2.0 s) | %s |\n",
			secs(c), secs(o), (c - o).Seconds(), goalApply100, judge((c-o).Seconds() <= goalApply100))
		if len(f.ledger40) > 0 {
			c, o = median(walls(f.ledger40)), median(walls(f.ledger40None))
			r := ratio(c, o)
			w("| `apply` of 40 checks through a new-api gateway at 200 ms, rows without request ids, `max_concurrent_checks = 10`: with the usage log as ledger, against no ledger | %s | %s | ratio %.2f | <= %.1f | %s |\n",
				secs(c), secs(o), r, goalLedgerFleet, judge(r <= goalLedgerFleet))
		}
	}

	if plans {
		w("\n## State per check\n\n")
		w("| | first run | %d earlier runs |\n|---|---|---|\n", f.history)
		w("| bytes: compact JSON of the instance's attributes, median | %d | %d |\n", f.stateFirst.Bytes, f.stateFull.Bytes)
		w("| values: scalars in it, nulls included, median | %d | %d |\n", f.stateFirst.Values, f.stateFull.Values)
		w("| `terraform.tfstate` of %d checks | %.1f KiB | %.1f KiB |\n", n, float64(f.stateFirst.FileBytes)/1024, float64(f.stateFull.FileBytes)/1024)
		if f.history > 0 {
			w("\nEach earlier run adds about %d bytes and %d values to a check's state.\n",
				(f.stateFull.Bytes-f.stateFirst.Bytes)/f.history, (f.stateFull.Values-f.stateFirst.Values)/f.history)
		}

		w("\n## The plans side by side\n\n")
		w("`noop_thing` (bench/noop) stores a name: the floor of any plugin provider. `noop_check_echo` (bench/noop/echo.go) serves\n")
		w("costhandoff_check's schema, holds copies of the states just applied and answers every call with the least work the\n")
		w("protocol allows: the floor of any provider keeping that state. What costhandoff takes over it is its own work.\n\n")
		w("| plan of %d | costhandoff | baseline | ratio | CPU, costhandoff | CPU, baseline | CPU ratio |\n|---|---|---|---|---|---|---|\n", n)
		row := func(name string, c, o []timing) {
			cw, ow, cc, oc := median(walls(c)), median(walls(o)), median(cpus(c)), median(cpus(o))
			w("| %s | %s | %s | %.2f | %s | %s | %.2f |\n", name, secs(cw), secs(ow), ratio(cw, ow), secs(cc), secs(oc), ratio(cc, oc))
		}
		row("first-run checks against `noop_thing`", f.planFirst, f.planNoop)
		row("first-run checks against their `noop_check_echo`", f.planFirst, f.planFirstEcho)
		row(fmt.Sprintf("checks with %d earlier runs against their `noop_check_echo`", f.history), f.planFull, f.planFullEcho)

		w("\n## Where the plan's CPU time goes\n\n")
		w("One more plan of each, sampled from `/proc` every 20 ms, not part of the medians.\n\n")
		w("| plan of %d | first-run checks | checks with %d earlier runs | `noop_thing` |\n|---|---|---|---|\n", n, f.history)
		w("| the CLI itself | %s | %s | %s |\n", secs(f.profileFirst.CLICPU), secs(f.profileFull.CLICPU), secs(f.profileNoop.CLICPU))
		w("| provider processes | %s | %s | %s |\n", secs(f.profileFirst.ProviderCPU), secs(f.profileFull.ProviderCPU), secs(f.profileNoop.ProviderCPU))
		mib := func(kib int) string { return fmt.Sprintf("%.1f MiB", float64(kib)/1024) }
		w("| provider peak RSS (VmHWM) | %s | %s | %s |\n", mib(f.profileFirst.PeakRSSKiB), mib(f.profileFull.PeakRSSKiB), mib(f.profileNoop.PeakRSSKiB))
	}

	if applies {
		w("\n## The applies' CPU time\n\n")
		w("| apply, medians | costhandoff | `noop_thing` |\n|---|---|---|\n")
		w("| 1 check at 1 s | %s | %s |\n", secs(median(cpus(f.apply1))), secs(median(cpus(f.apply1Noop))))
		w("| 100 checks at 200 ms | %s | %s |\n", secs(median(cpus(f.apply100))), secs(median(cpus(f.apply100Noop))))
	}

	w("\n## Wall time of every run, in seconds\n\n")
	if plans {
		w("- plan of %d first-run checks: %s; `noop_thing` %s; echo %s\n", n, everyWall(f.planFirst), everyWall(f.planNoop), everyWall(f.planFirstEcho))
		w("- plan of %d checks with %d earlier runs: %s; echo %s\n", n, f.history, everyWall(f.planFull), everyWall(f.planFullEcho))
		w("- building that history (untimed setup: %d re-runs of each check in the bench's process): %.1f s\n", f.history, f.fullSetup.Seconds())
	}
	if applies {
		w("- apply of 1 at 1 s: %s; `noop_thing` %s\n", everyWall(f.apply1), everyWall(f.apply1Noop))
		w("- apply of 100 at 200 ms: %s; `noop_thing` %s (stand-in peak of AI requests in flight: %d, i.e. %d checks of 2 requests each)\n",
			everyWall(f.apply100), everyWall(f.apply100Noop), f.apply100InFlight, f.apply100InFlight/2)
		if len(f.ledger40) > 0 {
			w("- apply of 40 through a new-api gateway at 200 ms: with the ledger %s; without %s\n", everyWall(f.ledger40), everyWall(f.ledger40None))
		}
	}

	w("\n## How it is measured\n\n")
	w(`go run ./bench (make bench) builds the provider, the baselines of bench/noop and the stand-in from the checkout, wires
both providers in through dev_overrides (no init, no registry), starts the stand-in on 127.0.0.1 and times each whole CLI
command: wall time, and the CPU time (user + system) of the CLI and of the provider processes it waited for, from the
kernel's accounting of the child. CPU time is the steadier figure on a shared machine. Each run times every figure and
its baseline one after the other, so a busy machine slows both alike. The checks with a full history got it by really
re-running: applied by the CLI, then re-run %d times with their rerun_triggers changed, in the bench's own process
through the provider's protocol server (the PlanResourceChange and ApplyResourceChange calls the CLI would make), with
the stand-in answering at once; their state is what the provider returned, and the timed plans of it are empty, so it
is the state the configuration makes. The line counts come from real plans of workspaces applied by the CLI: the
re-run plan's lines are those of the resource's block, the destroy plan's every line printed but the CLI's warning
that development overrides are in effect. Each apply runs in a fresh folder from empty state. The plans use
-refresh=true and -detailed-exitcode, so a plan that is not empty fails the run.
`, f.history)
	return b.String(), missed
}
