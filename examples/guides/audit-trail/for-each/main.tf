# One check per workload with for_each, and every workload's log printed
# with a `for` expression:
#
#   terraform output -raw handoff_logs > handoffs.txt
#
# Renaming a key of var.workloads starts a new check with a new history;
# declare a `moved` block to keep the trail (see the audit-trail guide).
terraform {
  required_version = ">= 1.11"
  required_providers {
    costhandoff = {
      source = "costhandoff/costhandoff"
    }
  }
}

# The approved key comes from COSTHANDOFF_API_KEY.
provider "costhandoff" {
  operator = "finops-platform"
}

variable "workloads" {
  description = "Workloads to hand off, by workload tag."
  type = map(object({
    owner       = string
    environment = string
    model       = string
    source_urls = map(string)
  }))
  default = {
    "contract-review" = {
      owner       = "team-legal-tools"
      environment = "prod"
      model       = "gpt-4o-mini"
      source_urls = {
        pricing        = "https://www.cometapi.com/pricing/"
        support        = "https://www.cometapi.com/support/"
        allocation     = "https://wiki.example.com/finops/ai-cost-allocation"
        unit_economics = "https://wiki.example.com/finops/contract-review-unit-economics"
      }
    }
    "search-summaries" = {
      owner       = "team-search"
      environment = "prod"
      model       = "gpt-4o-mini"
      source_urls = {
        pricing        = "https://www.cometapi.com/pricing/"
        support        = "https://www.cometapi.com/support/"
        allocation     = "https://wiki.example.com/finops/ai-cost-allocation"
        unit_economics = "https://wiki.example.com/finops/search-summaries-unit-economics"
      }
    }
  }
}

resource "costhandoff_check" "workload" {
  for_each = var.workloads

  owner_tag    = each.value.owner
  workload_tag = each.key
  environment  = each.value.environment
  model        = each.value.model
  source_urls  = each.value.source_urls

  review_interval_days = 30
}

output "handoff_logs" {
  description = "The latest log of every workload, one block per workload, in key order."
  value = join("\n", [
    for name, check in costhandoff_check.workload : "# ${name}\n${check.log}"
  ])
}

output "decisions" {
  description = "Each workload's run id and decision."
  value = {
    for name, check in costhandoff_check.workload : name => "${check.run_id}: ${check.decision}"
  }
}

output "handoff_trails" {
  description = "Every run kept in state for each workload: the latest run's log, and the earlier runs by run id."
  value = {
    for name, check in costhandoff_check.workload : name => {
      latest  = { (check.run_id) = check.log }
      earlier = check.history
    }
  }
}
