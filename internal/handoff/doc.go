// Package handoff holds the domain of a cost handoff: the allocation policy
// and its placeholder, character and length rules, the decision rules, the
// run (smoke test, sources, ledger), its log and history, and run ids. It has
// no Terraform imports; the provider converts to and from these plain types
// at its edge.
package handoff
