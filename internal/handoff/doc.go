// Package handoff holds the domain of a cost handoff: the allocation policy
// and its placeholder rule, the decision rules, the record a budget owner
// receives and its log rendering, run ids and history. It has no Terraform
// imports; the provider converts to and from these plain types at its edge.
package handoff
