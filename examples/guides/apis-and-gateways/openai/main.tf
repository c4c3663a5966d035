# OpenAI directly, through the Responses API: POST
# https://api.openai.com/v1/responses with "Authorization: Bearer <key>".
# max_output_tokens is raised to the API's minimum of 16. Use
# api_protocol = "openai_chat" for /chat/completions instead.
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
  api_protocol = "openai_responses"
  operator     = "finops-platform"
}

resource "costhandoff_check" "openai" {
  owner_tag    = "team-search"
  workload_tag = "search-summaries"
  environment  = "prod"

  model = "gpt-4o-mini" # a model your OpenAI project can call

  source_urls = {
    pricing        = "https://openai.com/api/pricing/"
    support        = "https://help.openai.com/"
    allocation     = "https://wiki.example.com/finops/ai-cost-allocation"
    unit_economics = "https://wiki.example.com/finops/search-summaries-unit-economics"
  }
}
