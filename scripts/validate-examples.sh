#!/usr/bin/env bash
# Checks every example the docs show: `terraform fmt -check` over examples/,
# then `terraform validate` in every directory under examples/ that holds a
# .tf file, against a provider built from this checkout. The CLI is
# TERRAFORM (default terraform), Terraform or OpenTofu.
#
# No registry and no `terraform init`: a dev_overrides CLI config points
# costhandoff/costhandoff at the fresh build, and Terraform validates a
# configuration whose only providers are overridden ones or built in
# (terraform_data) without installing anything. TF_DATA_DIR points into a
# temporary directory, so nothing (.terraform, lock files, state) is ever
# written into the example folders.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "${repo_root}/scripts/lib.sh"
terraform="$(terraform_cli)"
tmp="$(mktemp -d)"
trap 'rm -rf "${tmp}"' EXIT

cd "${repo_root}"

echo "==> building the provider"
go build -o "${tmp}/bin/terraform-provider-costhandoff" .

cat >"${tmp}/terraformrc" <<RC
disable_checkpoint = true
provider_installation {
  dev_overrides {
    "costhandoff/costhandoff" = "${tmp}/bin"
  }
  direct {}
}
RC
export TF_CLI_CONFIG_FILE="${tmp}/terraformrc"
export CHECKPOINT_DISABLE=1
export TF_IN_AUTOMATION=1

echo "==> $(basename "${terraform}") fmt -check -recursive examples ($(cli_version "${terraform}"))"
"${terraform}" fmt -check -recursive examples \
	|| { echo "validate-examples: the files above are not formatted: run terraform fmt -recursive examples" >&2; exit 1; }

# Every directory holding a .tf file, skipping hidden ones such as a
# .terraform left behind by someone's manual init.
mapfile -t dirs < <(find examples -name '.*' -prune -o -type f -name '*.tf' -printf '%h\n' | sort -u)
if [[ ${#dirs[@]} -eq 0 ]]; then
	echo "validate-examples: no example folders found" >&2
	exit 1
fi

echo "==> $(basename "${terraform}") validate in ${#dirs[@]} example folders"
failed=0
for dir in "${dirs[@]}"; do
	log="${tmp}/validate.log"
	if TF_DATA_DIR="${tmp}/data/${dir}" "${terraform}" -chdir="${dir}" validate -no-color >"${log}" 2>&1; then
		echo "ok    ${dir}"
	else
		echo "FAIL  ${dir}"
		sed 's/^/      /' "${log}"
		failed=$((failed + 1))
	fi
done

if [[ ${failed} -gt 0 ]]; then
	echo "validate-examples: ${failed} of ${#dirs[@]} example folders failed" >&2
	exit 1
fi
echo "==> all ${#dirs[@]} example folders are valid"
