#!/usr/bin/env bash
# make bench: what costhandoff adds over the floor of any plugin provider.
#
# Builds the provider, the no-op framework provider of bench/noop and the
# local AI API stand-in, wires both providers in through one dev_overrides
# CLI config (no terraform init, no registry), starts the stand-in on
# 127.0.0.1 and times real terraform runs side by side, medians of BENCH_RUNS
# (default 3):
#   - plan -refresh=true of 300 applied checks vs 300 applied no-op resources
#     (goal: ratio <= 1.30), with zero AI requests during the plans, and vs
#     two floors for the check's schema: 300 echo resources holding copies
#     of the same handoffs, and 300 same-schema framework resources;
#   - the split of that plan's CPU time between terraform and the provider;
#   - apply of 1 check at 1 s stand-in latency minus apply of 1 no-op
#     resource (goal <= 1.30 s);
#   - apply of 100 checks at 200 ms latency, max_concurrent_checks = 10 and
#     -parallelism=10, minus apply of 100 no-op resources (goal <= 3.0 s);
#   - the providers' peak RSS during the plans of 300;
#   - the Go benchmarks of ./internal/probe and ./internal/handoff, and of
#     the calls every applied check costs the provider on a plan.
# Every apply of checks must end with every decision "proceed", so the
# figures are of real work. Results go to bench/results/latest.md and stdout.
# A missed goal fails the script only with BENCH_STRICT=1.
set -euo pipefail

runs="${BENCH_RUNS:-3}"
strict="${BENCH_STRICT:-0}"
[[ "${runs}" =~ ^[1-9][0-9]*$ ]] || { echo "BENCH_RUNS must be a positive integer" >&2; exit 2; }

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "${repo_root}/scripts/lib.sh"
build="${repo_root}/.build/bench"
bin="${build}/bin"
work="${build}/work"
results="${repo_root}/bench/results/latest.md"
url_file="${build}/standin.url"
api_key="sk-test-standin-approved" # the stand-in's fake approved key

rm -rf "${work}"
mkdir -p "${bin}" "${work}" "$(dirname "${results}")"

log() { echo "==> $*" >&2; }

# ---------------------------------------------------------------- build ---
log "building the providers and the stand-in"
(
	cd "${repo_root}"
	export GOFLAGS="${GOFLAGS:--buildvcs=false}"
	go build -o "${bin}/terraform-provider-costhandoff" .
	go build -o "${bin}/terraform-provider-noop" ./bench/noop
	go build -o "${bin}/costhandoff-standin" ./internal/standin/cmd/costhandoff-standin
)

cat >"${build}/bench.terraformrc" <<RC
disable_checkpoint = true
provider_installation {
  dev_overrides {
    "costhandoff/costhandoff" = "${bin}"
    "costhandoff/noop"        = "${bin}"
  }
  direct {}
}
RC
export TF_CLI_CONFIG_FILE="${build}/bench.terraformrc"
export CHECKPOINT_DISABLE=1
export TF_IN_AUTOMATION=1
# Provider logging as terraform runs it by default: nothing asked for.
unset TF_LOG TF_LOG_CORE TF_LOG_PROVIDER TF_LOG_PATH TF_LOG_SDK TF_LOG_SDK_FRAMEWORK TF_LOG_SDK_PROTO

# ------------------------------------------------------------- stand-in ---
log "starting the local AI API stand-in"
start_standin "${bin}/costhandoff-standin" "${api_key}" "${url_file}" "${build}/standin.log"
base="${standin_url}"
export COSTHANDOFF_ENDPOINT="${base}/v1"
export COSTHANDOFF_API_KEY="${api_key}"
export COSTHANDOFF_OPERATOR="bench"

set_latency() { curl -fsS -X POST "${base}/_standin/latency?set=$1" >/dev/null; }
reset_stats() { curl -fsS -X POST "${base}/_standin/reset" >/dev/null; }
# standin_stat NAME prints one counter of GET /_standin/stats.
standin_stat() { curl -fsS "${base}/_standin/stats" | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }

# ------------------------------------------------------- configurations ---
# write_checks DIR N MAX_CONCURRENT: N costhandoff_check resources, each a
# complete handoff that the stand-in lets proceed.
write_checks() {
	write_handoffs "$1" "$2" costhandoff_check costhandoff "provider \"costhandoff\" {
  max_concurrent_checks = $3
}"
}

# write_shaped DIR N: N noop_check_shaped resources with the same arguments:
# costhandoff_check's schema served by a resource that does nothing.
write_shaped() { write_handoffs "$1" "$2" noop_check_shaped noop ""; }

# write_echo DIR N: N noop_check_echo resources with the same arguments:
# costhandoff_check's schema answered with the least work the protocol
# allows.
write_echo() { write_handoffs "$1" "$2" noop_check_echo noop ""; }

# copy_state_as_echo FROM TO: TO's state becomes a copy of FROM's handoffs,
# held by noop_check_echo resources of the noop provider.
copy_state_as_echo() {
	python3 - "$1/terraform.tfstate" "$2/terraform.tfstate" <<'PY'
import json, sys
state = json.load(open(sys.argv[1]))
for r in state["resources"]:
    r["type"] = "noop_check_echo"
    r["provider"] = 'provider["registry.terraform.io/costhandoff/noop"]'
json.dump(state, open(sys.argv[2], "w"), indent=2)
PY
}

# write_handoffs DIR N TYPE PROVIDER PROVIDER_BLOCK: N resources of TYPE
# carrying a complete handoff's arguments.
write_handoffs() {
	mkdir -p "$1"
	cat >"$1/main.tf" <<TF
terraform {
  required_providers {
    $4 = { source = "costhandoff/$4" }
  }
}

$5

resource "$3" "bench" {
  count = $2

  owner_tag    = "team-bench"
  workload_tag = "bench-\${count.index}"
  environment  = "prod"
  model        = "gpt-4o-mini"
  source_urls = {
    pricing        = "${base}/pages/pricing"
    support        = "${base}/pages/support"
    allocation     = "${base}/pages/allocation"
    unit_economics = "${base}/pages/unit_economics"
  }
}
TF
}

# write_noop DIR N: N noop_thing resources.
write_noop() {
	mkdir -p "$1"
	cat >"$1/main.tf" <<TF
terraform {
  required_providers {
    noop = { source = "costhandoff/noop" }
  }
}

resource "noop_thing" "bench" {
  count = $2
  name  = "thing-\${count.index}"
}
TF
}

# ------------------------------------------------------------- measuring ---
# tf DIR ARGS...: terraform in DIR, output kept in DIR/tf.log, failing loudly.
tf() {
	local dir="$1"
	shift
	(cd "${dir}" && terraform "$@" -input=false -no-color >tf.log 2>&1) || {
		echo "terraform $* failed in ${dir}:" >&2
		tail -n 40 "${dir}/tf.log" >&2
		return 1
	}
}

# timed DIR ARGS...: runs terraform ARGS in DIR and prints "WALL CPU" in
# seconds. CPU is user + system time of terraform and of the provider
# processes it started and waited for (bash's time counts waited-for
# descendants), which a busy machine disturbs far less than wall time.
timed() {
	local TIMEFORMAT='%R %U %S'
	{ time tf "$@" 2>&3; } 3>&2 2>"${work}/time" || return 1
	awk '{ printf "%.3f %.3f", $1, $2 + $3 }' "${work}/time"
}

# median COLUMN ROWS...: median of the COLUMN-th number of each row.
median() {
	local column="$1"
	shift
	printf '%s\n' "$@" | awk -v c="${column}" '{ print $c }' | sort -g |
		awk '{ v[NR] = $1 } END { if (NR % 2) printf "%.3f", v[(NR + 1) / 2]; else printf "%.3f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# walls ROWS...: the wall times of the rows, for the record of every run.
walls() { printf '%s\n' "$@" | awk '{ printf "%s%s", (NR > 1 ? ", " : ""), $1 }'; }

# require_proceed DIR N: DIR's state holds N costhandoff_check resources and
# every one decided proceed, so the timed apply did the real work.
require_proceed() {
	local proceed
	proceed="$(cd "$1" && terraform show -json -no-color | python3 -c '
import json, sys
resources = json.load(sys.stdin).get("values", {}).get("root_module", {}).get("resources", [])
print(sum(1 for r in resources if r["type"] == "costhandoff_check" and r["values"].get("decision") == "proceed"))')"
	[[ "${proceed}" == "$2" ]] || { echo "$1: ${proceed} of $2 checks decided proceed" >&2; exit 1; }
}

# Peak memory and the CPU split. The provider is a child of terraform, so
# /usr/bin/time sees only terraform, and a wrapper around the binary would
# change what is measured. Instead a sampler polls, every 20 ms, every
# process whose command line is exactly the built provider binary and reads
# from /proc/PID: VmHWM, the kernel's own resident-set high-water mark, which
# only grows, so the peak between two samples is never missed; and the
# process's user + system CPU time, of which only the last 20 ms of each
# process's life can be missed. The largest VmHWM over all the provider
# processes terraform starts is the peak; the sum of their CPU times is the
# providers' share of the plan's CPU, and the rest is terraform's own.
# Polling costs CPU, so it runs in a plan of its own, never in a timed one.
# sample_providers BINARY OUT: until killed, keeps OUT = "PEAK_KIB CPU_TICKS".
sample_providers() {
	local pattern out="$2" pid hwm ticks total peak=0
	local -A cpu=()
	pattern="$(printf '%s' "$1" | sed 's/[][\\.*^$+?(){}|]/\\&/g')( .*)?" # the path, literally
	echo "0 0" >"${out}"
	while :; do
		for pid in $(pgrep -f -x "${pattern}" || true); do
			hwm="$(awk '/^VmHWM:/ { print $2 }' "/proc/${pid}/status" 2>/dev/null || true)"
			[[ -n "${hwm}" && "${hwm}" -gt "${peak}" ]] && peak="${hwm}"
			ticks="$(awk '{ print $14 + $15 }' "/proc/${pid}/stat" 2>/dev/null || true)"
			[[ -n "${ticks}" ]] && cpu[${pid}]="${ticks}"
		done
		total=0
		for ticks in "${cpu[@]}"; do total=$((total + ticks)); done
		echo "${peak} ${total}" >"${out}"
		sleep 0.02
	done
}

# plan_profile BINARY DIR: "PEAK_RSS_MIB PROVIDER_CPU_S TERRAFORM_CPU_S" of
# one more plan in DIR.
plan_profile() {
	local sampler status=0 run
	sample_providers "$1" "${work}/providers" &
	sampler=$!
	run="$(timed "$2" plan -refresh=true -detailed-exitcode)" || status=$?
	kill "${sampler}" 2>/dev/null || true
	wait "${sampler}" 2>/dev/null || true
	[[ "${status}" == 0 ]] || return 1
	awk -v run="${run}" -v hz="$(getconf CLK_TCK)" '{
		split(run, r, " ")
		printf "%.1f %.3f %.3f", $1 / 1024, $2 / hz, r[2] - $2 / hz
	}' "${work}/providers"
}

# -------------------------------------------------------------- scenarios ---
declare -A fig # figure name => value

# record NAME CHECK_ROWS NOOP_ROWS: stores the medians as NAME_checks,
# NAME_noop (wall) and NAME_checks_cpu, NAME_noop_cpu, and every run's wall.
record() {
	local name="$1"
	local -n checks_rows="$2" noop_rows="$3"
	fig[${name}_checks]="$(median 1 "${checks_rows[@]}")"
	fig[${name}_noop]="$(median 1 "${noop_rows[@]}")"
	fig[${name}_checks_cpu]="$(median 2 "${checks_rows[@]}")"
	fig[${name}_noop_cpu]="$(median 2 "${noop_rows[@]}")"
	fig[${name}_checks_runs]="$(walls "${checks_rows[@]}")"
	fig[${name}_noop_runs]="$(walls "${noop_rows[@]}")"
}

# ratios NAME: fig[NAME_ratio] and fig[NAME_cpu_ratio], costhandoff's
# medians over the baseline's.
ratios() {
	fig[$1_ratio]="$(awk -v c="${fig[$1_checks]}" -v n="${fig[$1_noop]}" 'BEGIN { printf "%.2f", c / n }')"
	fig[$1_cpu_ratio]="$(awk -v c="${fig[$1_checks_cpu]}" -v n="${fig[$1_noop_cpu]}" 'BEGIN { printf "%.2f", c / n }')"
}

plan_of_300() {
	local checks="${work}/plan300-checks" noop="${work}/plan300-noop" shaped="${work}/plan300-shaped" echo="${work}/plan300-echo" i ai_before
	local -a tc=() tn=() ts=() te=()
	log "plan of 300: applying 300 checks and 300 of each baseline once (untimed)"
	set_latency 0s
	write_checks "${checks}" 300 10
	write_noop "${noop}" 300
	write_shaped "${shaped}" 300
	write_echo "${echo}" 300
	tf "${checks}" apply -auto-approve -parallelism=10
	tf "${noop}" apply -auto-approve -parallelism=10
	tf "${shaped}" apply -auto-approve -parallelism=10
	require_proceed "${checks}" 300
	copy_state_as_echo "${checks}" "${echo}"
	ai_before="$(standin_stat ai_requests)"
	for i in $(seq 1 "${runs}"); do
		log "plan of 300, run ${i}/${runs}"
		# -detailed-exitcode fails on any planned change: the plans must be empty.
		tc+=("$(timed "${checks}" plan -refresh=true -detailed-exitcode)")
		tn+=("$(timed "${noop}" plan -refresh=true -detailed-exitcode)")
		ts+=("$(timed "${shaped}" plan -refresh=true -detailed-exitcode)")
		te+=("$(timed "${echo}" plan -refresh=true -detailed-exitcode)")
	done
	log "plan of 300: peak memory and CPU split of each provider (one more plan each, not in the medians)"
	read -r fig[rss_checks] fig[provider_cpu_checks] fig[terraform_cpu_checks] <<<"$(plan_profile "${bin}/terraform-provider-costhandoff" "${checks}")"
	read -r fig[rss_noop] fig[provider_cpu_noop] fig[terraform_cpu_noop] <<<"$(plan_profile "${bin}/terraform-provider-noop" "${noop}")"
	fig[plan_ai]="$(($(standin_stat ai_requests) - ai_before))"
	record plan tc tn
	ratios plan
	record shaped tc ts
	ratios shaped
	record echo tc te
	ratios echo
}

# apply_side_by_side NAME N LATENCY MAX_CONCURRENT PARALLELISM: applies N
# checks and N no-op resources, each run in a fresh directory so that each
# starts from empty state, and stores the medians and their difference.
apply_side_by_side() {
	local name="$1" n="$2" latency="$3" max_concurrent="$4" parallelism="$5" i dir
	local -a tc=() tn=()
	set_latency "${latency}"
	for i in $(seq 1 "${runs}"); do
		log "apply of ${n} at ${latency}, run ${i}/${runs}"
		dir="${work}/${name}-checks-${i}"
		write_checks "${dir}" "${n}" "${max_concurrent}"
		reset_stats
		tc+=("$(timed "${dir}" apply -auto-approve -parallelism="${parallelism}")")
		require_proceed "${dir}" "${n}"
		fig[${name}_in_flight]="$(standin_stat peak_in_flight)"
		dir="${work}/${name}-noop-${i}"
		write_noop "${dir}" "${n}"
		tn+=("$(timed "${dir}" apply -auto-approve -parallelism="${parallelism}")")
	done
	record "${name}" tc tn
	fig[${name}_delta]="$(awk -v c="${fig[${name}_checks]}" -v n="${fig[${name}_noop]}" 'BEGIN { printf "%.3f", c - n }')"
}

go_benchmarks() {
	log "Go benchmarks of ./internal/probe, ./internal/handoff and ./internal/provider"
	(cd "${repo_root}" && go test -run '^$' -bench . -benchmem ./internal/probe ./internal/handoff ./internal/provider) >"${work}/gobench.txt" 2>&1 ||
		{ cat "${work}/gobench.txt" >&2; echo "go benchmarks failed" >&2; exit 1; }
}

# ---------------------------------------------------------------- report ---
failed=0
# judge NAME VALUE LIMIT: fig[NAME] = PASS when VALUE <= LIMIT, else FAIL.
judge() {
	if awk -v v="$2" -v l="$3" 'BEGIN { exit !(v <= l) }'; then
		fig[$1]=PASS
	else
		fig[$1]=FAIL
		failed=1
	fi
}

report() {
	local cpu mem_gib
	cpu="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
	mem_gib="$(awk '/^MemTotal:/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)"
	cat <<MD
# costhandoff benchmark results

- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)
- machine: $(nproc) cores, ${cpu:-unknown CPU}, ${mem_gib} GiB memory, $(uname -sm);
  load average ${load_before} before the run, $(cut -d' ' -f1-3 /proc/loadavg) after
- $(terraform version | head -n 1), $(go version | awk '{ print $3 }')
- medians of ${runs} runs (\`BENCH_RUNS\`); every apply of checks ended with every decision \`proceed\`

| figure | costhandoff | no-op provider | result | goal | |
|---|---|---|---|---|---|
| \`terraform plan -refresh=true\` of 300 applied resources | ${fig[plan_checks]} s | ${fig[plan_noop]} s | ratio ${fig[plan_ratio]} | <= 1.30 | ${fig[plan_goal]} |
| AI requests during those plans | ${fig[plan_ai]} | | | 0 | ${fig[plan_ai_goal]} |
| \`terraform apply\` of 1 check, stand-in answering in 1 s | ${fig[apply1_checks]} s | ${fig[apply1_noop]} s | +${fig[apply1_delta]} s | <= 1.30 s | ${fig[apply1_goal]} |
| \`terraform apply -parallelism=10\` of 100 checks at 200 ms, \`max_concurrent_checks = 10\` | ${fig[apply100_checks]} s | ${fig[apply100_noop]} s | +${fig[apply100_delta]} s | <= 3.0 s (ideal 2.0 s) | ${fig[apply100_goal]} |
| provider peak RSS (VmHWM) during a plan of 300 | ${fig[rss_checks]} MiB | ${fig[rss_noop]} MiB | | | |

Where the CPU time of the plan of 300 goes: terraform itself against the provider processes, from
one more plan of each (sampled from \`/proc\`, not part of the medians). Terraform's own work per
resource (decoding, comparing, re-encoding and rendering each instance's state) grows with the
state's size, which the SPEC's record sets; the no-op's state has two values.

| plan of 300, CPU time | costhandoff | no-op provider |
|---|---|---|
| terraform itself | ${fig[terraform_cpu_checks]} s | ${fig[terraform_cpu_noop]} s |
| provider processes | ${fig[provider_cpu_checks]} s | ${fig[provider_cpu_noop]} s |

The same plan of 300 against two floors for costhandoff_check's schema, in the same runs:
- \`noop_check_echo\` holds copies of the 300 handoffs just applied and answers every call with the
  least work the protocol allows (\`bench/noop/echo.go\`): the floor of any provider keeping a
  handoff's state. What costhandoff takes over it is its own work.
- \`noop_check_shaped\` serves the schema through the plugin framework and does nothing (its computed
  values are null, so its state is smaller than a real handoff's). Every call goes through the
  framework, which visits every attribute; costhandoff answers the calls that run for every check
  without it (\`internal/provider/fast_path.go\`).

| plan of 300 applied resources against | costhandoff | baseline | ratio | CPU ratio |
|---|---|---|---|---|
| \`noop_check_echo\`: a handoff's state, least work | ${fig[echo_checks]} s | ${fig[echo_noop]} s | ${fig[echo_ratio]} | ${fig[echo_cpu_ratio]} |
| \`noop_check_shaped\`: the schema through the framework | ${fig[shaped_checks]} s | ${fig[shaped_noop]} s | ${fig[shaped_ratio]} | ${fig[shaped_cpu_ratio]} |

CPU time (user + system of terraform and its providers), medians:

| run | costhandoff | no-op provider | ratio |
|---|---|---|---|
| plan of 300 | ${fig[plan_checks_cpu]} s | ${fig[plan_noop_cpu]} s | ${fig[plan_cpu_ratio]} |
| apply of 1 at 1 s | ${fig[apply1_checks_cpu]} s | ${fig[apply1_noop_cpu]} s | |
| apply of 100 at 200 ms | ${fig[apply100_checks_cpu]} s | ${fig[apply100_noop_cpu]} s | |

Wall time of every run, in seconds:
- plan of 300: costhandoff ${fig[plan_checks_runs]}; no-op ${fig[plan_noop_runs]};
  echo ${fig[echo_noop_runs]}; shaped ${fig[shaped_noop_runs]}
- apply of 1 at 1 s: costhandoff ${fig[apply1_checks_runs]}; no-op ${fig[apply1_noop_runs]}
- apply of 100 at 200 ms: costhandoff ${fig[apply100_checks_runs]}; no-op ${fig[apply100_noop_runs]}
  (stand-in peak of AI requests in flight: ${fig[apply100_in_flight]}, i.e. 10 checks of 2 requests each)

How it is measured: \`scripts/bench.sh\` times each whole terraform command (bash \`time\`), with
both providers wired in through \`dev_overrides\` and each apply in a fresh directory with empty
state. The no-op provider (\`bench/noop\`) is a framework provider whose \`noop_thing\` does nothing,
so the difference is what costhandoff adds over the floor of any plugin provider. Like costhandoff,
it turns the plugin SDKs' logging off when no \`TF_LOG*\` variable asks for it, so neither pays for
log lines Terraform discards. Plans and
applies of the two providers alternate, so a busy machine slows both alike; CPU time is the
steadier figure when the machine is shared. Peak RSS is the largest \`VmHWM\` of the provider
processes terraform started, read from \`/proc/PID/status\` every 20 ms during one more plan,
which also gives the CPU split.

## Go benchmarks

The probe's parse-and-classify path, the policy checks and, per call, what every applied check
costs the provider on a plan (\`BenchmarkCheckRPCs\`, through \`fast_path.go\`):

\`go test -run '^\$' -bench . -benchmem ./internal/probe ./internal/handoff ./internal/provider\`

\`\`\`
$(grep -vE '^(PASS|ok )' "${work}/gobench.txt")
\`\`\`
MD
}

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
plan_of_300
apply_side_by_side apply1 1 1s 4 10
apply_side_by_side apply100 100 200ms 10 10
set_latency 0s
go_benchmarks

judge plan_goal "${fig[plan_ratio]}" 1.30
judge plan_ai_goal "${fig[plan_ai]}" 0
judge apply1_goal "${fig[apply1_delta]}" 1.30
judge apply100_goal "${fig[apply100_delta]}" 3.0
report | tee "${results}"
echo
log "results written to ${results#"${repo_root}"/}"
if [[ "${failed}" == 1 ]]; then
	log "a goal was missed"
	[[ "${strict}" == 1 ]] && exit 1
fi
exit 0
