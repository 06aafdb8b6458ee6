#!/usr/bin/env bash
# An unsigned goreleaser snapshot release into dist/, checked by check-snapshot.sh. PLATFORMS "all"
# builds every platform of .goreleaser.yml; one GOOS_GOARCH builds only that one (a minute instead of
# ten): goreleaser release has no --single-target, so it runs on a copy of .goreleaser.yml whose build
# lists one target.
# Usage: snapshot.sh PLATFORMS CACHE_DIR GORELEASER...
set -euo pipefail
platforms=$1 cache=$2
shift 2
if [ "$platforms" = all ]; then
  "$@" release --snapshot --clean --skip=sign
  bash scripts/check-snapshot.sh dist
  exit 0
fi
mkdir -p "$cache"
config="$cache/goreleaser-snapshot.yml"
sed "s/^    binary: .*/    targets: [$platforms]\n&/" .goreleaser.yml >"$config"
grep -q "^    targets: \[$platforms\]\$" "$config" ||
  { echo "could not limit .goreleaser.yml to $platforms: no build with a binary line"; exit 1; }
"$@" release --snapshot --clean --skip=sign --config "$config"
EXPECT_PLATFORMS="$platforms" bash scripts/check-snapshot.sh dist
