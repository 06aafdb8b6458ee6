#!/usr/bin/env bash
# Checks the artifacts of a goreleaser build in dist/ (make snapshot) against what the Terraform Registry
# needs: for every platform built, terraform-provider-knock_<version>_<os>_<arch>.zip holding the binary
# terraform-provider-knock_v<version> (and LICENSE, README.md, CHANGELOG.md); <...>_SHA256SUMS listing each zip and the manifest with
# their right hashes. The manifest is terraform-registry-manifest.json (protocol 6.0), which the release
# uploads as <...>_manifest.json (release.extra_files), so it is not in dist/. With EXPECT_PLATFORMS (a
# space-separated list of os_arch), those platforms must be exactly the ones built.
set -euo pipefail
dist=${1:-dist}
manifest_source=$(cd "$(dirname "$0")/.." && pwd)/terraform-registry-manifest.json
cd "$dist"
command -v jq >/dev/null || { echo "$0 needs jq" >&2; exit 2; }

fail() { echo "check-snapshot: $*" >&2; exit 1; }

project=$(jq -r .project_name metadata.json)
version=$(jq -r .version metadata.json)
[ "$project" = terraform-provider-knock ] || fail "project_name is $project"
prefix="${project}_${version}"

# The platforms goreleaser built, from its own list of artifacts.
mapfile -t platforms < <(jq -r '.[] | select(.type == "Archive") | "\(.goos)_\(.goarch)"' artifacts.json | sort)
[ "${#platforms[@]}" -gt 0 ] || fail "no archive was built"

if [ -n "${EXPECT_PLATFORMS:-}" ]; then
  want=$(tr ' ' '\n' <<<"$EXPECT_PLATFORMS" | grep -v '^$' | sort | tr '\n' ' ')
  got=$(printf '%s\n' "${platforms[@]}" | tr '\n' ' ')
  [ "$want" = "$got" ] || fail "built platforms [$got], want [$want]"
fi

sums="${prefix}_SHA256SUMS"
manifest="${prefix}_manifest.json"
[ -f "$sums" ] || fail "$sums is missing"
jq -e '.version == 1 and .metadata.protocol_versions == ["6.0"]' "$manifest_source" >/dev/null ||
  fail "$manifest_source does not declare protocol 6.0: $(cat "$manifest_source")"

# Every line of SHA256SUMS is right, and it lists each zip and the manifest and nothing else.
while read -r hash name; do
  file=$name
  [ "$name" = "$manifest" ] && file=$manifest_source
  [ -f "$file" ] || fail "$sums lists $name, which is not there"
  actual=$(sha256sum "$file" | cut -d ' ' -f 1)
  [ "$actual" = "$hash" ] || fail "$sums says $name has sha256 $hash; it has $actual"
done <"$sums"
expected=("$manifest")
for platform in "${platforms[@]}"; do
  zip="${prefix}_${platform}.zip"
  [ -f "$zip" ] || fail "$zip is missing"
  entries=$(unzip -Z1 "$zip")
  binary="${project}_v${version}"
  case "$platform" in windows_*) binary="$binary.exe" ;; esac
  # The binary at the top level, with the licence beside it (goreleaser adds README.md and CHANGELOG.md).
  grep -qx "$binary" <<<"$entries" || fail "$zip holds [$entries], not $binary"
  grep -qx LICENSE <<<"$entries" || fail "$zip holds [$entries], not LICENSE"
  unexpected=$(grep -vxF -e "$binary" -e LICENSE -e README.md -e CHANGELOG.md <<<"$entries" || true)
  [ -z "$unexpected" ] || fail "$zip holds unexpected files: $unexpected"
  expected+=("$zip")
done
listed=$(awk '{print $2}' "$sums" | sort | tr '\n' ' ')
want=$(printf '%s\n' "${expected[@]}" | sort | tr '\n' ' ')
[ "$listed" = "$want" ] || fail "$sums lists [$listed], want [$want]"

echo "check-snapshot: $dist holds ${#platforms[@]} platform zip(s) of $project $version and $sums, all checked (the manifest: $manifest_source):"
sed 's/^/  /' "$sums"
