#!/usr/bin/env bash
# Validates .goreleaser.yml with goreleaser, pinned in scripts/tools/go.mod.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "${repo_root}/scripts/lib.sh"
tool goreleaser check
