# CometAPI, the default: no endpoint or api_protocol needed. The provider
# sends POST https://api.cometapi.com/v1/chat/completions with
# "Authorization: Bearer <key>"; the key comes from COSTHANDOFF_API_KEY.
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

resource "costhandoff_check" "cometapi" {
  owner_tag    = "team-search"
  workload_tag = "search-summaries"
  environment  = "prod"

  model = "gpt-4o-mini" # a model your CometAPI account can call

  source_urls = {
    pricing        = "https://www.cometapi.com/pricing/"
    support        = "https://www.cometapi.com/support/"
    allocation     = "https://wiki.example.com/finops/ai-cost-allocation"
    unit_economics = "https://wiki.example.com/finops/search-summaries-unit-economics"
  }
}
