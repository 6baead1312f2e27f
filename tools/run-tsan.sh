#!/usr/bin/env bash
# Builds the ThreadSanitizer stress program (tests/stress/tsan_stress.c) with
# the whole library instrumented (-fsanitize=thread, its own CMake build
# directory) and runs it. Criterion's forked workers cannot run under TSan,
# so the threaded scenarios live in that plain program. Any TSan report
# fails the run (halt_on_error=1, exitcode=66); tools/tsan.supp silences
# only PoCL/LLVM/ICD frames, never varscope's.
# Prints one line per scenario ("ok   tsan X" / "FAIL tsan X: why") and
# "N passed, N failed" last; the exit status is non-zero on any failure.
#   tools/run-tsan.sh [BUILD_DIR]       (default build/tsan; TSAN_CC=clang to switch)
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath -m "${1:-$here/build/tsan}")
cc=${TSAN_CC:-gcc}
export POCL_CACHE_DIR=${POCL_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/varscope/pocl}
mkdir -p "$POCL_CACHE_DIR"

log=$(mktemp)
trap 'rm -f "$log"' EXIT

if ! cmake -S "$here/tests/stress" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
       -DCMAKE_C_COMPILER="$cc" -DVS_WERROR=ON \
       "-DCMAKE_C_FLAGS=-fsanitize=thread -fno-omit-frame-pointer" \
       -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread >"$log" 2>&1 ||
   ! cmake --build "$build" -j "${JOBS:-2}" --target tsan_stress >>"$log" 2>&1; then
  tail -n 40 "$log"
  echo "FAIL tsan build"
  echo "0 passed, 1 failed"
  exit 1
fi

export TSAN_OPTIONS="halt_on_error=1:exitcode=66:second_deadlock_stack=1:suppressions=$here/tools/tsan.supp${TSAN_OPTIONS:+:$TSAN_OPTIONS}"
run() { timeout 300 "$@" "$build/tests/stress/tsan_stress" >"$log" 2>&1; }
run
rc=$?
# Some kernels randomise mmap more than older TSan runtimes accept; the
# same run without address randomisation is equivalent for race finding.
if [ "$rc" -ne 0 ] && grep -aq 'unexpected memory mapping' "$log"; then
  run setarch "$(uname -m)" -R
  rc=$?
fi

grep -a '^ok   tsan \|^FAIL tsan ' "$log"
pass=$(grep -ac '^ok   tsan ' "$log")
fail=$(grep -ac '^FAIL tsan ' "$log")
if [ "$rc" -ne 0 ] && ! grep -aq '^[0-9]* passed, [0-9]* failed' "$log"; then
  # Halted inside a scenario: name it and show the report.
  scen=$(sed -n 's/^tsan_stress: running //p' "$log" | tail -n 1)
  why="exit code $rc"
  [ "$rc" -eq 66 ] && why="ThreadSanitizer report"
  [ "$rc" -eq 124 ] && why="timed out after 300 s"
  echo "FAIL tsan ${scen:-?}: $why"
  grep -av '^tsan_stress: running \|^ok   tsan ' "$log" | head -n 80
  fail=$((fail + 1))
elif [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then
  echo "FAIL tsan: exit code $rc"
  tail -n 40 "$log"
  fail=1
fi
echo "$pass passed, $fail failed"
[ "$rc" -eq 0 ] && [ "$fail" -eq 0 ]
