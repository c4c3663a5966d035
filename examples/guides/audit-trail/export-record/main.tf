# A handoff kept as an audit trail: sources watched between runs, a review
# date, a longer history, and the whole trail exported for the budget owner:
#
#   terraform output -raw handoff_record > handoff.json
#
# (-raw, because the output is already a JSON document made by jsonencode.)
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

resource "costhandoff_check" "contract_review" {
  owner_tag    = "team-legal-tools"
  workload_tag = "contract-review"
  environment  = "prod"

  source_urls = {
    pricing        = "https://www.cometapi.com/pricing/"
    support        = "https://www.cometapi.com/support/"
    allocation     = "https://wiki.example.com/finops/ai-cost-allocation"
    unit_economics = "https://wiki.example.com/finops/contract-review-unit-economics"
  }
  model = "gpt-4o-mini"

  # Refresh re-fetches the source pages (never the AI API): a changed page
  # plans a re-run, which then reports `source_changed`.
  watch_sources = true

  # The handoff expires after 90 days: the plan then shows a re-run.
  review_interval_days = 90

  # Keep the last 20 earlier runs in state, one line each under its run_id.
  history_limit = 20
}

output "handoff_record" {
  description = "The latest run (its log, reasons, tested path, sources and ledger row) and the earlier runs by run id, as one JSON document."
  value = jsonencode({
    run_id           = costhandoff_check.contract_review.run_id
    decision         = costhandoff_check.contract_review.decision
    decision_reasons = costhandoff_check.contract_review.decision_reasons
    log              = costhandoff_check.contract_review.log
    endpoint         = costhandoff_check.contract_review.endpoint
    api_protocol     = costhandoff_check.contract_review.api_protocol
    credential       = costhandoff_check.contract_review.credential_fingerprint
    sources          = costhandoff_check.contract_review.sources
    ledger           = costhandoff_check.contract_review.ledger
    review_due_at    = costhandoff_check.contract_review.review_due_at
    history          = costhandoff_check.contract_review.history
  })
}

output "handoff_log" {
  description = "The sanitized handoff log of the latest run, one `field: value` line per field."
  value       = costhandoff_check.contract_review.log
}
