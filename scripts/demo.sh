#!/usr/bin/env bash
# make demo: build the provider and the local AI API stand-in, start the
# stand-in on 127.0.0.1, wire the provider in through a dev_overrides CLI
# config (no terraform init, no registry), run a real terraform apply of
# examples/quickstart, print the handoff log and the decision, stop the
# stand-in. Nothing leaves this machine. The CLI is TERRAFORM (default
# terraform): TERRAFORM=tofu runs the same demo on OpenTofu.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "${repo_root}/scripts/lib.sh"
build="${repo_root}/.build"
work="${build}/demo"
bin="${build}/bin"
url_file="${build}/standin.url"
demo_key="sk-test-Rk4Qz8Wv2Nm7Xc5Jb9Lt"   # the stand-in's fake approved key
terraform="$(terraform_cli)"

mkdir -p "${bin}"
rm -rf "${work}"
mkdir -p "${work}"

echo "==> building the provider and the stand-in"
(cd "${repo_root}" && go build -o "${bin}/terraform-provider-costhandoff" . \
	&& go build -o "${bin}/costhandoff-standin" ./internal/standin/cmd/costhandoff-standin)

echo "==> starting the local AI API stand-in"
# As a new-api gateway (the family CometAPI runs), so the handoff also finds
# its smoke request in the gateway's usage log.
start_standin "${bin}/costhandoff-standin" "${demo_key}" "${url_file}" "${build}/standin.log" -gateway new_api
base_url="${standin_url}"
echo "    listening on ${base_url}"

# What the stand-in has seen: plan must leave ai_requests at 0.
stats() { curl -s "${base_url}/_standin/stats" 2>/dev/null || echo "(curl not installed)"; }

cat >"${build}/demo.terraformrc" <<RC
disable_checkpoint = true
provider_installation {
  dev_overrides {
    "costhandoff/costhandoff" = "${bin}"
  }
  direct {}
}
RC

cp "${repo_root}/examples/quickstart/main.tf" "${work}/"
export TF_CLI_CONFIG_FILE="${build}/demo.terraformrc"
export CHECKPOINT_DISABLE=1
export TF_IN_AUTOMATION=1
export COSTHANDOFF_ENDPOINT="${base_url}/v1"
export COSTHANDOFF_API_KEY="${demo_key}"
export COSTHANDOFF_OPERATOR="finops-platform"
export COSTHANDOFF_LEDGER_TOKEN="lt-9Qx7Zk2MwT4rLp3VbN"   # the stand-in's fake gateway access token
export TF_VAR_ledger_api="new_api"
export TF_VAR_source_urls="{ pricing = \"${base_url}/pages/pricing\", support = \"${base_url}/pages/support\", allocation = \"${base_url}/pages/allocation\", unit_economics = \"${base_url}/pages/unit_economics\" }"

cd "${work}"
echo "==> $(basename "${terraform}") plan (sends no AI request), $(cli_version "${terraform}")"
"${terraform}" plan -input=false -no-color -out=tfplan >plan.log 2>&1 || { cat plan.log; exit 1; }
grep -E '^Plan:' plan.log
echo "    stand-in after plan: $(stats)"
echo "==> $(basename "${terraform}") apply (runs the smoke test)"
"${terraform}" apply -input=false -no-color -auto-approve tfplan >apply.log 2>&1 || { cat apply.log; exit 1; }
grep -E '^Apply complete' apply.log

echo
echo "==> handoff log"
"${terraform}" output -raw handoff_log
echo
echo "decision: $("${terraform}" output -raw decision)"
echo "stand-in after apply: $(stats)"
