#!/usr/bin/env bash
# Runs golangci-lint over the whole module, installing the pinned version into .tools/bin on first use.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools_bin="${repo_root}/.tools/bin"
golangci_lint_version="v2.15.0"

if [[ ! -x "${tools_bin}/golangci-lint" ]]; then
	mkdir -p "${tools_bin}"
	GOBIN="${tools_bin}" go install "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@${golangci_lint_version}"
fi

cd "${repo_root}"
"${tools_bin}/golangci-lint" run ./...
