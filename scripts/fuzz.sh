#!/usr/bin/env bash
# Runs every fuzz target of the module for FUZZTIME each, one after the other: the targets are found
# with go test -list, so a new one needs no entry here. Their seed corpora also run in make test.
# Usage: FUZZTIME=30s fuzz.sh
set -euo pipefail
fuzztime=${FUZZTIME:-30s}
for pkg in $(go list ./...); do
  for target in $(go test "$pkg" -list '^Fuzz' 2>/dev/null | grep '^Fuzz' || true); do
    echo "==> $pkg $target ($fuzztime)"
    go test "$pkg" -run '^$' -fuzz "^$target\$" -fuzztime "$fuzztime"
  done
done
