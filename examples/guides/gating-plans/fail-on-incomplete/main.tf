# Pattern 1: the allocation data source with fail_on_incomplete.
# An incomplete allocation is an error diagnostic, so `terraform plan` exits
# non-zero and CI fails, with the data source's message naming what is
# missing. Nothing else in the configuration has to refer to it.
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
  tags               = var.tags
  fail_on_incomplete = true
}
