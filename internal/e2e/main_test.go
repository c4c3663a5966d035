package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// providerDir holds the provider binary built once by TestMain; tf is the
// CLI that runs it.
var (
	providerDir string
	tf          cli
)

// TestMain builds the provider once for every test. Without TF_ACC the
// package is skipped, as terraform-plugin-testing skips acceptance tests:
// each of these tests runs the real CLI, which make unit neither needs nor
// sets up.
func TestMain(m *testing.M) {
	if os.Getenv("TF_ACC") == "" {
		fmt.Println("e2e: skipped: TF_ACC is not set (these tests run the real CLI; make test and scripts/test.sh set it)")
		os.Exit(0)
	}
	os.Exit(buildProviderAndRun(m))
}

func buildProviderAndRun(m *testing.M) int {
	var err error
	if tf, err = cliFromEnv(os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	dir, err := os.MkdirTemp("", "costhandoff-e2e-provider-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "terraform-provider-costhandoff"),
		"github.com/costhandoff/terraform-provider-costhandoff")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: building the provider: %v\n%s", err, out)
		return 1
	}
	providerDir = dir
	return m.Run()
}
