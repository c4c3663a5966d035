# CometAPI (a gateway of the one-api / new-api family) with the ledger: after
# a happy path that passed, the provider reads GET <ledger_endpoint>/api/log/self
# with the gateway's system access token until it finds the smoke request's
# row, for at most ledger_wait. It only reads, and never with the API key.
#
# Credentials come from the environment, never from this file:
#   COSTHANDOFF_API_KEY         the workload's approved key
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

variable "ledger_endpoint" {
  description = "Base URL of the gateway's management API; null derives it from endpoint (https://api.cometapi.com)."
  type        = string
  default     = null
}

provider "costhandoff" {
  operator = "finops-platform"

  ledger_api      = "new_api"
  ledger_endpoint = var.ledger_endpoint
  # Gateways may write the row a moment after they answer.
  ledger_wait = "1m"
  # The gateway's quota units per US dollar: 500000 unless its operator
  # changed it. charged_usd is only as right as this figure.
  ledger_quota_per_usd = 500000
}

resource "costhandoff_check" "cometapi" {
  owner_tag    = "team-search"
  workload_tag = "search-summaries"
  environment  = "prod"

  # The exact model name the workload sends: the ledger row is matched on it.
  model = "gpt-4o-mini"

  source_urls = {
    pricing        = "https://www.cometapi.com/pricing/"
    support        = "https://www.cometapi.com/support/"
    allocation     = "https://wiki.example.com/finops/ai-cost-allocation"
    unit_economics = "https://wiki.example.com/finops/search-summaries-unit-economics"
  }
}

output "ledger" {
  description = "The smoke request's row in the gateway's usage log: status, matched_by, token_name, tokens, quota and charged_usd."
  value       = costhandoff_check.cometapi.ledger
}

output "handoff_log" {
  description = "The handoff log, with its ledger line."
  value       = costhandoff_check.cometapi.log
}
