#!/usr/bin/env bash
# The version matrix: runs the acceptance tests (go test -run '^TestAcc') once per Terraform or OpenTofu
# CLI binary given as an argument, then prints one table of pass, skip and fail counts per CLI, the
# reasons of the skips, and the failures with their output. Exits 1 when a test failed on any CLI.
#
#   scripts/testacc-matrix.sh .cache/cli/terraform-1.15.9 .cache/cli/tofu-1.12.6
#
# OpenTofu runs with TF_ACC_PROVIDER_HOST=registry.opentofu.org and TF_ACC_PROVIDER_NAMESPACE=hashicorp:
# terraform-plugin-testing names the provider under OpenTofu's own registry host. Each CLI's go test -json
# stream is kept in $MATRIX_DIR (.cache/matrix) as <cli>-<version>.json.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$#" -eq 0 ]; then
  echo "usage: $0 CLI_BINARY..." >&2
  exit 2
fi
command -v jq >/dev/null || { echo "$0 needs jq" >&2; exit 2; }

dir=${MATRIX_DIR:-.cache/matrix}
run=${MATRIX_RUN:-^TestAcc}
mkdir -p "$dir"
# The project's own CLI configuration, as make test uses: not the developer's.
export TF_CLI_CONFIG_FILE=$PWD/internal/acctest/testdata/terraform.rc
export CHECKPOINT_DISABLE=1

labels=()
for cli in "$@"; do
  [ -x "$cli" ] || { echo "$cli is not an executable file" >&2; exit 2; }
  cli=$(cd "$(dirname "$cli")" && pwd)/$(basename "$cli")
  # `version` says "Terraform v1.15.9" or "OpenTofu v1.12.6".
  read -r product version < <("$cli" version 2>/dev/null | sed -n 's/^\(Terraform\|OpenTofu\) v\([^ ]*\).*/\1 \2/p' | head -n 1) || true
  env=(TF_ACC=1 "TF_ACC_TERRAFORM_PATH=$cli")
  case "$product" in
    OpenTofu) env+=(TF_ACC_PROVIDER_HOST=registry.opentofu.org TF_ACC_PROVIDER_NAMESPACE=hashicorp) ;;
    Terraform) ;;
    *) echo "$cli: neither Terraform nor OpenTofu: $("$cli" version 2>&1 | head -n 3)" >&2; exit 2 ;;
  esac
  label="$product-$version"
  labels+=("$label")
  echo "== $label: go test ./internal/... -run '$run' ($cli)"
  start=$SECONDS
  env "${env[@]}" go test ./internal/... -run "$run" -count=1 -timeout 30m -json >"$dir/$label.json" 2>"$dir/$label.stderr" || true
  echo "$((SECONDS - start))" >"$dir/$label.seconds"
done

# Counts are of tests and subtests alike (go test -json reports both); a parent with a failed subtest
# fails too.
count() { jq -r --arg action "$2" 'select(.Test != null and .Action == $action) | .Test' "$1" | wc -l; }

status=0
echo
echo "Acceptance tests per CLI (tests and subtests):"
printf '| %-18s | %6s | %6s | %6s | %8s |\n' CLI pass skip fail seconds
printf '|%s|%s|%s|%s|%s|\n' --------------------  -------- -------- -------- ----------
for label in "${labels[@]}"; do
  json="$dir/$label.json"
  pass=$(count "$json" pass)
  skip=$(count "$json" skip)
  fail=$(count "$json" fail)
  # A build failure or panic leaves a package-level fail without any test fail.
  if jq -e 'select(.Test == null and .Action == "fail")' "$json" >/dev/null || [ "$pass" -eq 0 ]; then
    [ "$fail" -gt 0 ] || fail="pkg"
  fi
  [ "$fail" = 0 ] || status=1
  printf '| %-18s | %6s | %6s | %6s | %8s |\n' "$label" "$pass" "$skip" "$fail" "$(cat "$dir/$label.seconds")"
done

for label in "${labels[@]}"; do
  json="$dir/$label.json"
  # The reason of each skip: the test's last log line before its --- SKIP line.
  reasons=$(jq -rs '
    (map(select(.Test != null and .Action == "skip")) | map(.Test)) as $skipped
    | [ .[] | select(.Action == "output" and .Test != null and (.Test as $t | $skipped | index($t)))
        | select(.Output | test("^\\s+\\S+\\.go:\\d+: ")) ]
    | group_by(.Test) | map({test: .[0].Test, reason: (.[-1].Output | sub("^\\s+\\S+\\.go:\\d+: "; "") | rtrimstr("\n"))})
    | group_by(.reason) | map("  \(length) skipped: \(.[0].reason)\n     \(map(.test) | join(", "))") | .[]' "$json")
  if [ -n "$reasons" ]; then
    echo
    echo "$label skips:"
    echo "$reasons"
  fi
  failed=$(jq -r 'select(.Test != null and .Action == "fail") | .Test' "$json")
  if [ -n "$failed" ] || [ "$status" -ne 0 ]; then
    for test in $failed; do
      echo
      echo "$label FAIL $test:"
      jq -r --arg t "$test" 'select(.Test == $t and .Action == "output") | .Output' "$json" | sed 's/^/    /' | tail -n 40
    done
    if jq -e 'select(.Test == null and .Action == "fail")' "$json" >/dev/null && [ -z "$failed" ]; then
      echo
      echo "$label: the package failed outside any test:"
      jq -r 'select(.Test == null and .Action == "output") | .Output' "$json" | tail -n 40
      tail -n 40 "$dir/$label.stderr"
    fi
  fi
done
exit "$status"
