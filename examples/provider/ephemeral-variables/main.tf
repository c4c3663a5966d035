terraform {
  # Ephemeral variables need Terraform 1.10 or OpenTofu 1.11; api_key_wo
  # elsewhere in these examples needs Terraform 1.11.
  required_version = ">= 1.10"
  required_providers {
    costhandoff = {
      source = "costhandoff/costhandoff"
    }
  }
}

# Credentials from variables: declare each one sensitive AND ephemeral.
# `sensitive` only hides the value in CLI output; Terraform still writes a
# non-ephemeral variable's value in clear under `variables` in a saved plan
# (terraform plan -out), where terraform show -json prints it. An ephemeral
# variable is kept out of saved plans and state. Set them with
# TF_VAR_api_key and TF_VAR_ledger_token from the CI secret store, at plan
# and again when applying a saved plan.
variable "api_key" {
  description = "The approved key of the workload."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "ledger_token" {
  description = "The gateway's access token, to read its usage log."
  type        = string
  sensitive   = true
  ephemeral   = true
}

provider "costhandoff" {
  endpoint     = "https://api.cometapi.com/v1"
  operator     = "finops-platform"
  api_key      = var.api_key
  ledger_api   = "new_api"
  ledger_token = var.ledger_token
}
