#!/usr/bin/env bash
# Validates .goreleaser.yml, installing the pinned goreleaser into .tools/bin on first use.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools_bin="${repo_root}/.tools/bin"
goreleaser_version="v2.16.0"

if [[ ! -x "${tools_bin}/goreleaser" ]]; then
	mkdir -p "${tools_bin}"
	GOBIN="${tools_bin}" go install "github.com/goreleaser/goreleaser/v2@${goreleaser_version}"
fi

cd "${repo_root}"
"${tools_bin}/goreleaser" check
