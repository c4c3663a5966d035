# Anthropic directly, with the organization's usage report as the ledger:
# after a happy path that passed, the provider reads
# GET <ledger_endpoint>/organizations/usage_report/messages in 1-minute
# buckets of the approved key's id and the model, with an Admin API key sent
# as x-api-key. The data arrives minutes late: no bucket within ledger_wait
# is "pending" (decision review), and `terraform apply -refresh-only` later
# records the confirmation in the same run.
#
# Credentials come from ephemeral variables (or the environment), never from
# this file.
terraform {
  required_version = ">= 1.11"
  required_providers {
    costhandoff = {
      source = "costhandoff/costhandoff"
    }
  }
}

variable "anthropic_api_key" {
  description = "The approved key, used only for smoke tests."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "anthropic_admin_key" {
  description = "An Admin API key of the organization (only members with the admin role can create one)."
  type        = string
  sensitive   = true
  ephemeral   = true
}

provider "costhandoff" {
  endpoint     = "https://api.anthropic.com/v1"
  api_protocol = "anthropic_messages"
  api_key      = var.anthropic_api_key
  operator     = "finops-platform"

  ledger_api   = "anthropic_usage"
  ledger_token = var.anthropic_admin_key
  # The id the console shows for the approved key: an identifier, not a secret.
  ledger_key_id = "apikey_01ExampleKeyId"
  ledger_wait   = "6m"
}

resource "costhandoff_check" "anthropic" {
  owner_tag    = "team-search"
  workload_tag = "search-summaries"
  environment  = "prod"
  model        = "claude-3-5-haiku-latest"

  source_urls = {
    pricing        = "https://www.anthropic.com/pricing#api"
    support        = "https://support.anthropic.com/"
    allocation     = "https://wiki.example.com/finops/ai-cost-allocation"
    unit_economics = "https://wiki.example.com/finops/search-summaries-unit-economics"
  }
}

output "ledger" {
  description = "pending until the bucket arrives; confirmed (usage_bucket) once a refresh reads it."
  value       = costhandoff_check.anthropic.ledger
}
