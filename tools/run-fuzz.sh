#!/usr/bin/env bash
# Builds the checkpoint readers' libFuzzer targets (fuzz/*.c) with clang
# (-fsanitize=fuzzer,address,undefined) and runs each for a bounded time on
# a scratch copy of its seed corpus (fuzz/corpus/<target>/), so the
# committed corpus does not grow. Fails when a target finds a crash, a leak
# or a sanitizer report; the crashing input is kept under BUILD/.
#   tools/run-fuzz.sh [SECONDS_PER_TARGET] [BUILD_DIR]     (default 20, build/fuzz)
set -euo pipefail
secs=${1:-20}
here=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath -m "${2:-$here/build/fuzz}")
cc=${FUZZ_CC:-clang}
if ! command -v "$cc" >/dev/null 2>&1; then
  echo "run-fuzz: $cc not found (install clang)" >&2
  exit 1
fi
mkdir -p "$build"
srcs=("$here"/engine/checkpoint/{ckpt_common,crc32c,file_io,safetensors,tf_bundle}.c "$here"/engine/core/*.c)
flags=(-std=c11 -D_POSIX_C_SOURCE=200809L -g -O1 -fsanitize=fuzzer,address,undefined
       -fno-sanitize-recover=undefined -I"$here/include" -I"$here/engine"
       $(pkg-config --cflags jansson))
export ASAN_OPTIONS="detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
status=0
for target in safetensors tf_index; do
  bin=$build/fuzz_$target
  "$cc" "${flags[@]}" "$here/fuzz/fuzz_$target.c" "${srcs[@]}" $(pkg-config --libs jansson) -lpthread -o "$bin"
  work=$(mktemp -d)
  cp "$here/fuzz/corpus/$target/"* "$work/"
  log=$build/fuzz_$target.log
  if "$bin" "$work" -max_total_time="$secs" -max_len=16384 -use_value_profile=1 -rss_limit_mb=2048 -timeout=10 \
       -artifact_prefix="$build/crash_${target}_" -print_final_stats=1 >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    cov=$(grep -a -o 'cov: [0-9]*' "$log" | tail -n 1)
    echo "ok   fuzz_$target: ${runs:-?} inputs in ${secs}s, ${cov:-cov: ?}, no crash"
  else
    echo "FAIL fuzz_$target: see $log"
    grep -a -E 'ERROR|SUMMARY|runtime error|Test unit written' "$log" | head -n 20
    status=1
  fi
  rm -rf "$work"
done
exit $status
