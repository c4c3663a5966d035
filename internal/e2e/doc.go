// Package e2e holds end-to-end tests that drive the real provider binary
// with the real Terraform CLI, the way a user (and `make demo`) does: the
// provider is built, wired in through a dev_overrides CLI configuration and
// pointed at the local AI API stand-in on 127.0.0.1. It has no code outside
// its tests.
//
// They run only with TF_ACC set, as acceptance tests do; without it the
// package is skipped (make unit). The CLI is TF_ACC_TERRAFORM_PATH and the
// provider's address TF_ACC_PROVIDER_HOST/costhandoff/costhandoff (default
// registry.terraform.io), the variables terraform-plugin-testing reads; make
// test and scripts/test.sh set all three from TERRAFORM, e.g.
// make test TERRAFORM=/path/to/tofu runs them on OpenTofu.
package e2e
