package e2e

import (
	"fmt"
	"os"
	"path/filepath"
)

// cli is the Terraform or OpenTofu CLI the tests run and the address the
// provider is wired in under, from the variables terraform-plugin-testing
// reads: TF_ACC_TERRAFORM_PATH, which scripts/test.sh sets to the CLI that
// TERRAFORM names (the tests look for no CLI of their own), and
// TF_ACC_PROVIDER_HOST (else registry.terraform.io; OpenTofu's is
// registry.opentofu.org).
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
	p := getenv("TF_ACC_TERRAFORM_PATH")
	if p == "" {
		return cli{}, fmt.Errorf("TF_ACC_TERRAFORM_PATH is not set: run the tests with make test or scripts/test.sh, which set it to the CLI that TERRAFORM names")
	}
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
