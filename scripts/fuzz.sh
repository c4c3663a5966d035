#!/usr/bin/env bash
# usage: fuzz.sh DURATION
# Runs every fuzz target of the module (every `func Fuzz*` in a _test.go
# file) for DURATION each, e.g. 15s. go test allows one fuzz target per run,
# so each target gets its own run. Fails on the first target that fails; a
# failing input is kept under the package's testdata/fuzz for replay.
set -euo pipefail

if [[ $# -ne 1 || -z "$1" ]]; then
	echo "usage: $(basename "$0") DURATION   (a Go duration such as 15s, or Nx iterations)" >&2
	exit 2
fi
fuzztime="$1"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${repo_root}"

# file:line:func FuzzName(...) for every tracked or new test file.
mapfile -t targets < <(git ls-files --cached --others --exclude-standard -- '*_test.go' \
	| xargs -r grep -HE '^func Fuzz[A-Za-z0-9_]*\(' \
	| sed -E 's#^(.*)/[^/]*_test\.go:func (Fuzz[A-Za-z0-9_]*)\(.*#\1 \2#' \
	| sort -u)

if [[ ${#targets[@]} -eq 0 ]]; then
	echo "fuzz.sh: no fuzz targets found" >&2
	exit 1
fi

for target in "${targets[@]}"; do
	read -r dir name <<<"${target}"
	echo "==> ${name} in ./${dir} for ${fuzztime}"
	go test -run '^$' -fuzz "^${name}\$" -fuzztime "${fuzztime}" "./${dir}"
done
echo "==> ${#targets[@]} fuzz targets passed"
