// Package handoff holds the run of a cost handoff: the allocation policy and
// its placeholder, character and length rules, the decision rules, the run
// (smoke test, sources, ledger), its record and the two renderings of it
// (the log and the history entry), and run ids. The plan-time rule book,
// which applies the same policy before anything is sent, is
// internal/rulebook. It has no Terraform imports (depguard enforces it);
// the provider converts to and from these plain types at its edge.
package handoff
