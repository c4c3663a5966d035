# A LiteLLM proxy with its spend logs as the ledger: after a happy path that
# passed, the provider reads GET <ledger_endpoint>/spend/logs?request_id=<id>
# (the response body's id, then the proxy's x-litellm-call-id) until the
# proxy's batch write shows the row, for at most ledger_wait.
#
# Credentials come from the environment, never from this file:
#   COSTHANDOFF_API_KEY       the workload's approved key (a LiteLLM virtual key)
#   COSTHANDOFF_LEDGER_TOKEN  a key allowed to read the spend logs: the master
#                             key, an admin key, or the key of the internal user
#                             the approved key belongs to; never the approved key
terraform {
  required_version = ">= 1.11"
  required_providers {
    costhandoff = {
      source = "costhandoff/costhandoff"
    }
  }
}

provider "costhandoff" {
  endpoint     = "https://litellm.example.com/v1"
  api_protocol = "openai_chat"
  operator     = "finops-platform"

  ledger_api = "litellm"
  # ledger_endpoint defaults to endpoint without /v1: https://litellm.example.com.
  # Proxies write spend rows every 10 s by default, 60 s in many deployments;
  # the default wait for this ledger is 90s.
  ledger_wait = "2m"
}

resource "costhandoff_check" "litellm" {
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
  description = "The smoke request's spend row: status, request_id, tokens and charged_usd (the row's spend)."
  value       = costhandoff_check.litellm.ledger
}
