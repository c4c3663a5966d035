# Azure OpenAI through its v1 API: POST
# https://<resource>.openai.azure.com/openai/v1/chat/completions with
# "Authorization: Bearer <key>", the deployment name as the model. The older
# .../openai/deployments/<deployment> URLs need an api-version query string
# and an "api-key" header, which this provider does not send.
terraform {
  required_version = ">= 1.11"
  required_providers {
    costhandoff = {
      source = "costhandoff/costhandoff"
    }
  }
}

variable "azure_openai_resource" {
  description = "Name of the Azure OpenAI resource, as in https://<resource>.openai.azure.com."
  type        = string
}

variable "azure_openai_deployment" {
  description = "Name of the model deployment to check; the v1 API takes it as the model."
  type        = string
}

provider "costhandoff" {
  endpoint     = "https://${var.azure_openai_resource}.openai.azure.com/openai/v1"
  api_protocol = "openai_chat"
  operator     = "finops-platform"
}

resource "costhandoff_check" "azure_openai" {
  owner_tag    = "team-search"
  workload_tag = "search-summaries"
  environment  = "prod"

  model = var.azure_openai_deployment

  # Newer models refuse max_tokens: null removes the default field.
  extra_body_json = jsonencode({ max_tokens = null, max_completion_tokens = 1 })

  source_urls = {
    pricing        = "https://azure.microsoft.com/en-us/pricing/details/cognitive-services/openai-service/"
    support        = "https://azure.microsoft.com/en-us/support/"
    allocation     = "https://wiki.example.com/finops/ai-cost-allocation"
    unit_economics = "https://wiki.example.com/finops/search-summaries-unit-economics"
  }
}
