#!/usr/bin/env bash
# make demo: build the provider and the local Knock API, apply examples/demo with the real terraform
# CLI, show the result, show that a second plan is empty, then destroy and clean up.
# Expects TERRAFORM (absolute path) and BIN (where make build put the binaries) from the Makefile.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
: "${TERRAFORM:?set by make demo}" "${BIN:?set by make demo}"
work=$(mktemp -d)
api_pid=""
cleanup() {
  [ -n "$api_pid" ] && kill "$api_pid" 2>/dev/null && wait "$api_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "Starting the local Knock API (audiences beta-testers and newsletter)"
"$BIN/knock-local-api" -addr 127.0.0.1:0 -api-key sk_test_demo -audience beta-testers -audience newsletter \
  -url-file "$work/url" &
api_pid=$!
for _ in $(seq 100); do [ -s "$work/url" ] && break; sleep 0.05; done
[ -s "$work/url" ] || { echo "the local Knock API did not start" >&2; exit 1; }

export KNOCK_BASE_URL KNOCK_API_KEY=sk_test_demo CHECKPOINT_DISABLE=1
KNOCK_BASE_URL=$(cat "$work/url")
# Our own CLI configuration: use the provider just built instead of the registry (no terraform init).
export TF_CLI_CONFIG_FILE="$work/terraform.rc"
cat > "$TF_CLI_CONFIG_FILE" <<RC
provider_installation {
  dev_overrides {
    "knock-tf/knock" = "$BIN"
  }
  direct {}
}
RC
mkdir "$work/config"
cp "$root/examples/demo/main.tf" "$work/config/"
tf() { "$TERRAFORM" -chdir="$work/config" "$@"; }

step "terraform apply"
tf apply -auto-approve -compact-warnings

step "The result: terraform output"
tf output

step "terraform plan again: it must be empty"
set +e
tf plan -detailed-exitcode -no-color > "$work/plan.txt" 2>&1
status=$?
set -e
grep -E 'No changes|Plan:' "$work/plan.txt" || true
if [ "$status" -ne 0 ]; then
  cat "$work/plan.txt"
  echo "demo failed: the second plan is not empty (exit $status)" >&2
  exit 1
fi

step "terraform destroy"
tf destroy -auto-approve -compact-warnings | tail -n 3
kill "$api_pid" && wait "$api_pid" || true # the local API prints the requests it served
api_pid=""
step "Done: the local Knock API is stopped and the working directory removed"
