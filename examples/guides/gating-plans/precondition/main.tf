# Pattern 2: a precondition on the resource that will spend.
# The data source only reports; the precondition stops the plan for this one
# resource, with the data source's message as the error. Use it when the
# gate belongs to a specific resource, e.g. in a shared module.
terraform {
  required_providers {
    costhandoff = {
      source = "costhandoff/costhandoff"
    }
  }
}

variable "tags" {
  description = "Allocation tags of the workload, e.g. from the environment's .tfvars file."
  type        = map(string)
}

data "costhandoff_allocation" "workload" {
  tags = var.tags
}

# terraform_data stands in for whatever starts the spend: a gateway route, a
# deployment, the secret that holds the workload's key.
resource "terraform_data" "ai_workload" {
  input = var.tags

  lifecycle {
    precondition {
      condition     = data.costhandoff_allocation.workload.complete
      error_message = data.costhandoff_allocation.workload.message
    }
  }
}
