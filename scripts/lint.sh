#!/usr/bin/env bash
# Runs golangci-lint over the whole module, installing the pinned version into .tools/bin on first use.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "${repo_root}/scripts/lib.sh"
golangci_lint="$(pinned_tool golangci-lint github.com/golangci/golangci-lint/v2/cmd/golangci-lint v2.15.0)"

cd "${repo_root}"
"${golangci_lint}" run ./...
