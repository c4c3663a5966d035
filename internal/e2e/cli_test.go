package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// cli is the Terraform or OpenTofu CLI the tests run and the address the
// provider is wired in under, as terraform-plugin-testing reads them:
// TF_ACC_TERRAFORM_PATH (else terraform on PATH) and TF_ACC_PROVIDER_HOST
// (else registry.terraform.io; OpenTofu's is registry.opentofu.org).
type cli struct {
	path string
	// source is the provider's fully qualified address, used both in the
	// configuration's required_providers and as the dev_overrides key, so
	// the two always match whichever host the CLI would assume.
	source string
}

const defaultProviderHost = "registry.terraform.io"

// cliFromEnv resolves the CLI from getenv.
func cliFromEnv(getenv func(string) string) (cli, error) {
	host := getenv("TF_ACC_PROVIDER_HOST")
	if host == "" {
		host = defaultProviderHost
	}
	c := cli{source: host + "/costhandoff/costhandoff"}
	if p := getenv("TF_ACC_TERRAFORM_PATH"); p != "" {
		abs, err := filepath.Abs(p)
		if err != nil {
			return cli{}, fmt.Errorf("TF_ACC_TERRAFORM_PATH %q: %w", p, err)
		}
		if _, err := os.Stat(abs); err != nil {
			return cli{}, fmt.Errorf("TF_ACC_TERRAFORM_PATH: %w", err)
		}
		c.path = abs
		return c, nil
	}
	p, err := exec.LookPath("terraform")
	if err != nil {
		return cli{}, fmt.Errorf("terraform is not on PATH and TF_ACC_TERRAFORM_PATH is not set: %w", err)
	}
	c.path = p
	return c, nil
}

// devOverridesConfig is a CLI configuration that serves the provider at
// c.source from the binary in dir, with no registry and no init.
func (c cli) devOverridesConfig(dir string) string {
	return fmt.Sprintf(`disable_checkpoint = true
provider_installation {
  dev_overrides {
    %q = %q
  }
  direct {}
}
`, c.source, dir)
}
