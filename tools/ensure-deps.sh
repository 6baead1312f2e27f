#!/usr/bin/env bash
# Installs the Debian packages varscope needs, only those that are missing.
# Used by `make demo`/`make build`/`make install` and, with --test, by
# `make test`; safe to run any number of times.
#   tools/ensure-deps.sh [--test]
# Build and run: the C and C++ compilers (CLBlast's tuner API is C++) and CMake, the OpenCL ICD loader and headers,
# PoCL (the CPU device), CLBlast, jansson (safetensors headers) and
# Criterion (the unit tests are part of a default build).
# --test adds: clang and its sanitizer runtimes (the fuzzers), OpenBLAS (the
# conv benchmark's optional host baseline, so that path is built and tested
# too; the build works without it) and python3-venv (the TensorFlow
# oracle's virtual environment; TensorFlow itself comes from PyPI).
set -euo pipefail

pkgs=(cmake make gcc g++ pkg-config ocl-icd-opencl-dev opencl-headers pocl-opencl-icd
      libclblast-dev libcriterion-dev libjansson-dev clinfo)
if [ "${1:-}" = "--test" ]; then
  pkgs+=(clang libclang-rt-dev libopenblas-dev python3-venv binutils)
fi
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
