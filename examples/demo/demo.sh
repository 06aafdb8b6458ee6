#!/usr/bin/env bash
# make demo: build the provider and the local Knock API, then with the real terraform CLI:
#   1. declare two audiences, static beta-testers and dynamic premium-users (knock_audience, through the
#      local Management API), and the memberships of beta-testers and newsletter (terraform apply),
#   2. change an audience outside Terraform (as someone in the Knock dashboard would): the next plan
#      shows the drift, and applying that plan corrects it,
#   3. try to empty an audience: the guard rail (max_removal_percent) stops the plan,
#   4. plan again: no changes,
# then lift the guard rail and destroy, and clean up. Expects TERRAFORM (absolute path) and BIN (where make build put the
# binaries) from the Makefile. Colours only when stdout is a terminal. What it prints is Terraform's own output,
# except where a "(demo.sh: ...)" line says what it left out, so that nobody takes a condensed plan for Terraform's.
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

if [ -t 1 ]; then
  color=() bold=$'\033[1m' reset=$'\033[0m'
else
  color=(-no-color) bold="" reset=""
fi
step() { printf '\n%s==> %s%s\n' "$bold" "$*" "$reset"; }
# condensed says what the script leaves out of the Terraform output that follows.
condensed() { printf '(demo.sh: %s)\n' "$*"; }

"$BIN/knock-local-api" -addr 127.0.0.1:0 -api-key sk_test_demo -service-token knock_st_demo -audience newsletter \
  -url-file "$work/url" 2>"$work/api.log" &
api_pid=$!
for _ in $(seq 100); do [ -s "$work/url" ] && break; sleep 0.05; done
[ -s "$work/url" ] || { cat "$work/api.log" >&2; echo "the local Knock API did not start" >&2; exit 1; }

export KNOCK_BASE_URL KNOCK_MANAGEMENT_BASE_URL KNOCK_API_KEY=sk_test_demo KNOCK_SERVICE_TOKEN=knock_st_demo
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_INPUT=0
KNOCK_BASE_URL=$(cat "$work/url")
KNOCK_MANAGEMENT_BASE_URL=$KNOCK_BASE_URL
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
# tf COMMAND ARGS...: terraform in the demo's copy, without colours when stdout is not a terminal and
# without the warning that dev_overrides are in effect (it is this script's own CLI configuration).
tf() {
  local command=$1
  shift
  "$TERRAFORM" -chdir="$work/config" "$command" ${color[@]+"${color[@]}"} "$@" 2>&1 | drop_override_warning
  return "${PIPESTATUS[0]}"
}
# drop_override_warning filters out the warning block: it starts after a blank line (plain) or a ╷ line
# (colour), and ends with "releases." (plain) or a ╵ line (colour).
drop_override_warning() {
  awk -v plain="${#color[@]}" '
    skip { if ((plain && /releases\.$/) || (!plain && /╵/)) skip = 0; next }
    have_held { have_held = 0; if (/Provider development overrides are in effect/) { skip = 1; next } print held }
    /^$/ || /╷/ { held = $0; have_held = 1; next }
    { print }
    END { if (have_held) print held }'
}
# Knock's API as a dashboard user changes it: outside Terraform.
knock_api() {
  curl -fsS -X "$1" -H "Authorization: Bearer $KNOCK_API_KEY" -H "Content-Type: application/json" \
    "$KNOCK_BASE_URL/v1/audiences/$2/members" --data "$3" >/dev/null
}

echo "The output below is Terraform's own, except where a (demo.sh: ...) line says what was left out. Left out"
echo "everywhere: Terraform's warning that development overrides are in effect (this script's CLI configuration)."

step "1. Create: terraform apply (audiences beta-testers, static, with 3 members, and premium-users, dynamic; newsletter: 60 members, more than one page of Knock's list)"
condensed "the 60 newsletter members shown in one line, and the Creating... progress lines left out"
# The 60 newsletter members of the plan in one line.
tf apply -auto-approve | awk '/"newsletter-user-[0-9]+"/ { n++; next }
  n { printf "          + (%d members: newsletter-user-000 to newsletter-user-%03d)\n", n, n - 1; n = 0 }
  !/Still creating|Creating\.\.\.|Creation complete/'


step "2. Drift: someone adds mallory to beta-testers and removes user-2 in the Knock dashboard"
knock_api POST beta-testers '{"members":[{"user":{"id":"mallory"}}]}'
knock_api DELETE beta-testers '{"members":[{"user":{"id":"user-2"}}]}'
echo "terraform plan reads the live audience and shows both changes:"
tf plan -out="$work/drift.tfplan"
echo
echo "terraform apply of that plan puts the audience back:"
condensed "the outputs left out"
tf apply "$work/drift.tfplan" | sed '/^Outputs:/,$d'

step "3. Guard rail: an empty list of beta testers (a failed export) would remove every member"
set +e
tf plan -var 'beta_user_ids=[]' >"$work/guard.txt"
status=$?
set -e
cat "$work/guard.txt"
if [ "$status" -eq 0 ]; then
  cat "$work/guard.txt"
  echo "demo failed: the plan that empties beta-testers was not stopped" >&2
  exit 1
fi
echo "(terraform plan exited $status: nothing was changed)"

step "4. terraform plan again: no changes"
set +e
tf plan -detailed-exitcode >"$work/plan.txt"
status=$?
set -e
cat "$work/plan.txt"
if [ "$status" -ne 0 ]; then
  cat "$work/plan.txt"
  echo "demo failed: the last plan is not empty (exit $status)" >&2
  exit 1
fi

step "terraform destroy (the guard rail holds for destroy too: lift it first, as on purpose)"
condensed "the apply that lifts the guard rail left out, and the destroy but for its last line"
tf apply -auto-approve -var beta_max_removal_percent=100 >/dev/null
tf destroy -auto-approve -var beta_max_removal_percent=100 | tail -n 1
kill "$api_pid" && wait "$api_pid" || true
api_pid=""
step "Done: the local Knock API is stopped and the working directory removed"
