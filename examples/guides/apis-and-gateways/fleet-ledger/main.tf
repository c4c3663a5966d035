# A fleet: one check per workload, the same model, through one gateway token,
# each confirmed in the gateway's usage log. ledger_token_name reads the log
# for the workloads' token only, so another token's traffic of the same model
# (production, another team) is never taken for a smoke request.
#
# Credentials come from the environment, never from this file:
#   COSTHANDOFF_API_KEY         the workloads' approved key
#   COSTHANDOFF_LEDGER_TOKEN    the gateway's system access token
#   COSTHANDOFF_LEDGER_USER_ID  your user id on the gateway (New-Api-User)
terraform {
  required_version = ">= 1.11"
  required_providers {
    costhandoff = {
      source = "costhandoff/costhandoff"
    }
  }
}

variable "workloads" {
  description = "The workloads whose AI spend is handed off, each with its owner."
  type        = map(string)
  default = {
    "search-summaries" = "team-search"
    "support-triage"   = "team-support"
    "invoice-extract"  = "team-finance"
  }
}

provider "costhandoff" {
  operator = "finops-platform"

  ledger_api = "new_api"
  # The gateway's name of the token the approved key belongs to.
  ledger_token_name = "finops-smoke-tests"
}

resource "costhandoff_check" "workload" {
  for_each = var.workloads

  owner_tag    = each.value
  workload_tag = each.key
  environment  = "prod"
  model        = "gpt-4o-mini"

  source_urls = {
    pricing        = "https://www.cometapi.com/pricing/"
    support        = "https://www.cometapi.com/support/"
    allocation     = "https://wiki.example.com/finops/ai-cost-allocation"
    unit_economics = "https://wiki.example.com/finops/${each.key}-unit-economics"
  }
}

output "ledger_status" {
  description = "Each workload's ledger status: confirmed for every check of the fleet."
  value       = { for k, c in costhandoff_check.workload : k => c.ledger.status }
}
