// Package environ builds the environment of the CLI runs that the
// end-to-end tests and the benchmark harness make, so nothing from the
// caller's shell changes them.
package environ

import (
	"os"
	"strings"
)

// Without is this process's environment less every variable with one of
// prefixes.
func Without(prefixes ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !hasAnyPrefix(kv, prefixes) {
			env = append(env, kv)
		}
	}
	return env
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
