# Any OpenAI-compatible gateway (LiteLLM, a corporate AI gateway, ...):
# POST <endpoint>/chat/completions with "Authorization: Bearer <key>". A
# gateway whose certificate is signed by a private CA is trusted through
# ca_cert_pem, in addition to the system roots; TLS is always verified.
terraform {
  required_version = ">= 1.11"
  required_providers {
    costhandoff = {
      source = "costhandoff/costhandoff"
    }
  }
}

variable "gateway_ca_cert_pem" {
  description = "PEM of the private CA that signed the gateway's certificate, for example read with file(); null trusts the system roots only."
  type        = string
  default     = null
}

provider "costhandoff" {
  endpoint     = "https://llm-gateway.example.com/v1"
  api_protocol = "openai_chat"
  operator     = "finops-platform"
  ca_cert_pem  = var.gateway_ca_cert_pem
}

resource "costhandoff_check" "gateway" {
  owner_tag    = "team-search"
  workload_tag = "search-summaries"
  environment  = "prod"

  model = "gpt-4o-mini" # the model name as the gateway routes it

  # Fields the gateway reads from the body, e.g. LiteLLM's spend tags.
  extra_body_json = jsonencode({
    metadata = { tags = ["team-search", "search-summaries"] }
  })

  source_urls = {
    pricing        = "https://llm-gateway.example.com/docs/pricing"
    support        = "https://llm-gateway.example.com/docs/support"
    allocation     = "https://wiki.example.com/finops/ai-cost-allocation"
    unit_economics = "https://wiki.example.com/finops/search-summaries-unit-economics"
  }
}
