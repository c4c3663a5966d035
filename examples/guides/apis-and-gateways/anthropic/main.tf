# Anthropic directly: POST https://api.anthropic.com/v1/messages with the key
# in "x-api-key" and "anthropic-version: 2023-06-01". The request id is read
# from the "request-id" response header.
terraform {
  required_version = ">= 1.11"
  required_providers {
    costhandoff = {
      source = "costhandoff/costhandoff"
    }
  }
}

provider "costhandoff" {
  endpoint     = "https://api.anthropic.com/v1"
  api_protocol = "anthropic_messages"
  operator     = "finops-platform"
}

resource "costhandoff_check" "anthropic" {
  owner_tag    = "team-support"
  workload_tag = "ticket-triage"
  environment  = "prod"

  model = "claude-haiku-4-5" # a model your Anthropic workspace can call

  source_urls = {
    pricing        = "https://www.anthropic.com/pricing"
    support        = "https://support.anthropic.com/"
    allocation     = "https://wiki.example.com/finops/ai-cost-allocation"
    unit_economics = "https://wiki.example.com/finops/ticket-triage-unit-economics"
  }
}
