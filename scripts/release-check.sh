#!/usr/bin/env bash
# Validates .goreleaser.yml, installing the pinned goreleaser into .tools/bin on first use.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "${repo_root}/scripts/lib.sh"
goreleaser="$(pinned_tool goreleaser github.com/goreleaser/goreleaser/v2 v2.16.0)"

cd "${repo_root}"
"${goreleaser}" check
