terraform {
  required_version = ">= 1.11"
  required_providers {
    costhandoff = {
      source = "costhandoff/costhandoff"
    }
  }
}

# The approved key is deliberately not set here: the provider reads it from
# the COSTHANDOFF_API_KEY environment variable, so it never appears in
# configuration. A single check can instead take a write-only `api_key_wo`.
provider "costhandoff" {
  endpoint              = "https://api.cometapi.com/v1"
  api_protocol          = "openai_chat"
  operator              = "finops-platform"
  request_timeout       = "30s"
  max_concurrent_checks = 4

  # Allocation policy every costhandoff_check and costhandoff_allocation
  # is held to at plan time.
  required_tags         = ["owner", "workload", "environment", "cost_center"]
  allowed_environments  = ["dev", "staging", "prod"]
  required_source_kinds = ["pricing", "support", "allocation", "unit_economics"]

  # Only needed behind a TLS-inspecting proxy; TLS is always verified.
  ca_cert_pem      = var.corporate_ca_pem
  allow_plain_http = false
}

variable "corporate_ca_pem" {
  description = "PEM-encoded CA of a TLS-inspecting proxy in front of the endpoint; null when there is none."
  type        = string
  default     = null
}
