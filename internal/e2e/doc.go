// Package e2e holds end-to-end tests that drive the real provider binary
// with the real Terraform CLI, the way a user (and `make demo`) does: the
// provider is built, wired in through a dev_overrides CLI configuration and
// pointed at the local AI API stand-in on 127.0.0.1. It has no code outside
// its tests.
//
// The CLI is TF_ACC_TERRAFORM_PATH, else terraform on PATH, and the
// provider's address is TF_ACC_PROVIDER_HOST/costhandoff/costhandoff
// (default registry.terraform.io), as terraform-plugin-testing reads them:
// TF_ACC_TERRAFORM_PATH=/path/to/tofu TF_ACC_PROVIDER_HOST=registry.opentofu.org
// runs them on OpenTofu. make test sets both from TERRAFORM.
package e2e
