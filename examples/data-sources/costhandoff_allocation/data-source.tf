terraform {
  required_providers {
    costhandoff = {
      source = "costhandoff/costhandoff"
    }
  }
}

# Tags as a team already writes them on its cloud resources.
locals {
  workload_tags = {
    Owner       = "team-search"
    Workload    = "search-summaries"
    Environment = "prod"
    Repository  = "search-summaries-api" # not an allocation field: ignored, and named in `message`
  }
}

# Checks the allocation against the provider's policy at plan time and sends
# no request. Keys of `tags` match case-insensitively; an explicit argument
# such as `cost_center` wins over the same key in `tags`.
data "costhandoff_allocation" "search_summaries" {
  tags        = local.workload_tags
  cost_center = "cc-1234"
  required    = ["owner", "workload", "environment", "cost_center"]
}

output "allocation_complete" {
  value = data.costhandoff_allocation.search_summaries.complete
}

output "allocation_missing" {
  value = data.costhandoff_allocation.search_summaries.missing
}

output "allocation_message" {
  description = "One line a person can act on."
  value       = data.costhandoff_allocation.search_summaries.message
}
