#!/usr/bin/env bash
# make test: the whole suite, TF_ACC=1 go test ./..., run against the CLI
# that TERRAFORM names (default terraform; Terraform or OpenTofu; resolved by
# terraform_cli). The acceptance tests (terraform-plugin-testing) and
# internal/e2e both read TF_ACC_TERRAFORM_PATH, set here to that CLI's
# absolute path, so no test ever looks elsewhere or downloads a CLI.
# TF_ACC_PROVIDER_HOST, unless set, is the host that CLI gives
# "costhandoff/costhandoff": registry.opentofu.org for OpenTofu,
# registry.terraform.io for Terraform.
#
# The output is go test's, through scripts/testsummary, which ends it with
# one line: N passed, N failed, N skipped. The exit code is go test's (or
# the summary's, should it fail on its own).
# Extra arguments go to go test, e.g. scripts/test.sh -run TestX ./internal/e2e.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "${repo_root}/scripts/lib.sh"
terraform="$(terraform_cli)"

export TF_ACC=1
export TF_ACC_TERRAFORM_PATH="${terraform}"
export TF_ACC_PROVIDER_HOST="${TF_ACC_PROVIDER_HOST:-$(provider_host "${terraform}")}"
export CHECKPOINT_DISABLE=1

cd "${repo_root}"
echo "==> TF_ACC=1 go test with $(cli_version "${terraform}") (TF_ACC_TERRAFORM_PATH=${TF_ACC_TERRAFORM_PATH}, TF_ACC_PROVIDER_HOST=${TF_ACC_PROVIDER_HOST})"
if [[ $# -eq 0 ]]; then
	set -- ./...
fi
verbose=()
for arg in "$@"; do
	[[ "${arg}" == -v || "${arg}" == -test.v || "${arg}" == -v=true ]] && verbose=(-v)
done
summary="${repo_root}/.build/bin/testsummary"
go build -o "${summary}" ./scripts/testsummary

set +e
go test -json -count=1 -timeout 30m "$@" | "${summary}" "${verbose[@]}"
status=("${PIPESTATUS[@]}")
set -e
if [[ ${status[0]} -ne 0 ]]; then
	exit "${status[0]}"
fi
exit "${status[1]}"
