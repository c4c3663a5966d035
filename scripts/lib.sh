# Shared by the scripts of this folder; source it, do not run it.

# start_standin BIN API_KEY URL_FILE LOG [FLAG...]: starts the local AI API
# stand-in on 127.0.0.1 (port chosen by the kernel) with any further flags
# (e.g. -gateway new_api), stops it when the calling script exits, and waits
# up to 10 s for it to write its base URL to URL_FILE. Sets standin_url.
start_standin() {
	local bin="$1" api_key="$2" url_file="$3" log_file="$4"
	shift 4
	rm -f "${url_file}"
	"${bin}" -addr 127.0.0.1:0 -api-key "${api_key}" -url-file "${url_file}" "$@" 2>"${log_file}" &
	standin_pid=$!
	trap 'kill "${standin_pid}" 2>/dev/null || true; wait "${standin_pid}" 2>/dev/null || true' EXIT
	for _ in $(seq 1 100); do
		[[ -s "${url_file}" ]] && break
		sleep 0.1
	done
	[[ -s "${url_file}" ]] || { echo "stand-in did not start" >&2; cat "${log_file}" >&2; exit 1; }
	standin_url="$(cat "${url_file}")"
}

# tool NAME ARG...: runs NAME, a tool pinned as a tool directive of
# scripts/tools/go.mod, with go tool. That file holds the tools whose own
# dependencies must not move the provider's (golangci-lint, goreleaser); the
# provider's go.mod holds the one that builds with the provider's
# (tfplugindocs). Go builds each tool at its pinned version on first use and
# caches it.
tool() {
	local repo_root
	repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
	(cd "${repo_root}" && go tool -modfile=scripts/tools/go.mod "$@")
}

# terraform_cli: prints the absolute path of the CLI every script, the
# tests and the benchmark run: TERRAFORM, a name on PATH or a path (default
# terraform), which may name Terraform or OpenTofu. The one place the CLI is
# resolved: scripts/test.sh hands the result to go test as
# TF_ACC_TERRAFORM_PATH, make bench to the benchmark as -terraform.
terraform_cli() {
	local name="${TERRAFORM:-terraform}" path
	path="$(command -v "${name}")" || {
		echo "$(basename "$0"): ${name} not found: put terraform on PATH or set TERRAFORM to a Terraform or OpenTofu binary" >&2
		return 1
	}
	[[ "${path}" == /* ]] || path="$(pwd)/${path}"
	echo "${path}"
}

# cli_version CLI: the first line of CLI's version, e.g. "Terraform v1.11.4"
# or "OpenTofu v1.12.6".
cli_version() {
	local out
	out="$(CHECKPOINT_DISABLE=1 "$1" version 2>/dev/null)" || true
	echo "${out%%$'\n'*}"
}

# provider_host CLI: the registry host CLI gives a source written without
# one ("costhandoff/costhandoff"): registry.opentofu.org for OpenTofu,
# registry.terraform.io otherwise.
provider_host() {
	if [[ "$(cli_version "$1")" == OpenTofu* ]]; then
		echo registry.opentofu.org
	else
		echo registry.terraform.io
	fi
}

# next_version: the version of the top heading of CHANGELOG.md, the next
# release (0.1.0 for "## 0.1.0 (Unreleased)"). The one place it is read.
next_version() {
	local changelog version
	changelog="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/CHANGELOG.md"
	version="$(sed -n -E 's/^## v?([0-9]+\.[0-9]+\.[0-9]+[-+.0-9A-Za-z]*).*/\1/p' "${changelog}" | sed -n 1p)"
	[[ -n "${version}" ]] || { echo "no version heading (## X.Y.Z) in ${changelog}" >&2; return 1; }
	echo "${version}"
}
