# A complete cost handoff for one workload on CometAPI (the default endpoint,
# or COSTHANDOFF_ENDPOINT). The approved key comes from COSTHANDOFF_API_KEY and
# the operator from COSTHANDOFF_OPERATOR (or var.operator); plan never sends a
# request, apply runs the smoke test and stores the handoff record in state.
terraform {
  required_version = ">= 1.11"
  required_providers {
    costhandoff = {
      source = "costhandoff/costhandoff"
    }
  }
}

provider "costhandoff" {
  operator = var.operator

  # With "new_api", the check also finds its smoke request in the gateway's
  # usage log (CometAPI runs new-api); the access token comes from
  # COSTHANDOFF_LEDGER_TOKEN.
  ledger_api = var.ledger_api
}

variable "ledger_api" {
  description = "none, or new_api to confirm the smoke request in the gateway's usage log."
  type        = string
  default     = "none"
}

variable "operator" {
  description = "Team or role running the check. Left null, the provider reads COSTHANDOFF_OPERATOR."
  type        = string
  default     = null
}

variable "model" {
  description = "Model the workload uses."
  type        = string
  default     = "gpt-4o-mini"
}

variable "source_urls" {
  description = "Public pages that define pricing and support, and the team's own allocation and unit-economics pages."
  type        = map(string)
  default = {
    pricing        = "https://www.cometapi.com/pricing/"
    support        = "https://www.cometapi.com/support/"
    allocation     = "https://wiki.example.com/finops/ai-cost-allocation"
    unit_economics = "https://wiki.example.com/finops/search-summaries-unit-economics"
  }
}

resource "costhandoff_check" "search_summaries" {
  owner_tag    = "team-search"
  workload_tag = "search-summaries"
  environment  = "prod"

  model       = var.model
  source_urls = var.source_urls

  unit_name            = "document summarized"
  billing_unit         = "1M tokens"
  review_interval_days = 30
}

output "decision" {
  description = "proceed, review or stop."
  value       = costhandoff_check.search_summaries.decision
}

output "decision_reasons" {
  value = costhandoff_check.search_summaries.decision_reasons
}

output "handoff_log" {
  description = "The handoff log to hand to the budget owner."
  value       = costhandoff_check.search_summaries.log
}
