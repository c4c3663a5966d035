#!/usr/bin/env bash
# make install-check: proves the README's quick start as written, in a
# temporary HOME so that nothing is ever written to the real one:
# scripts/install.sh (make install), then, in a copy of examples/quickstart
# with an empty CLI configuration, `terraform init` with every proxy pointing
# at a closed port (no registry, no network), a lock file naming the
# installed version with its checksum, and `terraform validate`.
# The CLI is TERRAFORM (default terraform), Terraform or OpenTofu.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "${repo_root}/scripts/lib.sh"
terraform="$(terraform_cli)"
version="$(next_version)"
host="${PROVIDER_HOST:-$(provider_host "${terraform}")}"
tmp="$(mktemp -d)"
trap 'rm -rf "${tmp}"' EXIT

# Go keeps its caches and settings under HOME: pin them before HOME moves,
# so the build reuses them and fetches nothing.
for var in GOPATH GOMODCACHE GOCACHE GOENV GOPROXY GOSUMDB GONOSUMDB GOPRIVATE GONOPROXY GOTOOLCHAIN GOFLAGS; do
	export "${var}=$(go env "${var}")"
done
export HOME="${tmp}/home"
mkdir -p "${HOME}"

echo "==> make install into a temporary HOME"
PROVIDER_HOST="${host}" "${repo_root}/scripts/install.sh"

# No CLI configuration at all, nothing inherited from the caller's shell.
unset TF_DATA_DIR TF_PLUGIN_CACHE_DIR TF_CLI_ARGS TF_CLI_ARGS_init TF_CLI_ARGS_validate TF_LOG TF_LOG_PATH
: >"${tmp}/empty.tfrc"
export TF_CLI_CONFIG_FILE="${tmp}/empty.tfrc"
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
# Any request to a registry fails: init must find the provider locally.
export HTTPS_PROXY=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9 http_proxy=http://127.0.0.1:9
unset NO_PROXY no_proxy

work="${tmp}/quickstart"
mkdir -p "${work}"
cp "${repo_root}"/examples/quickstart/*.tf "${work}/"

echo "==> $(basename "${terraform}") init in a copy of examples/quickstart, offline ($(cli_version "${terraform}"))"
"${terraform}" -chdir="${work}" init -input=false -no-color >"${tmp}/init.log" 2>&1 || {
	cat "${tmp}/init.log" >&2
	echo "install-check: init did not find the installed provider" >&2
	exit 1
}
lock="${work}/.terraform.lock.hcl"
[[ -s "${lock}" ]] || { echo "install-check: init wrote no .terraform.lock.hcl" >&2; exit 1; }
grep -q "^provider \"${host}/costhandoff/costhandoff\"" "${lock}" &&
	grep -q "version *= \"${version}\"" "${lock}" &&
	grep -q '"h1:' "${lock}" || {
	cat "${lock}" >&2
	echo "install-check: the lock file does not pin ${host}/costhandoff/costhandoff ${version} with an h1 checksum" >&2
	exit 1
}
echo "    .terraform.lock.hcl pins ${host}/costhandoff/costhandoff ${version}"

echo "==> $(basename "${terraform}") validate"
"${terraform}" -chdir="${work}" validate -no-color
echo "==> the quick start's make install and init work with no CLI configuration"
