package environ

import (
	"slices"
	"testing"
)

func TestWithout(t *testing.T) {
	t.Setenv("TF_LOG", "trace")
	t.Setenv("COSTHANDOFF_API_KEY", "sk-test-environ")
	t.Setenv("ENVIRON_KEPT", "yes")
	env := Without("TF_", "COSTHANDOFF_")
	for _, gone := range []string{"TF_LOG=trace", "COSTHANDOFF_API_KEY=sk-test-environ"} {
		if slices.Contains(env, gone) {
			t.Errorf("%s was kept", gone)
		}
	}
	if !slices.Contains(env, "ENVIRON_KEPT=yes") {
		t.Error("a variable without those prefixes was dropped")
	}
}
