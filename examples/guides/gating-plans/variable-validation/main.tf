# Pattern 3: a variable validation that calls missing_tags.
# The value is rejected as soon as it is given, before any data source is
# read, and the error points at the variable. Use it at a module's input
# boundary. missing_tags checks owner, workload and environment only; use
# the data source for the provider's full policy (required_tags,
# allowed_environments).
terraform {
  required_providers {
    costhandoff = {
      source = "costhandoff/costhandoff"
    }
  }
}

variable "tags" {
  description = "Allocation tags of the workload: owner, workload and environment are required."
  type        = map(string)

  validation {
    condition     = length(provider::costhandoff::missing_tags(var.tags)) == 0
    error_message = "Incomplete cost handoff: set a real value for ${join(", ", provider::costhandoff::missing_tags(var.tags))} in tags (placeholders such as TBD or <owner> count as missing)."
  }
}

output "tags" {
  value = var.tags
}
