// Package e2e holds end-to-end tests that drive the real provider binary
// with the real Terraform CLI, the way a user (and `make demo`) does: the
// provider is built, wired in through a dev_overrides CLI configuration and
// pointed at the local AI API stand-in on 127.0.0.1. It has no code outside
// its tests.
package e2e
