# OpenAI directly, with the organization's usage data as the ledger: after a
# happy path that passed, the provider reads
# GET <ledger_endpoint>/organization/usage/completions in 1-minute buckets of
# the approved key's id and the model, with an organization admin key. The
# data arrives minutes late: no bucket within ledger_wait is "pending"
# (decision review), and `terraform apply -refresh-only` later records the
# confirmation in the same run.
#
# Credentials come from the environment (or ephemeral variables), never
# from this file:
#   COSTHANDOFF_API_KEY       the approved key, used only for smoke tests
#   COSTHANDOFF_LEDGER_TOKEN  an organization Admin API key (Admin keys page)
terraform {
  required_version = ">= 1.11"
  required_providers {
    costhandoff = {
      source = "costhandoff/costhandoff"
    }
  }
}

provider "costhandoff" {
  endpoint     = "https://api.openai.com/v1"
  api_protocol = "openai_chat"
  operator     = "finops-platform"

  ledger_api = "openai_usage"
  # The id the console shows for the approved key: an identifier, not a secret.
  ledger_key_id = "key_abc123example"
  # ledger_endpoint defaults to endpoint; ledger_wait to 6m.
}

resource "costhandoff_check" "openai" {
  owner_tag    = "team-search"
  workload_tag = "search-summaries"
  environment  = "prod"
  model        = "gpt-4o-mini"

  source_urls = {
    pricing        = "https://openai.com/api/pricing/"
    support        = "https://help.openai.com/"
    allocation     = "https://wiki.example.com/finops/ai-cost-allocation"
    unit_economics = "https://wiki.example.com/finops/search-summaries-unit-economics"
  }
}

output "ledger" {
  description = "pending until the bucket arrives; confirmed (usage_bucket) once a refresh reads it."
  value       = costhandoff_check.openai.ledger
}
