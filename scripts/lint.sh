#!/usr/bin/env bash
# Runs golangci-lint, pinned in scripts/tools/go.mod, over the whole module.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "${repo_root}/scripts/lib.sh"
tool golangci-lint run ./...
