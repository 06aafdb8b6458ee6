#!/usr/bin/env bash
# Generates docs/ from the schema, examples/ and templates/ with tfplugindocs, whose schema comes from
# the terraform binary DOCS_TERRAFORM. List resources (docs/list-resources) are in the schema only from
# Terraform 1.14 on: with an older CLI they are left as committed, neither regenerated nor checked.
# Usage: docs.sh DOCS_TERRAFORM TERRAFORM CACHE_DIR
set -euo pipefail
docs_terraform=$1 terraform=$2 cache=$3
mkdir -p "$cache/docs-cli"
ln -sf "$(realpath "$docs_terraform")" "$cache/docs-cli/terraform"
echo "tfplugindocs with $("$docs_terraform" version | head -n 1)"
(cd tools && PATH="$cache/docs-cli:$PATH" go tool tfplugindocs generate \
  --provider-dir .. --provider-name knock --rendered-provider-name Knock)
read -r major minor < <("$docs_terraform" version -json | sed -n 's/.*"terraform_version": *"\([0-9]*\)\.\([0-9]*\)\..*/\1 \2/p')
if [ "$major" -eq 1 ] && [ "$minor" -lt 14 ]; then
  git checkout -- docs/list-resources
  echo "docs/list-resources left as committed: Terraform $major.$minor cannot show list resources (1.14+ can)"
fi
"$terraform" fmt -recursive examples
