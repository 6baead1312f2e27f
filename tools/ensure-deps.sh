#!/usr/bin/env bash
# Installs the Debian packages varscope needs, only those that are missing.
# Used by `make demo` and `make test`; safe to run any number of times.
set -euo pipefail

pkgs=(cmake make gcc pkg-config ocl-icd-opencl-dev opencl-headers pocl-opencl-icd
      libclblast-dev libcriterion-dev libjansson-dev clang libclang-rt-dev clinfo)
missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "varscope: installing missing Debian packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  run=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  run=(sudo)
else
  echo "varscope: cannot install ${missing[*]}: this needs root (or password-less sudo)." >&2
  echo "varscope: run as root: apt-get install --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${run[@]}" apt-get update -q
"${run[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
