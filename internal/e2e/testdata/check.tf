terraform {
  required_providers {
    costhandoff = { source = "costhandoff/costhandoff" }
  }
}
provider "costhandoff" {
  endpoint = "{{STANDIN_URL}}/v1"
  api_key  = "sk-test-Rk4Qz8Wv2Nm7Xc5Jb9Lt"
  operator = "finops-platform"
}
variable "cycle" { default = "1" }
resource "costhandoff_check" "this" {
  owner_tag    = "team-search"
  workload_tag = "search-summaries"
  environment  = "prod"
  model        = "gpt-test-mini"
  watch_sources = true
  rerun_triggers = { cycle = var.cycle }
  source_urls = {
    pricing        = "{{STANDIN_URL}}/pages/pricing"
    support        = "{{STANDIN_URL}}/pages/support"
    allocation     = "{{STANDIN_URL}}/pages/allocation"
    unit_economics = "{{STANDIN_URL}}/pages/unit_economics"
  }
}
