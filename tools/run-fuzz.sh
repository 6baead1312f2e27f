#!/usr/bin/env bash
# Builds every libFuzzer target fuzz/fuzz_<name>.c and, for each:
#   1. replays its committed corpus fuzz/corpus/<name>/ (every input once, as
#      a regression run: crash inputs found earlier are kept there);
#   2. fuzzes for SECONDS on a scratch copy of that corpus (the committed
#      corpus does not grow; a crashing input is kept under BUILD/).
# The engine is built once with clang (-fsanitize=fuzzer-no-link,address,
# undefined) as a static library in BUILD/engine; each target links to it,
# so targets may call any engine function, public or internal.
# One line per target: "ok   fuzz_<name>: N inputs ..." or "FAIL fuzz_<name>: ...";
# the exit status is non-zero when any target failed.
#   tools/run-fuzz.sh [SECONDS_PER_TARGET] [BUILD_DIR] [NAME...]   (default 20, build/fuzz, all)
#   FUZZ_CC=clang-15 picks the compiler; FUZZ_JOBS the build's parallelism.
set -euo pipefail
secs=${1:-20}
here=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath -m "${2:-$here/build/fuzz}")
shift $(($# > 2 ? 2 : $#))
cc=${FUZZ_CC:-clang}
if ! command -v "$cc" >/dev/null 2>&1; then
  echo "run-fuzz: $cc not found (install clang)" >&2
  exit 1
fi
mkdir -p "$build"

# The engine, once (incremental afterwards).
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
if ! { cmake -S "$here" -B "$build/engine" -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=Debug \
         -DCMAKE_C_FLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link $san" \
         -DVS_BUILD_TESTS=OFF -DVS_BUILD_EXAMPLES=OFF -DVS_BUILD_BENCH=OFF &&
       cmake --build "$build/engine" -j "${FUZZ_JOBS:-$(nproc)}" --target varscope_static; } \
     >"$build/engine.log" 2>&1; then
  echo "FAIL fuzz_engine: the engine did not build with $cc (see $build/engine.log)"
  tail -n 20 "$build/engine.log"
  exit 1
fi
lib=$build/engine/libvarscope.a
flags=(-std=c11 -D_POSIX_C_SOURCE=200809L -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer $san
       -I"$here/include" -I"$here/engine" $(pkg-config --cflags jansson))
# -lstdc++: the archive holds engine/runtime/clblast_tuner.cc (CLBlast's C++ tuner API).
libs=("$lib" -lclblast -lOpenCL $(pkg-config --libs jansson) -lstdc++ -lm -lpthread)

export ASAN_OPTIONS="detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# The suppressions of the OpenCL runtimes' own leaks, as for the unit tests.
if [ -f "$here/tools/lsan.supp" ]; then export LSAN_OPTIONS="suppressions=$here/tools/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"; fi

if [ $# -gt 0 ]; then names=("$@"); else
  names=()
  for src in "$here"/fuzz/fuzz_*.c; do names+=("$(basename "$src" .c | sed 's/^fuzz_//')"); done
fi
status=0
for name in "${names[@]}"; do
  bin=$build/fuzz_$name
  log=$build/fuzz_$name.log
  corpus=$here/fuzz/corpus/$name
  if ! "$cc" "${flags[@]}" "$here/fuzz/fuzz_$name.c" "${libs[@]}" -o "$bin" >"$log" 2>&1; then
    echo "FAIL fuzz_$name: does not build (see $log)"
    head -n 20 "$log"
    status=1
    continue
  fi
  common=(-max_len=16384 -rss_limit_mb=2048 -timeout=10 -artifact_prefix="$build/crash_${name}_")
  # 1. Regression: every committed input once.
  seeds=0
  if [ -d "$corpus" ]; then seeds=$(find "$corpus" -type f | wc -l); fi
  if [ "$seeds" -gt 0 ] && ! "$bin" "${common[@]}" -runs=0 "$corpus" >"$log" 2>&1; then
    echo "FAIL fuzz_$name: a committed corpus input fails (see $log)"
    grep -a -E 'ERROR|SUMMARY|runtime error|Test unit written|Running: ' "$log" | head -n 20
    status=1
    continue
  fi
  # 2. A bounded fresh run on a scratch copy.
  work=$(mktemp -d)
  if [ "$seeds" -gt 0 ]; then cp "$corpus"/* "$work"/; fi
  if "$bin" "$work" "${common[@]}" -max_total_time="$secs" -use_value_profile=1 -print_final_stats=1 >>"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    cov=$(grep -a -o 'cov: [0-9]*' "$log" | tail -n 1)
    echo "ok   fuzz_$name: $seeds corpus inputs replayed, ${runs:-?} inputs in ${secs}s, ${cov:-cov: ?}, no crash"
  else
    echo "FAIL fuzz_$name: see $log (copy the crashing input into fuzz/corpus/$name/ once fixed)"
    grep -a -E 'ERROR|SUMMARY|runtime error|Test unit written' "$log" | head -n 20
    status=1
  fi
  rm -rf "$work"
done
exit $status
