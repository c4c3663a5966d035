package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCLIFromEnv(t *testing.T) {
	t.Parallel()
	tofu := filepath.Join(t.TempDir(), "tofu")
	if err := os.WriteFile(tofu, []byte("#!/bin/sh\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"TF_ACC_TERRAFORM_PATH": tofu, "TF_ACC_PROVIDER_HOST": "registry.opentofu.org"}
	c, err := cliFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.path != tofu || c.source != "registry.opentofu.org/costhandoff/costhandoff" {
		t.Errorf("got %+v, want the path and host from the environment", c)
	}
	if rc := c.devOverridesConfig("/bin/dir"); !strings.Contains(rc, `"registry.opentofu.org/costhandoff/costhandoff" = "/bin/dir"`) {
		t.Errorf("dev_overrides do not name the provider at its host:\n%s", rc)
	}

	env = map[string]string{"TF_ACC_TERRAFORM_PATH": filepath.Join(t.TempDir(), "missing")}
	if _, err := cliFromEnv(func(k string) string { return env[k] }); err == nil {
		t.Error("a TF_ACC_TERRAFORM_PATH naming no file was accepted")
	}

	if _, err := cliFromEnv(func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), "TERRAFORM") {
		t.Errorf("no TF_ACC_TERRAFORM_PATH: err = %v, want one saying how the CLI is named", err)
	}

	env = map[string]string{"TF_ACC_TERRAFORM_PATH": tofu}
	if c, err = cliFromEnv(func(k string) string { return env[k] }); err != nil || c.source != "registry.terraform.io/costhandoff/costhandoff" {
		t.Errorf("default source %q (%v), want registry.terraform.io's", c.source, err)
	}
}
