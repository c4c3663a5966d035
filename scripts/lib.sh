# Shared by the scripts of this folder; source it, do not run it.

# start_standin BIN API_KEY URL_FILE LOG: starts the local AI API stand-in on
# 127.0.0.1 (port chosen by the kernel), stops it when the calling script
# exits, and waits up to 10 s for it to write its base URL to URL_FILE.
# Sets standin_url.
start_standin() {
	local bin="$1" api_key="$2" url_file="$3" log_file="$4"
	rm -f "${url_file}"
	"${bin}" -addr 127.0.0.1:0 -api-key "${api_key}" -url-file "${url_file}" 2>"${log_file}" &
	standin_pid=$!
	trap 'kill "${standin_pid}" 2>/dev/null || true; wait "${standin_pid}" 2>/dev/null || true' EXIT
	for _ in $(seq 1 100); do
		[[ -s "${url_file}" ]] && break
		sleep 0.1
	done
	[[ -s "${url_file}" ]] || { echo "stand-in did not start" >&2; cat "${log_file}" >&2; exit 1; }
	standin_url="$(cat "${url_file}")"
}

# pinned_tool NAME PACKAGE VERSION: prints the path of NAME in .tools/bin,
# installing PACKAGE@VERSION there on first use.
pinned_tool() {
	local tools_bin
	tools_bin="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.tools/bin"
	if [[ ! -x "${tools_bin}/$1" ]]; then
		mkdir -p "${tools_bin}"
		GOBIN="${tools_bin}" go install "$2@$3" >&2
	fi
	echo "${tools_bin}/$1"
}
