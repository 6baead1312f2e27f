#!/usr/bin/env bash
# Start-to-first-result of a fresh process, with empty caches and then with
# the caches the first process left (PoCL's and varscope's kernel cache).
set -euo pipefail
bin=${1:-build/bench/first_result}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export POCL_CACHE_DIR=$dir/pocl VARSCOPE_CACHE_DIR=$dir/varscope
mkdir -p "$POCL_CACHE_DIR"
echo "cold caches:  $("$bin")"
echo "second process: $("$bin")"
echo "third process:  $("$bin")"
