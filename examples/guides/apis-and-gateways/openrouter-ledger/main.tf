# OpenRouter with its generation records as the ledger: after a happy path
# that passed, the provider reads GET <ledger_endpoint>/api/v1/generation?id=<gen-id>
# until the record exists, for at most ledger_wait. Without ledger_token the
# record is read with the approved key, which this endpoint documents.
#
# Credentials come from the environment, never from this file:
#   COSTHANDOFF_API_KEY       the workload's OpenRouter key
#   COSTHANDOFF_LEDGER_TOKEN  optional: another key to read the record with
terraform {
  required_version = ">= 1.11"
  required_providers {
    costhandoff = {
      source = "costhandoff/costhandoff"
    }
  }
}

provider "costhandoff" {
  endpoint     = "https://openrouter.ai/api/v1"
  api_protocol = "openai_chat"
  operator     = "finops-platform"

  ledger_api = "openrouter"
  # ledger_endpoint defaults to endpoint without /api/v1: https://openrouter.ai.
}

resource "costhandoff_check" "openrouter" {
  owner_tag    = "team-search"
  workload_tag = "search-summaries"
  environment  = "prod"
  model        = "openai/gpt-4o-mini"

  source_urls = {
    pricing        = "https://openrouter.ai/models"
    support        = "https://openrouter.ai/docs"
    allocation     = "https://wiki.example.com/finops/ai-cost-allocation"
    unit_economics = "https://wiki.example.com/finops/search-summaries-unit-economics"
  }
}

output "ledger" {
  description = "The generation record: status, request_id (the gen- id), native token counts and charged_usd (total_cost)."
  value       = costhandoff_check.openrouter.ledger
}

output "handoff_log" {
  description = "The handoff log; its ledger line names the upstream provider and model."
  value       = costhandoff_check.openrouter.log
}
