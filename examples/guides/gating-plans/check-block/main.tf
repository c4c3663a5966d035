# Pattern 4: a check block.
# A check block ONLY WARNS: a failed assert is reported as a warning and never
# fails `terraform plan` or `terraform apply`, so it cannot gate CI on its
# own. Use it to keep an incomplete allocation visible (in plan output, and
# in HCP Terraform health assessments) without blocking anyone.
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

check "cost_handoff_allocation" {
  # A data source scoped to the check: its errors are warnings too.
  data "costhandoff_allocation" "workload" {
    tags = var.tags
  }

  assert {
    condition     = data.costhandoff_allocation.workload.complete
    error_message = data.costhandoff_allocation.workload.message
  }
}
