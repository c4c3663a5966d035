#!/usr/bin/env bash
# make install: builds this platform's provider into the local mirror that
# Terraform reads with no CLI configuration at all (DESIGN.md, "Installing
# before publication"):
#   ~/.terraform.d/plugins/HOST/costhandoff/costhandoff/VERSION/OS_ARCH/terraform-provider-costhandoff_vVERSION
# VERSION is the next release, the top heading of CHANGELOG.md. HOST is
# PROVIDER_HOST, by default the host the CLI named by TERRAFORM gives
# "costhandoff/costhandoff": registry.terraform.io for Terraform,
# registry.opentofu.org for OpenTofu (which reads the same folder).
# PLUGINS_DIR replaces ~/.terraform.d/plugins.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "${repo_root}/scripts/lib.sh"

version="$(next_version)"
if [[ -z "${PROVIDER_HOST:-}" ]]; then
	PROVIDER_HOST=registry.terraform.io
	if terraform="$(terraform_cli 2>/dev/null)"; then
		PROVIDER_HOST="$(provider_host "${terraform}")"
	fi
fi
platform="$(go env GOOS)_$(go env GOARCH)"
dir="${PLUGINS_DIR:-${HOME}/.terraform.d/plugins}/${PROVIDER_HOST}/costhandoff/costhandoff/${version}/${platform}"
binary="${dir}/terraform-provider-costhandoff_v${version}"

cd "${repo_root}"
mkdir -p "${dir}"
# The version is set as goreleaser sets it; the other flags are left as
# make build and the tests use them, so that Go's build cache serves them all.
go build -ldflags "-X main.version=${version}" -o "${binary}" .
echo "installed ${PROVIDER_HOST}/costhandoff/costhandoff ${version} (${platform}):"
echo "  ${binary}"
