# Google Gemini API directly: POST
# https://generativelanguage.googleapis.com/v1beta/models/{model}:generateContent
# with the key in "x-goog-api-key". Without a request-id header, the request
# id is the response body's responseId.
terraform {
  required_version = ">= 1.11"
  required_providers {
    costhandoff = {
      source = "costhandoff/costhandoff"
    }
  }
}

provider "costhandoff" {
  endpoint     = "https://generativelanguage.googleapis.com/v1beta"
  api_protocol = "gemini"
  operator     = "finops-platform"
}

resource "costhandoff_check" "gemini" {
  owner_tag    = "team-docs"
  workload_tag = "doc-extraction"
  environment  = "prod"

  model = "gemini-2.5-flash" # a model your Google AI project can call

  source_urls = {
    pricing        = "https://ai.google.dev/gemini-api/docs/pricing"
    support        = "https://ai.google.dev/gemini-api/docs/troubleshooting"
    allocation     = "https://wiki.example.com/finops/ai-cost-allocation"
    unit_economics = "https://wiki.example.com/finops/doc-extraction-unit-economics"
  }
}
