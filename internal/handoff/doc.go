// Package handoff holds the domain of a cost handoff: the rule book every
// input meets before anything is sent (rules.go, entry point Judge) with the
// allocation policy and its placeholder, character and length rules, the
// decision rules, the run (smoke test, sources, ledger), its record and the
// two renderings of it (the log and the history entry), and run ids. It has
// no Terraform imports (depguard enforces it); the provider converts to and
// from these plain types at its edge.
package handoff
