#!/usr/bin/env bash
# Unpacks the xz-compressed CLIs of SHARED_DIR (Terraform and OpenTofu for the version matrix) into
# CLI_DIR as NAME-VERSION (terraform-1.15.9, tofu-1.12.6), again only when the archive is newer. The
# folder exists on development machines and in CI only: without it there is nothing to do.
# Usage: clis.sh SHARED_DIR CLI_DIR
set -euo pipefail
shared=$1 cli_dir=$2
if [ ! -d "$shared" ]; then
  echo "no $shared: no extra CLIs to unpack"
  exit 0
fi
mkdir -p "$cli_dir"
for xz in "$shared"/*_linux_amd64.xz; do
  [ -e "$xz" ] || continue
  name=$(basename "$xz" _linux_amd64.xz) # terraform_1.15.9
  out="$cli_dir/${name%%_*}-${name#*_}"
  if [ ! -x "$out" ] || [ "$xz" -nt "$out" ]; then
    xz -dc "$xz" >"$out.tmp" && chmod +x "$out.tmp" && mv "$out.tmp" "$out"
  fi
  echo "$out: $("$out" version 2>/dev/null | head -n 1)"
done
