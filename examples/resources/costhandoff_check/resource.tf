terraform {
  required_version = ">= 1.11"
  required_providers {
    costhandoff = {
      source = "costhandoff/costhandoff"
    }
  }
}

provider "costhandoff" {
  operator = "finops-platform"
}

# An ephemeral variable is never written to the plan or state (an ordinary
# one, even sensitive, is saved in clear in a saved plan), and can only be
# passed where Terraform allows ephemeral values: write-only arguments such
# as api_key_wo, and provider arguments such as api_key. Set it with
# TF_VAR_approved_api_key from the CI secret store.
variable "approved_api_key" {
  description = "Approved key for this workload."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "approved_api_key_version" {
  description = "Bump when the approved key is rotated: the check re-runs with the new key."
  type        = number
  default     = 1
}

resource "costhandoff_check" "support_triage" {
  # Allocation: who owns the spend, for which workload, where.
  owner_tag       = "team-support-tools"
  workload_tag    = "support-ticket-triage"
  environment     = "prod"
  follow_up_owner = "support-tools-lead"

  # The public pages the handoff rests on; each is fetched during apply
  # (never with a credential) and its SHA-256 digest recorded.
  source_urls = {
    pricing        = "https://www.cometapi.com/pricing/"
    support        = "https://www.cometapi.com/support/"
    allocation     = "https://wiki.example.com/finops/ai-cost-allocation"
    unit_economics = "https://wiki.example.com/finops/support-triage-unit-economics"
  }

  # The smoke test: one minimal request with the approved key, one with an
  # invalid key that must be refused.
  model              = "gpt-4o-mini"
  api_key_wo         = var.approved_api_key
  api_key_wo_version = var.approved_api_key_version

  # Recorded with the handoff, never priced.
  unit_name    = "ticket triaged"
  billing_unit = "1M tokens"

  # Re-run the check every 30 days, and whenever a trigger value changes.
  review_interval_days = 30
  rerun_triggers = {
    budget_cycle = "FY26-Q1"
  }

  # A `stop` decision fails the apply with the run's log in the error; the
  # run is still saved in state and re-runs at the next apply.
  enforcement = "fail"
}

output "decision" {
  description = "proceed, review or stop."
  value       = costhandoff_check.support_triage.decision
}

output "decision_reasons" {
  description = "Every reason code that applied."
  value       = costhandoff_check.support_triage.decision_reasons
}

output "handoff_log" {
  description = "The sanitized handoff log for the budget owner."
  value       = costhandoff_check.support_triage.log
}
