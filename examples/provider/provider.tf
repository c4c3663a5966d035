terraform {
  required_version = ">= 1.11"
  required_providers {
    costhandoff = {
      source = "costhandoff/costhandoff"
    }
  }
}

# No credential is set here: the provider reads the approved key from the
# COSTHANDOFF_API_KEY environment variable and the ledger token from
# COSTHANDOFF_LEDGER_TOKEN, so neither appears in configuration. A single
# check can instead take its key in the write-only `api_key_wo`.
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

  # The ledger: after a happy path that passed, find the smoke request's row
  # in the usage log of a one-api / new-api gateway such as CometAPI, reading
  # only. The gateway's system access token comes from
  # COSTHANDOFF_LEDGER_TOKEN and your user id on the gateway (sent as
  # New-Api-User) from COSTHANDOFF_LEDGER_USER_ID. Leave ledger_api out, or
  # set it to "none", for APIs without such a log.
  ledger_api           = "new_api"
  ledger_endpoint      = "https://api.cometapi.com"
  ledger_wait          = "30s"
  ledger_quota_per_usd = 500000
}

variable "corporate_ca_pem" {
  description = "PEM-encoded CA of a TLS-inspecting proxy in front of the endpoint; null when there is none."
  type        = string
  default     = null
}
