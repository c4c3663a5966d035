// Package rulebook is the rule book: every rule the provider applies to its
// inputs before anything is sent, behind one entry point, Judge, which
// returns attribute-pathed findings that name the fix. The provider's
// validation and configuration, the check's validation and plan, and the
// allocation data source each hand it what they know as a Subject and turn
// the findings into diagnostics in one loop.
//
// It judges; it never runs anything. The rules the run applies at apply too
// (the allocation policy, placeholders, one-line text) are handoff's, and the
// URL rules are sources', which the book calls, so each rule has one place.
// It has no Terraform imports (depguard enforces it).
package rulebook
