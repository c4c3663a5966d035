terraform {
  required_providers {
    costhandoff = {
      source = "costhandoff/costhandoff"
    }
  }
}

locals {
  tags = {
    owner       = "team-search"
    workload    = "search-summaries"
    environment = "TBD" # a placeholder counts as missing
  }
}

output "missing_allocation_tags" {
  # ["environment"]
  value = provider::costhandoff::missing_tags(local.tags)
}
